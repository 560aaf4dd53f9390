"""/stocktaking and /stocktaking/{id}/stocktaking-record: counting a bin."""

from flask import g, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, pre_load, validate

from ..documents import stocktaking as service
from ..documents.models import Stocktaking, StocktakingRecord
from ..errors import ValidationFailed
from ..web.permissions import writes_need
from ..web.session import get_db
from ..web.transaction import unit_of_work
from .common import (
    TOTAL_HEADER,
    AuditSchema,
    Bool,
    CamelSchema,
    Id,
    IdList,
    ListArgs,
    QueryBool,
    create_endpoint,
    document_errors,
    filter_ids,
    listing,
    load_changes,
    load_one_or_many,
    one_or_list,
    read_json,
    require_session,
    tenant_query,
    update_endpoint,
)

blp = Blueprint("stocktaking", __name__, url_prefix="/stocktaking", description="Counting bins")
blp.before_request(require_session)
writes_need(blp, "STOCK")


class StocktakingSchema(AuditSchema):
    bin_id = Id(required=True)
    reference_type = fields.String(allow_none=True, validate=validate.Length(max=40))
    warehouse_id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True, allow_none=True)
    finished = fields.Boolean(dump_only=True)
    finished_at = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "Unix seconds"})


class StocktakingUpdate(CamelSchema):
    finished = Bool(required=True)


class StocktakingUpdateById(StocktakingUpdate):
    id = Id(required=True)


class StocktakingArgs(ListArgs):
    id = IdList()
    reference_type = fields.String()
    warehouse_id = IdList()
    bin_id = IdList()
    user_id = IdList()
    finished = QueryBool()

    @pre_load
    def seed_spelling(self, data, **_):
        # The seed documents the filter as "binid"; both spellings work.
        if "binid" in data and "binId" not in data:
            data = {**data, "binId": data["binid"]}
        return data


class CountLine(CamelSchema):
    product_id = Id(required=True)
    batch_id = Id(required=True)
    counted_quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=2**31 - 1))


class CountRecord(AuditSchema, CountLine):
    stocktaking_id = fields.Integer()
    expected_quantity = fields.Integer(
        dump_only=True, metadata={"description": "What the ledger held when the line was (last) counted"}
    )
    difference = fields.Integer(
        dump_only=True, metadata={"description": "countedQuantity - expectedQuantity: what finishing posts (posted)"}
    )
    moved_since_count = fields.Integer(
        dump_only=True,
        metadata={
            "description": "Signed amount that moved in or out of the bin since the line was counted "
            "(until the finish, once finished); finishing keeps it"
        },
    )


class CountArgs(ListArgs):
    product_id = IdList()
    batch_id = IdList()


READ_ONLY = ("binId", "warehouseId", "userId", "referenceType", "finishedAt")


def _load(stocktaking_id):
    return service.get(get_db(), tenant=g.tenant, stocktaking_id=stocktaking_id, lock=True)


def _update(count, changes):
    return service.update(get_db(), tenant=g.tenant, user=g.user, count=count, finished=changes.get("finished", False))


@blp.route("")
class Stocktakings(MethodView):
    @blp.arguments(StocktakingArgs, location="query")
    @blp.response(200, StocktakingSchema(many=True), headers=TOTAL_HEADER)
    @document_errors(blp, (400, 401))
    def get(self, args):
        """List stocktakings

        Filters by the query parameters; paged with `page`/`pageSize` or `afterId`, ordered by id, the total in
        `X-Total-Count`.
        """
        s = Stocktaking
        query = filter_ids(tenant_query(s), s.id, args.pop("id", None))
        for name in ("warehouse_id", "bin_id", "user_id"):
            query = filter_ids(query, getattr(s, name), args.pop(name, None))
        for name in ("reference_type", "finished"):
            if name in args:
                query = query.where(getattr(s, name) == args.pop(name))
        return listing(get_db(), query, s, args)

    @create_endpoint(blp, StocktakingSchema, StocktakingSchema)
    def post(self, items, single):
        """Open a count of a bin (one or a list)

        One open count per bin, of either kind (409 for a second, or for a bin an open Planograma inventory
        counts). Needs the STOCK permission; accepts `Idempotency-Key`.
        """
        return service.create(get_db(), tenant=g.tenant, user=g.user, items=items)

    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": StocktakingUpdateById}}})
    @blp.response(200, StocktakingSchema)
    @document_errors(blp)
    def put(self):
        """Finish the count whose id is in the body (the seed's spelling of PUT /stocktaking/{id})

        Same rules as `PUT /stocktaking/{stocktakingId}`. Needs the STOCK permission.
        """
        data = read_json()
        if not isinstance(data, dict) or type(data.get("id")) is not int:
            raise ValidationFailed("The request is invalid.", {"id": ["An integer id is required."]})
        with unit_of_work():
            obj = _load(data["id"])
            changes = load_changes(data, obj, StocktakingUpdate, StocktakingSchema, READ_ONLY)
            return _update(obj, changes)


@blp.route("/<int:stocktaking_id>")
class StocktakingById(MethodView):
    @blp.response(200, StocktakingSchema)
    @document_errors(blp, (401, 404))
    def get(self, stocktaking_id):
        """Get a stocktaking

        404 for an unknown id or another tenant's.
        """
        return service.get(get_db(), tenant=g.tenant, stocktaking_id=stocktaking_id)

    @update_endpoint(blp, StocktakingUpdate, StocktakingSchema, _load, extra_read_only=READ_ONLY)
    def put(self, obj, changes, stocktaking_id):
        """Finish a count ({"finished": true}): its differences are posted to the ledger

        Each counted line's `difference` is posted in one transaction as `INVENTORY_REGISTRATION` (surplus) or
        `INVENTORY_WRITE_OFF` (shortage) with `referenceId` = the count's id, so stock that moved after a line was
        counted is kept. If the stock rules refuse a difference the finish is a 409 and the count stays open. A finished
        count is final (409). Needs the STOCK permission.
        """
        return _update(obj, changes)

    @blp.response(204)
    @document_errors(blp, (401, 403, 404, 409))
    def delete(self, stocktaking_id):
        """Delete an open count; a finished one is final

        Nothing was posted by an open count, so deleting it changes no stock; a finished count is a 409. Needs the STOCK
        permission.
        """
        with unit_of_work():
            service.delete(get_db(), count=_load(stocktaking_id))


@blp.route("/<int:stocktaking_id>/stocktaking-record")
class CountRecords(MethodView):
    @blp.arguments(CountArgs, location="query")
    @blp.response(200, CountRecord(many=True), headers=TOTAL_HEADER)
    @document_errors(blp, (400, 401, 404))
    def get(self, args, stocktaking_id):
        """List the counted lines with expected quantity and difference

        `expectedQuantity` is what the ledger held for the line's product and batch when it was counted, `difference` =
        `countedQuantity - expectedQuantity`, `movedSinceCount` what moved in or out of the bin since. A finished
        count's lines keep what they showed at the finish.
        """
        db = get_db()
        count = service.get(db, tenant=g.tenant, stocktaking_id=stocktaking_id)
        query = service.records_query(
            count, product_ids=args.pop("product_id", None), batch_ids=args.pop("batch_id", None)
        )
        rows, status, headers = listing(db, query, StocktakingRecord, args)
        return _with_moved(db, count, rows), status, headers

    @blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": one_or_list(CountLine)}}},
        responses={
            "200": {
                "description": "The lines sent: an object for an object, a list for a list",
                "content": {"application/json": {"schema": one_or_list(CountRecord)}},
            }
        },
    )
    @document_errors(blp)
    def put(self, stocktaking_id):
        """Set counted quantities (upsert per product and batch); answers the lines sent

        `countedQuantity >= 0`; one object or a list; the same product and batch twice in one request is a 400. Counting
        a line again freezes its `expectedQuantity` again. A finished count cannot be recounted (409). Needs the STOCK
        permission.
        """
        with unit_of_work() as db:
            count = _load(stocktaking_id)
            items, single = load_one_or_many(CountLine())
            lines = service.set_counts(db, tenant=g.tenant, user=g.user, count=count, lines=items)
            body = CountRecord(many=True).dump(_with_moved(db, count, lines))
        return jsonify(body[0] if single else body)


def _with_moved(db, count, lines):
    """Attach to each line, for the response, how much moved since it was counted."""
    moved = service.moved_since_count(db, count=count, lines=lines)
    for line in lines:
        line.moved_since_count = moved[(line.product_id, line.batch_id)]
    return lines
