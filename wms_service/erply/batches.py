"""/batch: a product's units made together, with an expiry date and batch codes."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..stock import batches as service
from ..stock.models import Batch, BatchCode
from ..web.permissions import writes_need
from ..web.session import get_db
from ..web.transaction import unit_of_work
from .common import (
    TOTAL_HEADER,
    AuditSchema,
    CamelSchema,
    Id,
    IdList,
    ListArgs,
    create_endpoint,
    document_errors,
    filter_ids,
    listing,
    require_session,
    tenant_query,
    update_endpoint,
)

blp = Blueprint("batch", __name__, url_prefix="/batch", description="Batches")
blp.before_request(require_session)
writes_need(blp, "CATALOG")

Code = lambda **kw: fields.String(validate=validate.Length(min=1, max=100), **kw)  # noqa: E731


class BatchCodeSchema(CamelSchema):
    id = Id(allow_none=True, metadata={"description": "Absent for a code to add"})
    batch_id = Id(allow_none=True)
    code = Code(required=True)


class BatchSchema(AuditSchema):
    product_id = Id(required=True)
    expiry_date = fields.Date(required=True, allow_none=True, format="%Y-%m-%d")
    batch_code = fields.List(
        Code(),
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The codes of a new batch"},
    )


class BatchOut(AuditSchema):
    product_id = fields.Integer()
    # ISO 8601 out (YYYY-MM-DD): strftime's %Y writes a year before 1000 without its zeros ("1-01-01").
    expiry_date = fields.Date(allow_none=True)
    batch_code = fields.Function(
        lambda batch: [c.code for c in batch.codes], metadata={"type": "array", "items": {"type": "string"}}
    )
    batch_codes = fields.List(fields.Nested(BatchCodeSchema), attribute="codes")


class BatchUpdate(CamelSchema):
    expiry_date = fields.Date(allow_none=True, format="%Y-%m-%d")
    batch_codes = fields.List(fields.Nested(BatchCodeSchema), validate=validate.Length(max=100))


class BatchArgs(ListArgs):
    id = IdList()
    product_id = IdList()
    batch_code = fields.String()


def _load(batch_id):
    return service.get(get_db(), tenant=g.tenant, batch_id=batch_id)


@blp.route("")
class Batches(MethodView):
    @blp.arguments(BatchArgs, location="query")
    @blp.response(200, BatchOut(many=True), headers=TOTAL_HEADER)
    @document_errors(blp, (400, 401))
    def get(self, args):
        """List batches, by product or batch code

        Filters by the query parameters; paged with `page`/`pageSize` or `afterId`, ordered by id, the total in
        `X-Total-Count`. Each batch answers its `batchCodes` in id order.
        """
        query = filter_ids(tenant_query(Batch), Batch.id, args.pop("id", None))
        query = filter_ids(query, Batch.product_id, args.pop("product_id", None))
        if "batch_code" in args:
            code = args.pop("batch_code")
            query = query.where(Batch.codes.any(BatchCode.code == code))
        return listing(get_db(), query, Batch, args)

    @create_endpoint(blp, BatchSchema, BatchOut)
    def post(self, items, single):
        """Create one batch or a list

        `productId` names one of the tenant's products; `batchCode` is a list of code strings; `expiryDate` is optional.
        A list of up to 1000 is created all or nothing. Needs the CATALOG permission; accepts `Idempotency-Key`.
        """
        return service.create(get_db(), tenant=g.tenant, user=g.user, items=items)


@blp.route("/<int:batch_id>")
class BatchById(MethodView):
    @blp.response(200, BatchOut)
    @document_errors(blp, (401, 404))
    def get(self, batch_id):
        """Get a batch

        With its `batchCodes` (`[{id, batchId, code}]`). 404 for an unknown id or another tenant's.
        """
        return _load(batch_id)

    @update_endpoint(blp, BatchUpdate, BatchOut, _load, extra_read_only=("productId", "batchCode"))
    def put(self, obj, changes, batch_id):
        """Change the expiry date and add, rename or remove batch codes

        `batchCodes` replaces the list: entries with an `id` are kept (and renamed), entries without are added, the rest
        removed; an `id` of another batch's code, or the same `id` twice, is a 400. `productId` never changes. Needs the
        CATALOG permission.
        """
        return service.update(get_db(), tenant=g.tenant, user=g.user, batch=obj, changes=changes)

    @blp.response(204)
    @document_errors(blp, (401, 403, 404, 409))
    def delete(self, batch_id):
        """Delete a batch and its codes; a batch with stock movements cannot be deleted

        A batch with stock movements or counts is a 409. Needs the CATALOG permission.
        """
        with unit_of_work() as db:
            service.delete(db, tenant=g.tenant, batch=_load(batch_id))
