"""/api/metadata: light id <-> reference look-ups an integrator runs before a full synchronization.

Each call is one query over the columns it answers, however many references it asks about (up to 10 000).
"""

from flask import g
from marshmallow import ValidationError, fields, validates_schema
from sqlalchemy import select

from ..catalog.models import Category, Product
from ..documents.order_models import Order
from ..web.session import get_db
from .blueprint import ApiBlueprint
from .envelope import envelope, ok
from .nomenclature import apply_filters, summary
from .requests import ActiveFilter, ApiSchema, TextList

blp = ApiBlueprint("planograma-metadata", __name__, url_prefix="/api/metadata", description="Planograma: metadata")


class ReadMetadataApiRequest(ApiSchema):
    active = ActiveFilter()
    third_party_reference_ids = TextList()
    models = TextList(metadata={"description": "productCode values"})


class ByModelRequest(ReadMetadataApiRequest):
    @validates_schema
    def needs_models(self, data, **_):
        if not data.get("models"):
            raise ValidationError("Name at least one model.", "models")


class CategoryMetadata(ApiSchema):
    category_id = fields.Integer()
    category_name = fields.String()
    external_reference = fields.String(allow_none=True)
    third_party_reference = fields.String(allow_none=True)
    active = fields.Boolean()


class ProductMetadata(ApiSchema):
    product_id = fields.Integer()
    product_code = fields.String(metadata={"description": "The model"})
    product_name = fields.String()
    third_party_reference = fields.String(allow_none=True)
    active = fields.Boolean()


class OrderMetadata(ApiSchema):
    order_id = fields.Integer()
    external_order_id = fields.String()
    third_party_reference = fields.String(allow_none=True)


CategoryMetadataResponse = envelope("CategoryMetadataApiResponse", fields.List(fields.Nested(CategoryMetadata)))
ProductMetadataResponse = envelope("ProductMetadataApiResponse", fields.List(fields.Nested(ProductMetadata)))
OrderMetadataResponse = envelope("OrderMetadataApiResponse", fields.List(fields.Nested(OrderMetadata)))

PRODUCT_COLUMNS = (
    Product.id.label("product_id"),
    Product.code.label("product_code"),
    Product.name.label("product_name"),
    Product.third_party_reference,
    Product.active,
)
PRODUCT_FILTERS = {"third_party_reference_ids": "third_party_reference", "models": "code", "active": "active"}


def _rows(query):
    return [row._asdict() for row in get_db().execute(query)]


def _products(args):
    """The tenant's products matching the request's references, models and active flag: one query."""
    query = apply_filters(
        select(*PRODUCT_COLUMNS).where(Product.tenant_id == g.tenant.id), Product, PRODUCT_FILTERS, args
    )
    return _rows(query.order_by(Product.id))


@blp.route("/category", methods=["POST"], endpoint="category")
@blp.arguments(ReadMetadataApiRequest)
@blp.response(200, CategoryMetadataResponse)
@summary(
    "Category ids and references (models does not apply)",
    "One query: `categoryId, categoryName, externalReference, thirdPartyReference, active` of the tenant's "
    "categories, filtered by `thirdPartyReferenceIds` and `active`.",
)
def category(args):
    columns = (
        Category.id.label("category_id"),
        Category.name.label("category_name"),
        Category.external_reference,
        Category.third_party_reference,
        Category.active,
    )
    filters = {"third_party_reference_ids": "third_party_reference", "active": "active"}
    query = apply_filters(select(*columns).where(Category.tenant_id == g.tenant.id), Category, filters, args)
    return ok(_rows(query.order_by(Category.id)))


@blp.route("/product", methods=["POST"], endpoint="product")
@blp.arguments(ReadMetadataApiRequest)
@blp.response(200, ProductMetadataResponse)
@summary(
    "Product ids, codes and references, filtered by thirdPartyReferenceIds, models and active",
    "One query: `productId, productCode, productName, thirdPartyReference, active` of the tenant's products; "
    "use it to map an integrator's references to ids before a full synchronization.",
)
def product(args):
    return ok(_products(args))


@blp.route("/product/by_model", methods=["POST"], endpoint="product_by_model")
@blp.arguments(ByModelRequest)
@blp.response(200, ProductMetadataResponse)
@summary(
    "Product ids for models (product codes); models is required",
    "Answers the same rows as /api/metadata/product for the products whose code is in `models`; codes that name "
    "no product are left out. Without `models` it is a 400.",
)
def product_by_model(args):
    return ok(_products(args))


@blp.route("/order", methods=["POST"], endpoint="order")
@blp.arguments(ReadMetadataApiRequest)
@blp.response(200, OrderMetadataResponse)
@summary(
    "Order ids and references",
    "Filtered by `thirdPartyReferenceIds`; `active` and `models` do not apply to orders.",
)
def order(args):
    columns = (Order.id.label("order_id"), Order.external_order_id, Order.third_party_reference)
    filters = {"third_party_reference_ids": "third_party_reference"}
    query = apply_filters(select(*columns).where(Order.tenant_id == g.tenant.id), Order, filters, args)
    return ok(_rows(query.order_by(Order.id)))
