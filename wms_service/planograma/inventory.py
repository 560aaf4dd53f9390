"""/api/inventory: stock-adjustment (count a line, open an inventory, validate it), the inventory, its delta.

Thin views over ``documents/inventory.py``. The write needs the STOCK permission; the reads are open to every
user of the tenant.
"""

from flask import g

from ..documents import inventory as service
from ..web import idempotency
from ..web.session import get_db
from ..web.transaction import create
from .blueprint import ApiBlueprint, errors_doc
from .envelope import ok
from .inventory_info import (
    InventoryApiResponse,
    InventoryDeltaApiResponse,
    StockAdjustmentApiResponse,
    StockAdjustmentRequest,
    present,
    present_lines,
)
from .nomenclature import summary

blp = ApiBlueprint(
    "planograma-inventory", __name__, url_prefix="/api/inventory", description="Planograma: inventories", writes="STOCK"
)


def _adjust(db, body: dict) -> dict:
    values = dict(body)
    values["validate"] = values.pop("validate_")
    done = service.adjust(db, tenant=g.tenant, user=g.user, values=values)
    line = present_lines(db, done.inventory, [done.line])[0] if done.line is not None else None
    return {"inventory_id": done.inventory.id, "status": str(done.inventory.status), "line": line}


@blp.route("/stock-adjustment", methods=["POST"], endpoint="stock_adjustment")
@blp.arguments(StockAdjustmentRequest)
@blp.response(200, StockAdjustmentApiResponse)
@blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(403, 404, 409)
@summary(
    "Count one line of an inventory (opening one without inventoryId), or validate it",
    "Needs STOCK. Sets (not adds) the counted `quantity` of `model` in `locationCode`, for the batch named by "
    "`stockBatchId`, or `stockBatchCode` + `expirationDate` (found or made), or else the one batch of the product "
    "the location holds; freezes what the ledger holds there as `expectedQuantity`. Without `inventoryId` an "
    "inventory is opened in the location's warehouse and its id answered; later locations must be in that "
    "warehouse (409). A location in another open count (a stocktaking or another inventory) is a 409 naming it. "
    "`validate: true` finishes the inventory in the same transaction: each line posts `countedQuantity - "
    "expectedQuantity` as INVENTORY_REGISTRATION / INVENTORY_WRITE_OFF (recordType INVENTORY, referenceId the "
    "inventory), reservations that no longer fit are moved or cut (their orders wait for supply). VALIDATED is "
    "final (409). Honours Idempotency-Key.",
)
def stock_adjustment(body):
    return create(
        lambda db: _adjust(db, body), answer=lambda info: StockAdjustmentApiResponse().dump(ok(info)), status=200
    )


@blp.route("/<int:inventory_id>", methods=["GET"], endpoint="get")
@blp.response(200, InventoryApiResponse)
@errors_doc(404)
@summary(
    "An inventory with its lines",
    "Any user of the tenant. Each line: location, product, batch, `expectedQuantity` (frozen when counted), "
    "`countedQuantity`, `recordedQuantity`, `difference` and `movedSinceCount` (until validated). 404 for another "
    "tenant's.",
)
def get(inventory_id):
    db = get_db()
    return ok(present(db, service.get(db, tenant=g.tenant, inventory_id=inventory_id)))


@blp.route("/<int:inventory_id>/delta", methods=["GET"], endpoint="delta")
@blp.response(200, InventoryDeltaApiResponse)
@errors_doc(404)
@summary(
    "The inventory's differences",
    "Any user of the tenant. The lines whose count differs from what was expected, with `expectedQuantity`, "
    "`countedQuantity` and `difference` (what validating posts, or posted).",
)
def delta(inventory_id):
    db = get_db()
    inventory = service.get(db, tenant=g.tenant, inventory_id=inventory_id)
    rows = [line for line in service.lines(db, inventory=inventory) if line.difference != 0]
    return ok(present_lines(db, inventory, rows))
