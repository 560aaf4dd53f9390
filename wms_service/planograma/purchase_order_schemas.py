"""The purchase order endpoints' shapes: dates as ``dd.MM.yyyy`` in and out, ``supplier`` a company's id or
external reference, and PurchaseOrderInfo with each line's ordered and received quantity."""

from datetime import UTC, datetime

from marshmallow import RAISE, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from ..catalog.models import Company, Product
from ..documents import purchase_order_links as links
from ..documents import purchase_orders as service
from ..documents.purchase_order_models import PurchaseOrderStatus
from ..web.fields import is_id
from .envelope import envelope
from .requests import ApiSchema, DayMonthYear, Id, IdList, Int, Text

STATUSES = [s.value for s in PurchaseOrderStatus]


class Supplier(fields.Field):
    """A company of the tenant: its id (a JSON integer) or its external reference (text)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is int and is_id(value):
            return value
        if isinstance(value, str) and 0 < len(value.strip()) and len(value) <= 100:
            return value
        raise ValidationError("A company id or external reference.")


class PurchaseOrderProductRequest(ApiSchema):
    product_id = Id(allow_none=True)
    code = Text(100, allow_none=True, metadata={"description": "The product's code (instead of productId)"})
    quantity = Int(minimum=1, required=True, metadata={"description": "Ordered"})

    @validates_schema
    def names_a_product(self, data, **_):
        if data.get("product_id") is None and not data.get("code"):
            raise ValidationError("Give productId or code.", "_schema")


class CreatePurchaseOrderDTO(ApiSchema):
    date = DayMonthYear(required=True, metadata={"description": "dd.MM.yyyy"})
    arrival_date = DayMonthYear(allow_none=True, metadata={"description": "dd.MM.yyyy"})
    supplier = Supplier(required=True, metadata={"description": "A company's id, or its externalReference"})
    warehouse_id = Id(allow_none=True)
    nirs = IdList(metadata={"description": "Ids of the NIRs received against it"})
    comment = Text(4000, allow_none=True)
    document_number = Text(100, allow_none=True)
    products = fields.List(
        fields.Nested(PurchaseOrderProductRequest),
        validate=validate.Length(max=1000),
        metadata={"description": "Lines to start with (add-product adds more)"},
    )


class PurchaseOrderUpdateFields(ApiSchema):
    class Meta:
        unknown = RAISE

    date = DayMonthYear(metadata={"description": "dd.MM.yyyy"})
    arrival_date = DayMonthYear(allow_none=True)
    supplier = Supplier()
    warehouse_id = Id(allow_none=True)
    nirs = IdList(metadata={"description": "Replaces the linked NIRs"})
    comment = Text(4000, allow_none=True)
    document_number = Text(100, allow_none=True)


class UpdatePurchaseOrderRequest(ApiSchema):
    purchase_order_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=1000))
    update_fields = fields.Nested(PurchaseOrderUpdateFields, required=True)


class AddPurchaseOrderProductRequest(PurchaseOrderProductRequest):
    purchase_order_id = Id(required=True)


class PurchaseOrderProductInfo(ApiSchema):
    id = fields.Integer(metadata={"description": "The line's id (remove-product takes it)"})
    product_id = fields.Integer()
    code = fields.String()
    product_name = fields.String()
    quantity = fields.Integer(metadata={"description": "Ordered"})
    received_quantity = fields.Integer(metadata={"description": "Brought in by the validated linked NIRs"})


class PurchaseOrderInfo(ApiSchema):
    purchase_order_id = fields.Integer()
    date = DayMonthYear()
    arrival_date = DayMonthYear(allow_none=True)
    supplier_id = fields.Integer()
    supplier_name = fields.String()
    supplier_external_reference = fields.String(allow_none=True)
    warehouse_id = fields.Integer(allow_none=True)
    nirs = fields.List(fields.Integer())
    comment = fields.String(allow_none=True)
    document_number = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": STATUSES})
    date_added = fields.String(metadata={"description": "ISO 8601, UTC"})
    products = fields.List(fields.Nested(PurchaseOrderProductInfo))


PurchaseOrderApiResponse = envelope("PurchaseOrderApiResponse", fields.Nested(PurchaseOrderInfo))


def header_values(body: dict) -> dict:
    """The request's header fields as the service names them (``date`` is the order's ``order_date``)."""
    values = {key: value for key, value in body.items() if key != "date"}
    if "date" in body:
        values["order_date"] = body["date"]
    return values


def present(db, order) -> dict:
    """PurchaseOrderInfo of one order."""
    lines = service.lines_of(db, [order.id])
    received = links.received(db, [order.id])
    products = {p.id: p for p in db.scalars(select(Product).where(Product.id.in_({line.product_id for line in lines})))}
    supplier = db.get(Company, order.supplier_id)
    return {
        "purchase_order_id": order.id,
        "date": order.order_date,
        "arrival_date": order.arrival_date,
        "supplier_id": order.supplier_id,
        "supplier_name": supplier.name,
        "supplier_external_reference": supplier.external_reference,
        "warehouse_id": order.warehouse_id,
        "nirs": links.nirs_of(db, [order.id]).get(order.id, []),
        "comment": order.comment,
        "document_number": order.document_number,
        "status": order.status.value,
        "date_added": datetime.fromtimestamp(order.added, UTC).isoformat().replace("+00:00", "Z"),
        "products": [
            {
                "id": line.id,
                "product_id": line.product_id,
                "code": products[line.product_id].code,
                "product_name": products[line.product_id].name,
                "quantity": line.quantity,
                "received_quantity": received.get((order.id, line.product_id), 0),
            }
            for line in lines
        ],
    }
