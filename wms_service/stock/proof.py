"""Proof: the projection (bin totals, batch totals, record counters) recomputed from the ledger, and restored.

``verify`` streams aggregate queries, so memory does not grow with the ledger; ``rebuild`` locks every bin and
writes the ledger's sums back.
"""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from ..db import now
from .models import Bin, BinInventory, BinInventoryBatch, BinInventoryRecord


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


def verify(db: Session):
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


def rebuild(db: Session) -> int:
    """Make the projection equal the ledger again; returns how many totals were corrected.

    Every bin is locked first so no post runs while the totals are rewritten.
    """
    db.execute(select(Bin.id).order_by(Bin.id).with_for_update()).all()
    fixed = 0
    moment = now()
    for m in list(verify(db)):
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
        if m.counter is not None:
            continue
        db.execute(
            update(BinInventory)
            .where(BinInventory.bin_id == m.bin_id, BinInventory.product_id == m.product_id)
            .values(amount=m.ledger, changed=moment)
        )
        fixed += 1
    return fixed
