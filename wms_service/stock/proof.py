"""Proof: the projection (bin totals, batch totals, record counters) recomputed from the ledger, and restored;
and the reservations' invariant: for every bin and batch ``0 <= reserved <= on hand``, with the kept
``reserved`` total equal to the sum of its reservations.

``verify`` streams aggregate queries, so memory does not grow with the ledger; ``rebuild`` locks every bin,
writes the ledger's sums back, sets each ``reserved`` total to the sum of its reservations, and makes
reservations that exceed what is on hand give way as a count makes them (``refit.py``: moved, or cut and
handed back to their documents).
"""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from ..db import now
from . import refit
from .models import Bin, BinInventory, BinInventoryBatch, BinInventoryRecord, Reservation


@dataclass
class Mismatch:
    tenant_id: int
    bin_id: int
    product_id: int
    batch_id: int | None
    ledger: int
    projection: int
    # Set when this is a bin's record counter (product and batch are None), not a stock total.
    counter: str | None = None


@dataclass
class ReservedMismatch:
    """A bin and batch whose reservations break the invariant."""

    tenant_id: int
    bin_id: int
    product_id: int
    batch_id: int
    on_hand: int
    reserved: int  # the total kept on bin_inventory_batch
    reservations: int  # the sum of the stock_reservation rows

    @property
    def problem(self) -> str:
        if self.reserved != self.reservations:
            return "reserved total differs from the sum of the reservations"
        if self.reserved < 0:
            return "reserved below zero"
        return "reserved exceeds on hand"


COUNTERS = ("record_count", "visible_record_count")


def _counter_mismatches(db):
    """Bins whose record counters differ from the number of their ledger records (all, and not reversed)."""
    r = BinInventoryRecord
    counts = (
        select(
            r.bin_id,
            func.count().label("record_count"),
            func.count(case((r.reversed_by_id.is_(None), 1))).label("visible_record_count"),
        )
        .group_by(r.bin_id)
        .subquery("counts")
    )
    actual = [func.coalesce(counts.c[name], 0) for name in COUNTERS]
    stored = [Bin.record_count, Bin.visible_record_count]
    query = (
        select(Bin.tenant_id, Bin.id, *actual, *stored)
        .select_from(Bin.__table__.outerjoin(counts, counts.c.bin_id == Bin.id))
        .where(or_(*(a != s for a, s in zip(actual, stored, strict=True))))
        .order_by(Bin.id)
    )
    for tenant_id, bin_id, *values in db.execute(query.execution_options(yield_per=1000)):
        for name, ledger, kept in zip(COUNTERS, values[:2], values[2:], strict=True):
            if ledger != kept:
                yield Mismatch(tenant_id, bin_id, None, None, int(ledger), int(kept), name)


def _ledger_sums():
    r = BinInventoryRecord
    return (
        select(r.tenant_id, r.bin_id, r.product_id, r.batch_id, func.sum(r.amount).label("total"))
        .group_by(r.tenant_id, r.bin_id, r.product_id, r.batch_id)
        .subquery("ledger")
    )


def verify(db: Session) -> Iterator[Mismatch | ReservedMismatch]:
    """Yield every batch or product total that differs from the sum of its ledger records, then every bin record
    counter that differs from the number of its records.

    Each comparison is one aggregate query the database streams, so memory does not grow with the ledger.
    """
    sums = _ledger_sums()
    p = BinInventoryBatch
    on = and_(sums.c.bin_id == p.bin_id, sums.c.product_id == p.product_id, sums.c.batch_id == p.batch_id)
    # Ledger groups whose projected batch total is missing or different.
    q1 = (
        select(
            sums.c.tenant_id,
            sums.c.bin_id,
            sums.c.product_id,
            sums.c.batch_id,
            sums.c.total,
            func.coalesce(p.amount, 0),
        )
        .select_from(sums.outerjoin(p, on))
        .where(func.coalesce(p.amount, 0) != sums.c.total)
    )
    # Projected batch totals with no ledger records behind them.
    q2 = (
        select(p.tenant_id, p.bin_id, p.product_id, p.batch_id, literal(0), p.amount)
        .select_from(p.__table__.outerjoin(sums, on))
        .where(sums.c.total.is_(None), p.amount != 0)
    )
    # Product totals that differ from the sum of their batch totals.
    batch_sum = (
        select(p.bin_inventory_id, func.sum(p.amount).label("total")).group_by(p.bin_inventory_id).subquery("batches")
    )
    inv = BinInventory
    q3 = (
        select(
            inv.tenant_id, inv.bin_id, inv.product_id, literal(None), func.coalesce(batch_sum.c.total, 0), inv.amount
        )
        .select_from(inv.__table__.outerjoin(batch_sum, batch_sum.c.bin_inventory_id == inv.id))
        .where(func.coalesce(batch_sum.c.total, 0) != inv.amount)
    )
    for query in (q1, q2, q3):
        for row in db.execute(query.execution_options(yield_per=1000)):
            yield Mismatch(*row[:4], int(row[4]), int(row[5]))
    yield from _counter_mismatches(db)
    yield from _reserved_mismatches(db)


def _reserved_mismatches(db):
    """Bins and batches where ``reserved`` is not the sum of the reservations, below 0, or above what is on hand
    (above 0 where a tenant's negative stock leaves nothing on hand)."""
    r = Reservation
    sums = select(r.bin_id, r.batch_id, func.sum(r.quantity).label("total")).group_by(r.bin_id, r.batch_id).subquery()
    b = BinInventoryBatch
    on = and_(sums.c.bin_id == b.bin_id, sums.c.batch_id == b.batch_id)
    held = func.coalesce(sums.c.total, 0)
    on_hand = case((b.amount < 0, 0), else_=b.amount)
    rows = (
        select(b.tenant_id, b.bin_id, b.product_id, b.batch_id, b.amount, b.reserved, held)
        .select_from(b.__table__.outerjoin(sums, on))
        .where(or_(b.reserved != held, b.reserved < 0, b.reserved > on_hand))
        .order_by(b.bin_id, b.batch_id)
    )
    # Reservations of a bin and batch the projection has no row for (nothing on hand, nothing kept reserved).
    r2 = (
        select(r.tenant_id, r.bin_id, r.product_id, r.batch_id, literal(0), literal(0), func.sum(r.quantity))
        .select_from(r.__table__.outerjoin(b, and_(r.bin_id == b.bin_id, r.batch_id == b.batch_id)))
        .where(b.id.is_(None))
        .group_by(r.tenant_id, r.bin_id, r.product_id, r.batch_id)
    )
    for query in (rows, r2):
        for row in db.execute(query.execution_options(yield_per=1000)):
            yield ReservedMismatch(*row[:4], *(int(v) for v in row[4:]))


def rebuild(db: Session) -> int:
    """Make the projection equal the ledger again; returns how many totals were corrected.

    Every bin is locked first so no post runs while the totals are rewritten.
    """
    db.execute(select(Bin.id).order_by(Bin.id).with_for_update()).all()
    fixed = 0
    moment = now()
    for m in list(verify(db)):
        if isinstance(m, ReservedMismatch):
            continue  # after the amounts: below
        if m.counter is not None:
            db.execute(update(Bin).where(Bin.id == m.bin_id).values({m.counter: m.ledger}))
            fixed += 1
            continue
        if m.batch_id is None:
            continue
        inventory_id = db.scalar(
            select(BinInventory.id).where(BinInventory.bin_id == m.bin_id, BinInventory.product_id == m.product_id)
        )
        if inventory_id is None:
            inventory_id = db.scalar(
                insert(BinInventory).returning(BinInventory.id),
                [
                    {
                        "tenant_id": m.tenant_id,
                        "bin_id": m.bin_id,
                        "product_id": m.product_id,
                        "amount": 0,
                        "added": moment,
                        "changed": moment,
                    }
                ],
            )
        row = db.scalar(
            select(BinInventoryBatch).where(
                BinInventoryBatch.bin_inventory_id == inventory_id, BinInventoryBatch.batch_id == m.batch_id
            )
        )
        if row is None:
            db.add(
                BinInventoryBatch(
                    tenant_id=m.tenant_id,
                    bin_inventory_id=inventory_id,
                    bin_id=m.bin_id,
                    product_id=m.product_id,
                    batch_id=m.batch_id,
                    amount=m.ledger,
                )
            )
        else:
            row.amount = m.ledger
        fixed += 1
    db.flush()
    for m in list(verify(db)):
        # Only product totals can still differ: set each to the sum of its batches.
        if isinstance(m, ReservedMismatch) or m.counter is not None:
            continue
        db.execute(
            update(BinInventory)
            .where(BinInventory.bin_id == m.bin_id, BinInventory.product_id == m.product_id)
            .values(amount=m.ledger, changed=moment)
        )
        fixed += 1
    return fixed + _restore_reserved(db)


def _restore_reserved(db) -> int:
    """Set each ``reserved`` total to the sum of its reservations, then let reservations that exceed what is on
    hand give way (moved to free stock, or cut and handed back); answers how many places were wrong."""
    wrong = [m for m in verify(db) if isinstance(m, ReservedMismatch)]
    for m in wrong:
        db.execute(
            update(BinInventoryBatch)
            .where(BinInventoryBatch.bin_id == m.bin_id, BinInventoryBatch.batch_id == m.batch_id)
            .values(reserved=m.reservations)
        )
    over = [m for m in wrong if m.reservations > max(m.on_hand, 0)]
    warehouses = dict(db.execute(select(Bin.id, Bin.warehouse_id).where(Bin.id.in_({m.bin_id for m in over}))).all())
    for tenant_id in sorted({m.tenant_id for m in over}):
        mine = [m for m in over if m.tenant_id == tenant_id]
        refit.after_count(
            db,
            tenant_id=tenant_id,
            levels={(m.bin_id, m.product_id, m.batch_id): m.on_hand for m in mine},
            reserved={(m.bin_id, m.product_id, m.batch_id): m.reservations for m in mine},
            warehouses=warehouses,
        )
    return len(wrong)
