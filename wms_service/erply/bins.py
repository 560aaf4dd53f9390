"""/bin: the places in a warehouse that hold stock."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..repo import get_or_404
from ..stock import bins as service
from ..stock.models import Bin
from ..web.permissions import writes_need
from ..web.session import get_db
from ..web.transaction import unit_of_work
from .common import (
    TOTAL_HEADER,
    AuditSchema,
    Bool,
    Id,
    IdList,
    ListArgs,
    QueryBool,
    create_endpoint,
    document_errors,
    filter_ids,
    listing,
    require_session,
    tenant_query,
    update_endpoint,
)

blp = Blueprint("bin", __name__, url_prefix="/bin", description="Bins")
blp.before_request(require_session)
writes_need(blp, "CATALOG")

Amount = lambda: fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=2**31 - 1))  # noqa: E731


class BinSchema(AuditSchema):
    warehouse_id = Id(required=True, metadata={"description": "An existing warehouse"})
    code = fields.String(load_default="", validate=validate.Length(max=100))
    active = Bool(load_default=False)
    preferred = Bool(load_default=False)
    bin_order = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=-(2**31), max=2**31 - 1))
    allowed_product = fields.String(load_default="", validate=validate.Length(max=300))
    replenishment_minimum = Amount()
    maximum_amount = Amount()


class BinArgs(ListArgs):
    id = IdList()
    warehouse_id = IdList()
    preferred = QueryBool()
    active = QueryBool()
    code = fields.String()


def _load(bin_id):
    return get_or_404(get_db(), Bin, g.tenant.id, bin_id, "Bin")


@blp.route("")
class Bins(MethodView):
    @blp.arguments(BinArgs, location="query")
    @blp.response(200, BinSchema(many=True), headers=TOTAL_HEADER)
    @document_errors(blp, (400, 401))
    def get(self, args):
        """List bins

        Filters by the query parameters; paged with `page`/`pageSize` or `afterId`, ordered by id, the total in
        `X-Total-Count`.
        """
        query = filter_ids(tenant_query(Bin), Bin.id, args.pop("id", None))
        query = filter_ids(query, Bin.warehouse_id, args.pop("warehouse_id", None))
        for name in ("preferred", "active", "code"):
            if name in args:
                query = query.where(getattr(Bin, name) == args.pop(name))
        return listing(get_db(), query, Bin, args)

    @create_endpoint(blp, BinSchema, BinSchema)
    def post(self, items, single):
        """Create one bin or a list

        `warehouseId` is required and must name one of the tenant's warehouses. A non-empty `code` is unique within its
        warehouse (409). `maximumAmount > 0` caps what the bin may hold. A list of up to 1000 is created all or nothing.
        Needs the CATALOG permission; accepts `Idempotency-Key`.
        """
        return service.create(get_db(), tenant=g.tenant, user=g.user, items=items)


@blp.route("/<int:bin_id>")
class BinById(MethodView):
    @blp.response(200, BinSchema)
    @document_errors(blp, (401, 404))
    def get(self, bin_id):
        """Get a bin

        404 for an unknown id or another tenant's.
        """
        return _load(bin_id)

    @update_endpoint(blp, BinSchema, BinSchema, _load)
    def put(self, obj, changes, bin_id):
        """Update a bin

        Send any subset of the editable fields; read-only fields may be sent back unchanged. A bin that holds stock, or
        has an open count, cannot move to another warehouse (409). Archive a bin with `active: false`. Needs the CATALOG
        permission.
        """
        return service.update(get_db(), tenant=g.tenant, user=g.user, bin_=obj, changes=changes)

    @blp.response(204)
    @document_errors(blp, (401, 403, 404, 409))
    def delete(self, bin_id):
        """Delete a bin that never held stock

        A bin with any stock movement or count cannot be deleted (409): archive it with `active: false` instead. Needs
        the CATALOG permission.
        """
        with unit_of_work() as db:
            service.delete(db, tenant=g.tenant, bin_=_load(bin_id))
