"""The return endpoints' shapes (CreateReturnApiRequest, ReturnInfo, the validation info), and how returns become
ReturnInfo in a few queries."""

from datetime import UTC, datetime

from marshmallow import fields, validate
from sqlalchemy import select

from ..auth.models import User
from ..catalog.models import Product, Warehouse
from ..documents import returns as service
from ..documents.order_models import Order
from ..documents.return_models import ReturnStatus
from ..stock.models import Bin
from .envelope import envelope
from .requests import ApiSchema, Day, Id, IdList, Int, ReadRequest, Text, TextList

STATUSES = [s.value for s in ReturnStatus]


class ReturnProductApiInfo(ApiSchema):
    code = Text(100, required=True, metadata={"description": "The product's code"})
    quantity = Int(minimum=1, required=True)
    batch_code = Text(
        100, allow_none=True, metadata={"description": "Without an initial order: the batch it goes to (ours)"}
    )
    expiration_date = Day(allow_none=True, metadata={"description": "Without an initial order: the batch's expiry"})


class CreateReturnApiRequest(ApiSchema):
    external_reference = Text(100, required=True, metadata={"description": "Unique per tenant"})
    external_client_id = Text(100, required=True)
    warehouse_id = Id(allow_none=True, metadata={"description": "Absent: the initial order's warehouse"})
    initial_external_order_id = Text(
        100, allow_none=True, metadata={"description": "The order the goods left by: caps the return"}
    )
    returned_products = fields.List(
        fields.Nested(ReturnProductApiInfo), required=True, validate=validate.Length(min=1, max=1000)
    )


class ReadReturnsFilterRequest(ReadRequest):
    return_ids = IdList()
    external_references = TextList()
    external_client_ids = TextList()
    warehouse_ids = IdList()
    initial_external_order_ids = TextList()


class ReturnValidationInfoApiRequest(ApiSchema):
    return_id = Id(allow_none=True)
    external_reference = Text(100, allow_none=True)


class ReturnProductInfo(ApiSchema):
    return_product_id = fields.Integer(metadata={"description": "The line's id"})
    product_id = fields.Integer()
    code = fields.String(metadata={"description": "The product's code"})
    product_name = fields.String()
    quantity = fields.Integer()


class ReturnInfo(ApiSchema):
    return_id = fields.Integer()
    external_reference = fields.String()
    external_client_id = fields.String()
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    warehouse_code = fields.String()
    initial_external_order_id = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": STATUSES})
    validated = fields.Boolean(metadata={"description": "Always true: a return is received at add"})
    date_added = fields.String(metadata={"description": "ISO 8601, UTC"})
    location_code = fields.String(metadata={"description": "The bin the goods went into (RETURNS)"})
    returned_products = fields.List(fields.Nested(ReturnProductInfo))


class ReturnScanInfo(ApiSchema):
    return_product_id = fields.Integer()
    product_id = fields.Integer()
    code = fields.String()
    expected_quantity = fields.Integer()
    received_quantity = fields.Integer()
    location_code = fields.String()


class ReturnValidationInfo(ApiSchema):
    return_id = fields.Integer()
    external_reference = fields.String()
    validated = fields.Boolean()
    status = fields.String(metadata={"enum": STATUSES})
    validation_date = fields.String(metadata={"description": "When it was received, ISO 8601, UTC"})
    user_id = fields.Integer(allow_none=True)
    user_username = fields.String(allow_none=True, metadata={"description": "Who received it"})
    scan_info_list = fields.List(fields.Nested(ReturnScanInfo))


ReturnApiResponse = envelope("ReturnApiResponse", fields.List(fields.Nested(ReturnInfo)))
ReturnInfoApiResponse = envelope("ReturnInfoApiResponse", fields.Nested(ReturnInfo))
ReturnValidationInfoApiResponse = envelope("ReturnValidationInfoApiResponse", fields.Nested(ReturnValidationInfo))


def present(db, returns) -> list[dict]:
    """ReturnInfo for each of ``returns``, in their order."""
    if not returns:
        return []
    lines = service.lines_of(db, [r.id for r in returns])
    products = _by_id(db, Product, {line.product_id for line in lines})
    warehouses = _by_id(db, Warehouse, {r.warehouse_id for r in returns})
    bins = _by_id(db, Bin, {r.bin_id for r in returns})
    orders = _by_id(db, Order, {r.initial_order_id for r in returns if r.initial_order_id})
    per_return: dict[int, list] = {}
    for line in lines:
        per_return.setdefault(line.return_id, []).append(line)
    return [
        {
            "return_id": r.id,
            "external_reference": r.external_reference,
            "external_client_id": r.external_client_id,
            "warehouse_id": r.warehouse_id,
            "warehouse_name": warehouses[r.warehouse_id].name,
            "warehouse_code": warehouses[r.warehouse_id].code,
            "initial_external_order_id": orders[r.initial_order_id].external_order_id if r.initial_order_id else None,
            "status": r.status.value,
            "validated": True,
            "date_added": iso(r.added),
            "location_code": bins[r.bin_id].code,
            "returned_products": [
                {
                    "return_product_id": line.id,
                    "product_id": line.product_id,
                    "code": products[line.product_id].code,
                    "product_name": products[line.product_id].name,
                    "quantity": line.quantity,
                }
                for line in per_return.get(r.id, [])
            ],
        }
        for r in returns
    ]


def validation_info(db, ret) -> dict:
    """Who received the return and when, and per line what was expected and received where (all of it, at add)."""
    (info,) = present(db, [ret])
    user = db.get(User, ret.added_by_id) if ret.added_by_id else None
    return {
        "return_id": ret.id,
        "external_reference": ret.external_reference,
        "validated": True,
        "status": info["status"],
        "validation_date": info["date_added"],
        "user_id": ret.added_by_id,
        "user_username": user.username if user is not None and user.tenant_id == ret.tenant_id else None,
        "scan_info_list": [
            {
                "return_product_id": line["return_product_id"],
                "product_id": line["product_id"],
                "code": line["code"],
                "expected_quantity": line["quantity"],
                "received_quantity": line["quantity"],
                "location_code": info["location_code"],
            }
            for line in info["returned_products"]
        ],
    }


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _by_id(db, model, ids) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.scalars(select(model).where(model.id.in_(ids)))}
