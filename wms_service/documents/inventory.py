"""Inventories: a count over many bins of one warehouse, scanned line by line and validated once (CONTRACT 5, 7).

It counts as a stocktaking counts (``counting.py``): each line's expected quantity is frozen when it is counted,
and validating posts counted - expected per line as ``INVENTORY_REGISTRATION`` / ``INVENTORY_WRITE_OFF`` under
``Reference(INVENTORY, id)``; the ledger moves or cuts the reservations the count overtakes. Its warehouse is its
first location's; every later location is looked up in that warehouse. A bin is in at most one open count of
either kind. ``VALIDATED`` is final.

Every call locks the inventory's row first, so two validations (or a scan racing a validation) of one inventory
run one after the other and the second sees the first's outcome.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..errors import ValidationFailed
from ..repo import get_or_404
from ..stock.references import DocumentKind, Reference
from . import base, counting
from .inventory_lines import Spot, location, resolve
from .inventory_models import Inventory, InventoryLine
from .inventory_models import InventoryStatus as Status

LIFECYCLE = base.StatusTable(
    "Inventory",
    {Status.OPEN: {Status.OPEN, Status.VALIDATED}, Status.VALIDATED: set()},
    editable={Status.OPEN},
    document_type="INVENTORY",
)
LINE_FIELDS = {"location_code": "locationCode", "model": "model", "quantity": "quantity"}


@dataclass
class Adjusted:
    """What a stock adjustment did: the inventory (new or named) and the line it set, if it named one."""

    inventory: Inventory
    line: InventoryLine | None


def reference(inventory: Inventory) -> Reference:
    return Reference(DocumentKind.INVENTORY, inventory.id)


def get(db: Session, *, tenant: Tenant, inventory_id: int, lock: bool = False) -> Inventory:
    return get_or_404(db, Inventory, tenant.id, inventory_id, "Inventory", lock=lock)


def adjust(db: Session, *, tenant: Tenant, user: User, values: dict) -> Adjusted:
    """A ``StockAdjustmentRequest``: set one line's count (opening an inventory when ``inventory_id`` is absent),
    and with ``validate`` finish the inventory, in the caller's one transaction.

    ``values``: ``inventory_id``, ``location_code``, ``warehouse_id``, ``model``, ``quantity``,
    ``recorded_quantity``, ``stock_batch_id``, ``stock_batch_code``, ``expiration_date``, ``production_date``,
    ``sn_list``, ``validate``. A line needs ``location_code``, ``model`` and ``quantity``; a call without any of
    them must validate a named inventory.
    """
    inventory = None
    if values.get("inventory_id") is not None:
        # The row lock: what orders this call after any other call on the same inventory (a validation above all).
        inventory = get(db, tenant=tenant, inventory_id=values["inventory_id"], lock=True)
        LIFECYCLE.check_editable(inventory)
    given = {name for name in LINE_FIELDS if values.get(name) is not None}
    if given and given != set(LINE_FIELDS):
        missing = sorted(set(LINE_FIELDS) - given)
        raise ValidationFailed(
            "A counted line needs locationCode, model and quantity.",
            {LINE_FIELDS[name]: ["Required with the other line fields."] for name in missing},
        )
    if not given and not (values.get("validate") and inventory is not None):
        errors = (
            {"inventoryId": ["Required to validate without a line."]}
            if values.get("validate")
            else {name: ["Required."] for name in LINE_FIELDS.values()}
        )
        raise ValidationFailed(
            "Send a line (locationCode, model, quantity), or validate: true with an inventoryId.", errors
        )
    line = None
    if given:
        bin_ = location(db, tenant_id=tenant.id, inventory=inventory, values=values)
        if inventory is None:
            inventory = _open(db, tenant=tenant, user=user, warehouse_id=bin_.warehouse_id)
        place = resolve(db, tenant=tenant, user=user, bin_=bin_, values=values)
        line = _set_line(db, tenant=tenant, user=user, inventory=inventory, place=place, values=values)
    if values.get("validate"):
        validate(db, tenant=tenant, user=user, inventory=inventory)
    return Adjusted(inventory, line)


def _open(db: Session, *, tenant: Tenant, user: User, warehouse_id: int) -> Inventory:
    # Made before the line's product and bin are locked: its insert key-shares the warehouse row, and waiting for
    # that row while holding them could close a cycle with a document that takes the warehouse first.
    inventory = Inventory(tenant_id=tenant.id, warehouse_id=warehouse_id, status=Status.OPEN)
    stamp(inventory, user, created=True)
    db.add(inventory)
    db.flush()
    base.announce(db, LIFECYCLE, inventory)
    return inventory


def _set_line(
    db: Session, *, tenant: Tenant, user: User, inventory: Inventory, place: Spot, values: dict
) -> InventoryLine:
    held = counting.hold(db, tenant_id=tenant.id, bin_ids={place.bin_id})
    counting.refuse_if_counted(db, bin_id=place.bin_id, by=reference(inventory))
    line = db.scalar(
        select(InventoryLine).where(
            InventoryLine.inventory_id == inventory.id,
            InventoryLine.bin_id == place.bin_id,
            InventoryLine.product_id == place.product_id,
            InventoryLine.batch_id == place.batch_id,
        )
    )
    if line is None:
        line = InventoryLine(
            tenant_id=tenant.id,
            inventory_id=inventory.id,
            bin_id=place.bin_id,
            product_id=place.product_id,
            batch_id=place.batch_id,
        )
        stamp(line, user, created=True)
        db.add(line)
    counting.count(line, bin_id=place.bin_id, counted=values["quantity"], held=held)
    line.recorded_quantity = values.get("recorded_quantity")
    line.production_date = values.get("production_date")
    line.sn_list = values.get("sn_list")
    stamp(line, user)
    stamp(inventory, user)
    db.flush()
    return line


def validate(db: Session, *, tenant: Tenant, user: User, inventory: Inventory) -> Inventory:
    """Finish the inventory: post every line's difference and become ``VALIDATED`` (final), all in the caller's
    transaction; the caller holds the inventory's row lock."""
    LIFECYCLE.check_move(inventory, Status.VALIDATED)
    counting.finish(
        db,
        tenant=tenant,
        user=user,
        reference=reference(inventory),
        places=[(line.bin_id, line) for line in lines(db, inventory=inventory)],
        refusal="The inventory cannot be validated",
    )
    base.move(db, LIFECYCLE, inventory, Status.VALIDATED, check=False)
    stamp(inventory, user)
    inventory.validated_at = inventory.changed
    db.flush()
    return inventory


def lines(db: Session, *, inventory: Inventory) -> list[InventoryLine]:
    return list(
        db.scalars(select(InventoryLine).where(InventoryLine.inventory_id == inventory.id).order_by(InventoryLine.id))
    )


def moved_since_count(db: Session, *, inventory: Inventory, rows: list[InventoryLine]) -> list[int]:
    """Each line's movedSinceCount (``counting.moved_since_count``), in the order of ``rows``."""
    finished = inventory.status == Status.VALIDATED
    return counting.moved_since_count(db, finished=finished, places=[(r.bin_id, r) for r in rows])
