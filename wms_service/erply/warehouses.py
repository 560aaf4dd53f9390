"""/warehouse: where bins live."""

from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..catalog.entities import WAREHOUSE
from ..web.permissions import writes_need
from .catalog import CatalogSchema, register_crud
from .common import require_session

blp = Blueprint("warehouse", __name__, url_prefix="/warehouse", description="Warehouses")
blp.before_request(require_session)
writes_need(blp, "CATALOG")


class WarehouseSchema(CatalogSchema):
    name = fields.String(load_default="", validate=validate.Length(max=200))


register_crud(
    blp,
    entity=WAREHOUSE,
    schema=WarehouseSchema,
    plural="warehouses",
    delete_summary="Delete a warehouse that has no bins",
)
