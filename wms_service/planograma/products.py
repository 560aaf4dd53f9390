"""/api/product: the same products the native API's batches and records use, with ProductInfo's fields.

productCode is the product's ``code`` (the "model" of the seed's filters and order lines), productName its
``name``. Stock is read from the ledger's projection; reserved and free quantities from the reservations.
"""

from marshmallow import fields
from sqlalchemy import select

from ..catalog.models import Category, Product
from ..catalog.products import check_deletable, resolve_category
from ..documents.models import StocktakingRecord
from ..stock import availability
from ..stock.models import Batch, BinInventory, BinInventoryRecord
from ..stock.reservations import Reservation
from .blueprint import ApiBlueprint
from .nomenclature import Nomenclature, register_reference_check, register_routes
from .requests import (
    ActiveFilter,
    Amount,
    ApiSchema,
    Bool,
    Id,
    IdList,
    Int,
    ReadRequest,
    Reference,
    TargetsMixin,
    Text,
    TextList,
    optional_fields,
)

blp = ApiBlueprint("planograma-product", __name__, url_prefix="/api/product", description="Planograma: products")


class StockInfo(ApiSchema):
    """One location (bin) holding the product."""

    location_id = fields.Integer(metadata={"description": "The bin's id"})
    location_code = fields.String(metadata={"description": "The bin's code"})
    location_name = fields.String(metadata={"description": "Warehouse name / bin code"})
    warehouse_id = fields.Integer()
    quantity = fields.Integer(metadata={"description": "On hand, from the ledger"})
    reserved_quantity = fields.Integer(metadata={"description": "Reserved from this location"})
    free_quantity = fields.Integer()


class ProductInfo(ApiSchema):
    product_id = fields.Integer(attribute="id")
    product_name = fields.String(attribute="name")
    product_code = fields.String(attribute="code")
    sku = fields.String(allow_none=True)
    third_party_reference = fields.String(allow_none=True)
    category_id = fields.Integer(allow_none=True)
    category_name = fields.String(allow_none=True)
    vat_id = fields.Integer(allow_none=True)
    vat_percentage = Amount()
    purchase_price = Amount()
    selling_price = Amount()
    minimum_stock = fields.Integer(allow_none=True)
    total_quantity_in_stock = fields.Integer(metadata={"description": "On hand in every bin, from the ledger"})
    total_reserved_quantity = fields.Integer(metadata={"description": "Held by reservations (orders)"})
    total_free_quantity = fields.Integer(metadata={"description": "totalQuantityInStock - totalReservedQuantity"})
    stock_info = fields.List(fields.Nested(StockInfo))
    requires_serial_number = fields.Boolean()
    requires_batch_code = fields.Boolean()
    requires_batch_details = fields.Boolean()
    requires_production_date = fields.Boolean()
    requires_expiration_date = fields.Boolean()
    width = Amount()
    height = Amount()
    length = Amount()
    weight = Amount()
    volume = Amount()
    diameter = Amount()
    material = fields.String(allow_none=True)
    color = fields.String(allow_none=True)
    active = fields.Boolean()


COLUMNS = (
    "id",
    "name",
    "code",
    "sku",
    "third_party_reference",
    "category_id",
    "vat_id",
    "vat_percentage",
    "purchase_price",
    "selling_price",
    "minimum_stock",
    "requires_serial_number",
    "requires_batch_code",
    "requires_batch_details",
    "requires_production_date",
    "requires_expiration_date",
    "width",
    "height",
    "length",
    "weight",
    "volume",
    "diameter",
    "material",
    "color",
    "active",
)


class AddProductApiRequest(ApiSchema):
    name = Text(300, required=True, metadata={"description": "productName"})
    code = Text(100, required=True, metadata={"description": "productCode: the model, unique per tenant"})
    sku = Text(100, allow_none=True)
    third_party_reference = Reference()
    category_id = Id(allow_none=True)
    category_external_reference = Reference(metadata={"description": "Instead of categoryId"})
    vat_id = Id(allow_none=True)
    vat_percentage = Amount(maximum=100)
    purchase_price = Amount()
    selling_price = Amount()
    minimum_stock = Int(minimum=0, allow_none=True)
    requires_serial_number = Bool(load_default=False)
    requires_batch_code = Bool(load_default=False)
    requires_batch_details = Bool(load_default=False)
    requires_production_date = Bool(load_default=False)
    requires_expiration_date = Bool(load_default=False)
    width = Amount()
    height = Amount()
    length = Amount()
    weight = Amount()
    volume = Amount()
    diameter = Amount()
    material = Text(100, allow_none=True)
    color = Text(100, allow_none=True)
    active = Bool(load_default=True)


EditProductFields = optional_fields(AddProductApiRequest, "EditProductFields")


class ReadProductsFilterRequest(ReadRequest):
    active = ActiveFilter()
    product_ids = IdList()
    models = TextList(metadata={"description": "productCode values"})
    skus = TextList()
    category_ids = IdList()
    third_party_reference_ids = TextList()


class _Targets(TargetsMixin, ApiSchema):
    TARGETS = ("product_ids", "product_models", "third_party_reference_ids")
    product_ids = IdList()
    product_models = TextList(metadata={"description": "productCode values"})
    third_party_reference_ids = TextList()


class EditProductApiRequest(_Targets):
    update_fields = fields.Nested(EditProductFields, required=True)


class DeleteProductApiRequest(_Targets):
    pass


def present(db, tenant, rows) -> list[dict]:
    """ProductInfo for ``rows``: their stock, reservations and categories in a few queries for the whole page."""
    ids = [row.id for row in rows]
    stock = availability.for_products(db, tenant.id, ids)
    category_ids = {row.category_id for row in rows if row.category_id}
    names = dict(db.execute(select(Category.id, Category.name).where(Category.id.in_(category_ids))).all())
    return [_info(row, stock[row.id], names.get(row.category_id)) for row in rows]


def _info(row, stock: availability.Availability, category_name) -> dict:
    info = {name: getattr(row, name) for name in COLUMNS}
    info.update(
        category_name=category_name,
        total_quantity_in_stock=stock.on_hand,
        total_reserved_quantity=stock.reserved,
        total_free_quantity=stock.free,
        stock_info=[
            {
                "location_id": place.stock.bin_id,
                "location_code": place.stock.bin_code,
                "location_name": place.stock.location_name,
                "warehouse_id": place.stock.warehouse_id,
                "quantity": place.stock.quantity,
                "reserved_quantity": place.reserved,
                "free_quantity": place.free,
            }
            for place in stock.locations
        ],
    )
    return info


PRODUCTS = Nomenclature(
    model=Product,
    name="Product",
    noun="Product",
    keys={"code": "code", "third_party_reference": "thirdPartyReference"},
    targets={"product_ids": "id", "product_models": "code", "third_party_reference_ids": "third_party_reference"},
    filters={
        "product_ids": "id",
        "models": "code",
        "skus": "sku",
        "category_ids": "category_id",
        "third_party_reference_ids": "third_party_reference",
        "active": "active",
    },
    uses=(
        (Reservation, Reservation.product_id, "reservations"),
        (Batch, Batch.product_id, "batches"),
        (BinInventoryRecord, BinInventoryRecord.product_id, "stock movements"),
        (BinInventory, BinInventory.product_id, "bin inventory"),
        (StocktakingRecord, StocktakingRecord.product_id, "stocktaking counts"),
    ),
    prepare=resolve_category,
    present=present,
    before_delete=check_deletable,
)

register_routes(
    blp,
    PRODUCTS,
    info=ProductInfo,
    read_schema=ReadProductsFilterRequest,
    add_schema=AddProductApiRequest,
    update_schema=EditProductApiRequest,
    delete_schema=DeleteProductApiRequest,
    plural="products",
)
register_reference_check(blp, PRODUCTS)
