"""Bins: the smallest addressable places in a warehouse."""

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog import delete_rules
from ..catalog.models import Warehouse
from ..documents import counting
from ..errors import Conflict, NotFound
from .locks import lock_bins
from .models import Bin, BinInventory

FIELDS = (
    "warehouse_id",
    "code",
    "active",
    "preferred",
    "bin_order",
    "allowed_product",
    "replenishment_minimum",
    "maximum_amount",
)


def create(db: Session, *, tenant: Tenant, user: User, items: list[dict]) -> list[Bin]:
    bins = []
    for i, item in enumerate(items):
        _check_warehouse(db, tenant, item["warehouse_id"], i)
        bin_ = Bin(tenant_id=tenant.id, **{k: item[k] for k in FIELDS if k in item})
        _check_code_free(db, tenant, bin_.warehouse_id, item.get("code", ""), None, i, bins)
        stamp(bin_, user, created=True)
        db.add(bin_)
        bins.append(bin_)
    db.flush()
    return bins


def update(db: Session, *, tenant: Tenant, user: User, bin_: Bin, changes: dict) -> Bin:
    if "warehouse_id" in changes and changes["warehouse_id"] != bin_.warehouse_id:
        _check_warehouse(db, tenant, changes["warehouse_id"], None)
        # Under the bin's lock, as posts and new counts take it: neither can slip in between the checks and the move.
        lock_bins(db, tenant.id, {bin_.id})
        if _holds_stock(db, bin_.id):
            raise Conflict(f"Bin {bin_.id} holds stock and cannot move to another warehouse.")
        # An open count (a stocktaking or an inventory) belongs to the bin's warehouse; it ends first.
        count = counting.open_on(db, bin_id=bin_.id)
        if count is not None:
            raise Conflict(
                f"Bin {bin_.id} is being counted ({count.kind.lower()} {count.id}) and cannot move to another "
                "warehouse.",
                {"warehouseId": [f"{count} is open."]},
            )
    warehouse_id = changes.get("warehouse_id", bin_.warehouse_id)
    code = changes.get("code", bin_.code)
    if (warehouse_id, code) != (bin_.warehouse_id, bin_.code):
        _check_code_free(db, tenant, warehouse_id, code, bin_.id, None, [])
    for name in FIELDS:
        if name in changes:
            setattr(bin_, name, changes[name])
    stamp(bin_, user)
    db.flush()
    return bin_


def delete(db: Session, *, tenant: Tenant, bin_: Bin) -> None:
    # What keeps a bin is declared by the columns that point at it (catalog/references.py).
    delete_rules.refuse_if_used(db, noun="Bin", objs=[bin_], advice="archive it (active=false)")
    db.delete(bin_)
    db.flush()


def _holds_stock(db, bin_id) -> bool:
    return bool(db.scalar(select(exists().where(BinInventory.bin_id == bin_id, BinInventory.amount != 0))))


def _check_warehouse(db, tenant, warehouse_id, index):
    found = db.scalar(select(Warehouse.id).where(Warehouse.id == warehouse_id, Warehouse.tenant_id == tenant.id))
    if found is None:
        raise NotFound(
            f"Warehouse {warehouse_id} not found.", {"warehouseId": ["The warehouse does not exist."]}, index=index
        )


def _check_code_free(db, tenant, warehouse_id, code, own_id, index, pending):
    """Bin codes address a place, so a non-empty code is unique within its warehouse."""
    if not code:
        return
    taken = db.scalar(
        select(Bin.id).where(
            Bin.tenant_id == tenant.id, Bin.warehouse_id == warehouse_id, Bin.code == code, Bin.id != (own_id or 0)
        )
    )
    if taken is not None or any(b.warehouse_id == warehouse_id and b.code == code for b in pending):
        raise Conflict(
            f"Bin code {code!r} is already used in warehouse {warehouse_id}.",
            {"code": ["Already used in this warehouse."]},
            index=index,
        )


def by_code(db: Session, *, tenant_id: int, warehouse_id: int, code: str) -> Bin | None:
    """The bin with this (non-empty) code in the warehouse, or None."""
    return db.scalar(select(Bin).where(Bin.tenant_id == tenant_id, Bin.warehouse_id == warehouse_id, Bin.code == code))


# The bins documents make on first use (CONTRACT section 7): goods received without a place, customer returns, and
# what production makes without a named location.
RECEIVING, RETURNS, PRODUCTION = "RECEIVING", "RETURNS", "PRODUCTION"


def special(db: Session, *, tenant: Tenant, user: User, warehouse_id: int, code: str) -> Bin:
    """The warehouse's bin with this code (``RECEIVING``, ``RETURNS``, ``PRODUCTION``), made on first use, active
    (a new bin is archived by default, and an archived bin takes no stock).

    The warehouse row is locked first, so two documents making it at once make one bin; an archived one is
    used as it is (the ledger then refuses the stock, with its own 409)."""
    _check_warehouse(db, tenant, warehouse_id, None)
    db.scalar(select(Warehouse.id).where(Warehouse.id == warehouse_id).with_for_update())
    found = by_code(db, tenant_id=tenant.id, warehouse_id=warehouse_id, code=code)
    if found is not None:
        return found
    (made,) = create(db, tenant=tenant, user=user, items=[{"warehouse_id": warehouse_id, "code": code, "active": True}])
    return made
