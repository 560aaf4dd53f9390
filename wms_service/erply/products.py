"""/product: what batches, bins and records refer to."""
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..catalog import service
from ..catalog.models import Product
from ..db import get_db
from ..repo import get_or_404
from ..stock.models import Batch, BinInventory, BinInventoryRecord
from .common import (
    TOTAL_HEADER, AuditSchema, IdList, ListArgs, QueryBool, create_endpoint, document_errors, filter_ids,
    listing, require_session, tenant_query, update_endpoint,
)

blp = Blueprint("product", __name__, url_prefix="/product", description="Products")
blp.before_request(require_session)


class ProductSchema(AuditSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    active = fields.Boolean(load_default=True)


class ProductArgs(ListArgs):
    id = IdList()
    code = fields.String()
    active = QueryBool()


def _load(product_id):
    return get_or_404(get_db(), Product, g.tenant.id, product_id, "Product")


@blp.route("")
class Products(MethodView):
    @blp.arguments(ProductArgs, location="query")
    @blp.response(200, ProductSchema(many=True), headers=TOTAL_HEADER)
    @document_errors(blp, (400, 401))
    def get(self, args):
        """List products"""
        query = filter_ids(tenant_query(Product), Product.id, args.pop("id", None))
        for name in ("code", "active"):
            if name in args:
                query = query.where(getattr(Product, name) == args.pop(name))
        return listing(get_db(), query, Product, args)

    @create_endpoint(blp, ProductSchema, ProductSchema)
    def post(self, items, single):
        """Create one product or a list"""
        return service.create(get_db(), Product, tenant=g.tenant, user=g.user, items=items, single=single)


@blp.route("/<int:product_id>")
class ProductById(MethodView):
    @blp.response(200, ProductSchema)
    @document_errors(blp, (401, 404))
    def get(self, product_id):
        """Get a product"""
        return _load(product_id)

    @update_endpoint(blp, ProductSchema, ProductSchema, _load)
    def put(self, obj, changes, product_id):
        """Update a product"""
        return service.update(get_db(), Product, tenant=g.tenant, user=g.user, obj=obj, changes=changes)

    @blp.response(204)
    @document_errors(blp, (401, 404, 409))
    def delete(self, product_id):
        """Delete a product that has no batches and no stock movements"""
        db = get_db()
        uses = [(Batch, Batch.product_id), (BinInventoryRecord, BinInventoryRecord.product_id), (BinInventory, BinInventory.product_id)]
        service.delete(db, obj=_load(product_id), uses=uses)
        db.commit()
