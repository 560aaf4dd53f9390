"""/warehouse: where bins live."""
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..catalog import service
from ..catalog.models import Warehouse
from ..db import get_db
from ..repo import get_or_404
from ..stock.models import Bin
from .common import (
    TOTAL_HEADER, AuditSchema, IdList, ListArgs, QueryBool, create_endpoint, document_errors, filter_ids,
    listing, require_session, tenant_query, update_endpoint,
)

blp = Blueprint("warehouse", __name__, url_prefix="/warehouse", description="Warehouses")
blp.before_request(require_session)


class WarehouseSchema(AuditSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    active = fields.Boolean(load_default=True)


class WarehouseArgs(ListArgs):
    id = IdList()
    code = fields.String()
    active = QueryBool()


def _load(warehouse_id):
    return get_or_404(get_db(), Warehouse, g.tenant.id, warehouse_id, "Warehouse")


@blp.route("")
class Warehouses(MethodView):
    @blp.arguments(WarehouseArgs, location="query")
    @blp.response(200, WarehouseSchema(many=True), headers=TOTAL_HEADER)
    @document_errors(blp, (400, 401))
    def get(self, args):
        """List warehouses"""
        query = filter_ids(tenant_query(Warehouse), Warehouse.id, args.pop("id", None))
        for name in ("code", "active"):
            if name in args:
                query = query.where(getattr(Warehouse, name) == args.pop(name))
        return listing(get_db(), query, Warehouse, args)

    @create_endpoint(blp, WarehouseSchema, WarehouseSchema)
    def post(self, items, single):
        """Create one warehouse or a list"""
        return service.create(get_db(), Warehouse, tenant=g.tenant, user=g.user, items=items, single=single)


@blp.route("/<int:warehouse_id>")
class WarehouseById(MethodView):
    @blp.response(200, WarehouseSchema)
    @document_errors(blp, (401, 404))
    def get(self, warehouse_id):
        """Get a warehouse"""
        return _load(warehouse_id)

    @update_endpoint(blp, WarehouseSchema, WarehouseSchema, _load)
    def put(self, obj, changes, warehouse_id):
        """Update a warehouse"""
        return service.update(get_db(), Warehouse, tenant=g.tenant, user=g.user, obj=obj, changes=changes)

    @blp.response(204)
    @document_errors(blp, (401, 404, 409))
    def delete(self, warehouse_id):
        """Delete a warehouse that has no bins"""
        db = get_db()
        service.delete(db, obj=_load(warehouse_id), uses=[(Bin, Bin.warehouse_id)])
        db.commit()
