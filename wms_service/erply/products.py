"""/product: what batches, bins and records refer to."""

from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..catalog.entities import PRODUCT
from ..web.permissions import writes_need
from .catalog import CatalogSchema, register_crud
from .common import require_session

blp = Blueprint("product", __name__, url_prefix="/product", description="Products")
blp.before_request(require_session)
writes_need(blp, "CATALOG")


class ProductSchema(CatalogSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))


register_crud(
    blp,
    entity=PRODUCT,
    schema=ProductSchema,
    plural="products",
    delete_summary="Delete a product that has no batches and no stock movements",
)
