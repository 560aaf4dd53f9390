"""The inventory endpoints' shapes: StockAdjustmentRequest as the seed names it, and what the answers carry
(the seed names no fields for them): InventoryInfo with its lines, and the delta's lines."""

from datetime import UTC, datetime

from marshmallow import fields, validate
from sqlalchemy import select

from ..catalog.models import Product
from ..documents import inventory as service
from ..documents.inventory_models import Inventory, InventoryStatus
from ..stock.models import Batch, BatchCode, Bin
from .envelope import envelope
from .requests import ApiSchema, Bool, Day, Id, Int, Text

STATUSES = [s.value for s in InventoryStatus]


class StockAdjustmentRequest(ApiSchema):
    location_code = Text(100, allow_none=True, metadata={"description": "The bin's code"})
    inventory_id = Id(allow_none=True, metadata={"description": "Absent: a new inventory is opened and answered"})
    warehouse_id = Id(
        allow_none=True,
        metadata={"description": "Only to open an inventory at a location code used in several warehouses"},
    )
    model = Text(100, allow_none=True, metadata={"description": "The product's code"})
    quantity = Int(minimum=0, allow_none=True, metadata={"description": "The counted quantity (sets the line)"})
    recorded_quantity = Int(
        minimum=0, allow_none=True, metadata={"description": "What the client thought was there: kept and shown"}
    )
    stock_batch_id = Id(allow_none=True)
    sn_list = fields.List(Text(200), allow_none=True, validate=validate.Length(max=10_000))
    stock_batch_code = Text(100, allow_none=True)
    expiration_date = Day(allow_none=True, metadata={"description": "YYYY-MM-DD (dd.MM.yyyy accepted)"})
    production_date = Day(allow_none=True, metadata={"description": "YYYY-MM-DD (dd.MM.yyyy accepted)"})
    validate_ = Bool(
        data_key="validate", load_default=False, metadata={"description": "true: validate (finish) the inventory"}
    )


class InventoryLineInfo(ApiSchema):
    inventory_line_id = fields.Integer()
    location_id = fields.Integer()
    location_code = fields.String()
    product_id = fields.Integer()
    model = fields.String(metadata={"description": "The product's code"})
    stock_batch_id = fields.Integer()
    stock_batch_code = fields.String(allow_none=True, metadata={"description": "The batch's first code"})
    expiration_date = fields.Date(allow_none=True)
    production_date = fields.Date(allow_none=True)
    expected_quantity = fields.Integer(metadata={"description": "What the ledger held when the line was counted"})
    counted_quantity = fields.Integer(metadata={"description": "The request's quantity"})
    recorded_quantity = fields.Integer(allow_none=True, metadata={"description": "The request's recordedQuantity"})
    difference = fields.Integer(metadata={"description": "countedQuantity - expectedQuantity: what validating posts"})
    moved_since_count = fields.Integer(
        metadata={"description": "What moved in (+) or out (-) of the location since the count (until validated)"}
    )
    sn_list = fields.List(fields.String(), allow_none=True)


class DeltaLine(ApiSchema):
    inventory_line_id = fields.Integer()
    location_code = fields.String()
    product_id = fields.Integer()
    model = fields.String()
    stock_batch_id = fields.Integer()
    stock_batch_code = fields.String(allow_none=True)
    expected_quantity = fields.Integer()
    counted_quantity = fields.Integer()
    difference = fields.Integer()


class InventoryInfo(ApiSchema):
    inventory_id = fields.Integer()
    warehouse_id = fields.Integer()
    status = fields.String(metadata={"enum": STATUSES})
    date_added = fields.String(metadata={"description": "ISO 8601, UTC"})
    date_validated = fields.String(allow_none=True, metadata={"description": "ISO 8601, UTC"})
    lines = fields.List(fields.Nested(InventoryLineInfo))


class StockAdjustmentInfo(ApiSchema):
    inventory_id = fields.Integer()
    status = fields.String(metadata={"enum": STATUSES})
    line = fields.Nested(InventoryLineInfo, allow_none=True, metadata={"description": "The line set (null if none)"})


InventoryApiResponse = envelope("InventoryApiResponse", fields.Nested(InventoryInfo))
InventoryDeltaApiResponse = envelope("InventoryDeltaApiResponse", fields.List(fields.Nested(DeltaLine)))
StockAdjustmentApiResponse = envelope("StockAdjustmentApiResponse", fields.Nested(StockAdjustmentInfo))


def _iso(moment: int | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def present_lines(db, inventory: Inventory, rows: list) -> list[dict]:
    """The lines as InventoryLineInfo, their bins, products and batches read in one query."""
    if not rows:
        return []
    first_code = (
        select(BatchCode.code)
        .where(BatchCode.batch_id == Batch.id)
        .order_by(BatchCode.id)
        .limit(1)
        .correlate(Batch)
        .scalar_subquery()
    )
    bin_codes = dict(db.execute(select(Bin.id, Bin.code).where(Bin.id.in_({r.bin_id for r in rows}))).all())
    models = dict(
        db.execute(select(Product.id, Product.code).where(Product.id.in_({r.product_id for r in rows}))).all()
    )
    batches = {
        batch_id: (code, expiry)
        for batch_id, code, expiry in db.execute(
            select(Batch.id, first_code, Batch.expiry_date).where(Batch.id.in_({r.batch_id for r in rows}))
        )
    }
    moved = service.moved_since_count(db, inventory=inventory, rows=rows)
    return [
        {
            "inventory_line_id": r.id,
            "location_id": r.bin_id,
            "location_code": bin_codes[r.bin_id],
            "product_id": r.product_id,
            "model": models[r.product_id],
            "stock_batch_id": r.batch_id,
            "stock_batch_code": batches[r.batch_id][0],
            "expiration_date": batches[r.batch_id][1],
            "production_date": r.production_date,
            "expected_quantity": r.expected_quantity,
            "counted_quantity": r.counted_quantity,
            "recorded_quantity": r.recorded_quantity,
            "difference": r.difference,
            "moved_since_count": m,
            "sn_list": r.sn_list,
        }
        for r, m in zip(rows, moved, strict=True)
    ]


def present(db, inventory: Inventory) -> dict:
    """InventoryInfo: the header and every line."""
    return {
        "inventory_id": inventory.id,
        "warehouse_id": inventory.warehouse_id,
        "status": str(inventory.status),
        "date_added": _iso(inventory.added),
        "date_validated": _iso(inventory.validated_at),
        "lines": present_lines(db, inventory, service.lines(db, inventory=inventory)),
    }
