"""/api/production: read, add, close-simplified-production/order/{orderId}.

Thin views over ``documents/production.py``; every answer is ProductionOrderApiResponse, a list of
ProductionOrderInfo, in the envelope. Writes need the STOCK permission.
"""

from datetime import UTC, datetime

from flask import g
from marshmallow import fields, validate
from sqlalchemy import select

from ..catalog.models import Product
from ..documents import production as service
from ..documents.production_models import ProductionOrder, ProductionStatus
from ..stock.models import Bin
from ..web import idempotency
from ..web.permissions import search
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from .blueprint import ApiBlueprint, errors_doc
from .envelope import envelope, ok
from .nomenclature import apply_filters, page, summary
from .requests import ApiSchema, Day, Id, IdList, Int, ReadRequest, Reference, Text, TextList, one_of

STATUSES = [s.value for s in ProductionStatus]

blp = ApiBlueprint(
    "planograma-production",
    __name__,
    url_prefix="/api/production",
    description="Planograma: production orders",
    writes="STOCK",
)


class ComponentRequest(ApiSchema):
    product_id = Id(required=True)
    quantity = Int(minimum=1, required=True, metadata={"description": "Per unit made"})


class AddProductionOrderRequest(ApiSchema):
    product_id = Id(required=True)
    quantity = Int(minimum=1, required=True)
    third_party_reference = Text(100, required=True, metadata={"description": "Unique per tenant"})
    warehouse_id = Id(allow_none=True, metadata={"description": "Required unless locationCode names one warehouse"})
    location_code = Text(100, allow_none=True, metadata={"description": "Where the output goes (else PRODUCTION)"})
    batch_code = Reference(metadata={"description": "The output's batch code (ours)"})
    expiration_date = Day(allow_none=True, metadata={"description": "The output's expiry (ours)"})
    components = fields.List(fields.Nested(ComponentRequest), allow_none=True, validate=validate.Length(max=1000))


class ReadProductionOrdersFilterRequest(ReadRequest):
    production_order_ids = IdList()
    third_party_reference_ids = TextList()
    statuses = fields.List(fields.String(validate=one_of(*STATUSES)), allow_none=True)
    product_ids = IdList()


class ComponentInfo(ApiSchema):
    product_id = fields.Integer()
    product_code = fields.String()
    quantity = fields.Integer(metadata={"description": "Per unit made"})
    total_quantity = fields.Integer(metadata={"description": "quantity x the order's quantity"})


class ProductionOrderInfo(ApiSchema):
    production_order_id = fields.Integer()
    third_party_reference = fields.String()
    product_id = fields.Integer()
    product_code = fields.String()
    product_name = fields.String()
    quantity = fields.Integer()
    warehouse_id = fields.Integer()
    location_code = fields.String(allow_none=True, metadata={"description": "Null: the PRODUCTION bin"})
    batch_code = fields.String(allow_none=True)
    expiration_date = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": STATUSES})
    date_added = fields.String(metadata={"description": "ISO 8601, UTC"})
    date_closed = fields.String(allow_none=True)
    closed_by_id = fields.Integer(allow_none=True)
    components = fields.List(fields.Nested(ComponentInfo))


ProductionOrderApiResponse = envelope("ProductionOrderApiResponse", fields.List(fields.Nested(ProductionOrderInfo)))
FILTERS = {
    "production_order_ids": "id",
    "third_party_reference_ids": "third_party_reference",
    "statuses": "status_value",
    "product_ids": "product_id",
}


def present(db, orders) -> list[dict]:
    if not orders:
        return []
    components = service.components_of(db, [o.id for o in orders])
    ids = {o.product_id for o in orders} | {c.product_id for c in components}
    products = {p.id: p for p in db.scalars(select(Product).where(Product.id.in_(ids)))}
    bin_ids = {o.bin_id for o in orders if o.bin_id}
    codes = dict(db.execute(select(Bin.id, Bin.code).where(Bin.id.in_(bin_ids))).all()) if bin_ids else {}
    mine: dict[int, list] = {}
    for c in components:
        mine.setdefault(c.production_order_id, []).append(c)
    return [
        {
            "production_order_id": o.id,
            "third_party_reference": o.third_party_reference,
            "product_id": o.product_id,
            "product_code": products[o.product_id].code,
            "product_name": products[o.product_id].name,
            "quantity": o.quantity,
            "warehouse_id": o.warehouse_id,
            "location_code": codes.get(o.bin_id),
            "batch_code": o.batch_code,
            "expiration_date": o.expiration_date,
            "status": o.status.value,
            "date_added": _iso(o.added),
            "date_closed": _iso(o.closed_at) if o.closed_at is not None else None,
            "closed_by_id": o.closed_by_id,
            "components": [
                {
                    "product_id": c.product_id,
                    "product_code": products[c.product_id].code,
                    "quantity": c.quantity,
                    "total_quantity": c.quantity * o.quantity,
                }
                for c in mine.get(o.id, [])
            ],
        }
        for o in orders
    ]


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


@blp.route("/read", methods=["POST"], endpoint="read")
@search
@blp.arguments(ReadProductionOrdersFilterRequest)
@blp.response(200, ProductionOrderApiResponse)
@summary(
    "List production orders with filters, oldest first",
    "Any user of the tenant. Filters: productionOrderIds, thirdPartyReferenceIds, statuses (OPEN, CLOSED), "
    "productIds (the product made); `page` (from 1) and `limit`.",
)
def read(args):
    db = get_db()
    query = apply_filters(
        select(ProductionOrder).where(ProductionOrder.tenant_id == g.tenant.id), ProductionOrder, FILTERS, args
    )
    return ok(present(db, db.scalars(page(query.order_by(ProductionOrder.id), args)).all()))


@blp.route("/add", methods=["PUT"], endpoint="add")
@blp.arguments(AddProductionOrderRequest)
@blp.response(200, ProductionOrderApiResponse)
@blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(403, 404, 409, 413)
@summary(
    "Add a production order (OPEN)",
    "Needs STOCK. `productId`, `quantity` and `thirdPartyReference` (unique per tenant, 409) are required. A "
    "warehouse is required: `warehouseId`, or a `locationCode` that only one warehouse has. `components` give "
    "the quantity of each product consumed per unit made. Nothing moves until the order is closed. Answers a list "
    "with the new order. Honours Idempotency-Key.",
)
def add(body):
    def work(db):
        values = {key: body.get(key) for key in AddProductionOrderRequest().fields}
        return present(db, [service.add(db, tenant=g.tenant, user=g.user, values=values)])

    return create(work, answer=lambda infos: ProductionOrderApiResponse().dump(ok(infos)), status=200)


@blp.route("/close-simplified-production/order/<int:order_id>", methods=["POST"], endpoint="close")
@blp.response(200, ProductionOrderApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Close a production order: consume its components, post its output",
    "Needs STOCK. In one transaction: the components (per unit x quantity) are taken from free stock of the "
    "order's warehouse in the allocation order (ASSIGNMENT records, negative), the output is posted as "
    "INVENTORY_REGISTRATION (recordType PRODUCTION) into its location or the warehouse's PRODUCTION bin, and "
    "orders waiting for the product are re-checked. Short components are a 409 naming each shortage, and nothing "
    "is posted. A closed order is final (409).",
)
def close(order_id):
    with unit_of_work() as db:
        order = service.get(db, tenant=g.tenant, order_id=order_id, lock=True)
        service.close(db, tenant=g.tenant, user=g.user, order=order)
        infos = present(db, [order])
    return ok(infos)
