"""OrderInfo, field for field as the seed lists it, and how a page of orders becomes OrderInfo in a few queries.

``orderRequirements`` has no source yet (the seed does not describe it) and is always null. ``isReady`` is true
while every line is fully reserved or picked (ready, picking, and every status after picked); ``picked`` from
PICKED on. ``totalWeight`` is the sum of quantity x product weight (null when no product of the order has a
weight); ``fulfilledWeight`` what left the bins: 0 before the order is picked, ``totalWeight`` after.
"""

from datetime import UTC, datetime
from decimal import Decimal

from marshmallow import fields
from sqlalchemy import select

from ..catalog.models import Company, Product, Warehouse
from ..documents import orders as service
from ..documents.order_models import OrderStatus
from ..stock.models import Bin
from .requests import Amount, ApiSchema

STATUSES = [s.value for s in OrderStatus]
READY = frozenset({OrderStatus.READY_FOR_PICKING, OrderStatus.PICKING}) | service.PICKED_OR_LATER


class OrderProductInfo(ApiSchema):
    order_product_id = fields.Integer(metadata={"description": "The line's id"})
    product_id = fields.Integer()
    product_model = fields.String(metadata={"description": "The product's code"})
    product_name = fields.String()
    quantity = fields.Integer()
    external_line_id = fields.String(allow_none=True)
    location_code = fields.String(allow_none=True, metadata={"description": "The location the line named, if any"})
    reserved_quantity = fields.Integer(metadata={"description": "Reserved now (0 once picked: consumed)"})


class OrderInfo(ApiSchema):
    order_id = fields.Integer()
    external_order_id = fields.String()
    third_party_reference = fields.String(allow_none=True)
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    warehouse_code = fields.String()
    status = fields.String(metadata={"enum": STATUSES})
    order_type = fields.Integer(allow_none=True)
    requires_validation = fields.Boolean()
    date_added = fields.String(metadata={"description": "ISO 8601, UTC"})
    is_ready = fields.Boolean()
    picked = fields.Boolean()
    comment = fields.String(allow_none=True)
    awb_external_link = fields.String(allow_none=True)
    invoice_external_link = fields.String(allow_none=True)
    number_of_envelopes = fields.Integer(allow_none=True)
    number_of_packages = fields.Integer(allow_none=True)
    total_weight = Amount()
    fulfilled_weight = Amount()
    order_products = fields.List(fields.Nested(OrderProductInfo))
    order_requirements = fields.Raw(allow_none=True, metadata={"description": "Not served yet: always null"})
    company_third_party_reference = fields.String(allow_none=True)
    company_external_reference = fields.String(allow_none=True)


def present(db, tenant, orders, *, lines=None, reserved=None, loaded=()) -> list[dict]:
    """OrderInfo for each of ``orders``, in their order. A caller that holds them passes the orders' ``lines``,
    what each line has ``reserved`` (line id -> quantity) and rows it ``loaded`` (products, bins, warehouses,
    companies): those are not read again (``orders.Added``)."""
    if not orders:
        return []
    ids = [o.id for o in orders]
    if lines is None:
        lines = service.lines_of(db, ids)
    if reserved is None:
        reserved = service.reserved_per_line(db, tenant_id=tenant.id, order_ids=ids)
    products = _by_id(db, Product, {line.product_id for line in lines}, loaded)
    bins = _by_id(db, Bin, {line.bin_id for line in lines if line.bin_id}, loaded)
    warehouses = _by_id(db, Warehouse, {o.warehouse_id for o in orders}, loaded)
    companies = _by_id(db, Company, {o.company_id for o in orders if o.company_id}, loaded)
    per_order: dict[int, list] = {}
    for line in lines:
        per_order.setdefault(line.order_id, []).append(line)
    answers = []
    for order in orders:
        mine = per_order.get(order.id, [])
        warehouse, company = warehouses[order.warehouse_id], companies.get(order.company_id)
        weights = [(line.quantity, products[line.product_id].weight) for line in mine]
        total = None
        if any(w is not None for _, w in weights):
            total = sum((q * w for q, w in weights if w is not None), Decimal(0))
        picked = order.status in service.PICKED_OR_LATER
        answers.append(
            {
                "order_id": order.id,
                "external_order_id": order.external_order_id,
                "third_party_reference": order.third_party_reference,
                "warehouse_id": order.warehouse_id,
                "warehouse_name": warehouse.name,
                "warehouse_code": warehouse.code,
                "status": order.status.value,
                "order_type": order.order_type,
                "requires_validation": order.requires_validation,
                "date_added": datetime.fromtimestamp(order.added, UTC).isoformat().replace("+00:00", "Z"),
                "is_ready": order.status in READY,
                "picked": picked,
                "comment": order.comment,
                "awb_external_link": order.awb_external_link,
                "invoice_external_link": order.invoice_external_link,
                "number_of_envelopes": order.number_of_envelopes,
                "number_of_packages": order.number_of_packages,
                "total_weight": total,
                "fulfilled_weight": None if total is None else (total if picked else Decimal(0)),
                "order_products": [
                    {
                        "order_product_id": line.id,
                        "product_id": line.product_id,
                        "product_model": products[line.product_id].code,
                        "product_name": products[line.product_id].name,
                        "quantity": line.quantity,
                        "external_line_id": line.external_line_id,
                        "location_code": bins[line.bin_id].code if line.bin_id else None,
                        "reserved_quantity": reserved.get(line.id, 0),
                    }
                    for line in mine
                ],
                "order_requirements": None,
                "company_third_party_reference": company.third_party_reference if company else None,
                "company_external_reference": company.external_reference if company else None,
            }
        )
    return answers


def _by_id(db, model, ids, loaded) -> dict:
    """The ``model`` rows with these ids: those in ``loaded``, the others read."""
    found = {row.id: row for row in loaded if isinstance(row, model) and row.id in ids}
    missing = ids - found.keys()
    if missing:
        found.update((row.id, row) for row in db.scalars(select(model).where(model.id.in_(missing))))
    return found
