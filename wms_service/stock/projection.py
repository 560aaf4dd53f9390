"""The projection: per bin and product, and per bin, product and batch, what the ledger holds (and, per batch,
what reservations hold of it: ``allocation.py`` moves that); per bin, how many records it has. ``ledger.post``
reads the rows of the bins it locked and moves them in its transaction.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert, literal, null, select, union_all, update
from sqlalchemy.orm import Session

from ..db import now
from .models import Bin, BinInventory, BinInventoryBatch

if TYPE_CHECKING:
    from .ledger import Line


@dataclass
class Totals:
    """The projection rows of the locked bins, read once: levels for the rules, row ids for moving them."""

    batch_levels: dict[tuple, int]  # (bin, product, batch) -> amount, for the batches being posted
    reserved: dict[tuple, int]  # (bin, product, batch) -> what reservations hold of it (only where some is held)
    batch_ids: dict[tuple, int]
    bin_totals: dict[int, int]  # bin -> everything it holds
    product_ids: dict[tuple, int]  # (bin, product) -> bin_inventory id


def read_totals(db: Session, lines: Collection["Line"]) -> Totals:
    bin_ids = {line.bin_id for line in lines}
    b, p = BinInventoryBatch, BinInventory
    # One round trip: the batch rows being posted to, then every product row of the bins (batch_id NULL).
    rows = db.execute(
        union_all(
            select(b.id, b.bin_id, b.product_id, b.batch_id, b.amount, b.reserved).where(
                b.bin_id.in_(bin_ids), b.batch_id.in_({line.batch_id for line in lines})
            ),
            select(p.id, p.bin_id, p.product_id, null(), p.amount, literal(0)).where(p.bin_id.in_(bin_ids)),
        )
    )
    totals = Totals(batch_levels={}, reserved={}, batch_ids={}, bin_totals={}, product_ids={})
    for row_id, bin_id, product_id, batch_id, amount, reserved in rows:
        if batch_id is None:
            totals.bin_totals[bin_id] = totals.bin_totals.get(bin_id, 0) + amount
            totals.product_ids[(bin_id, product_id)] = row_id
        else:
            totals.batch_levels[(bin_id, product_id, batch_id)] = amount
            totals.batch_ids[(bin_id, product_id, batch_id)] = row_id
            if reserved:
                totals.reserved[(bin_id, product_id, batch_id)] = reserved
    return totals


@dataclass
class Moves:
    """What a post changes, summed from its lines: per (bin, product), per (bin, product, batch), records per bin."""

    per_product: dict[tuple, int]
    per_batch: dict[tuple, int]
    per_bin: dict[int, int]

    @classmethod
    def of(cls, lines: Iterable["Line"]) -> "Moves":
        moves = cls({}, {}, {})
        for line in lines:
            key = (line.bin_id, line.product_id)
            moves.per_product[key] = moves.per_product.get(key, 0) + line.amount
            key = (line.bin_id, line.product_id, line.batch_id)
            moves.per_batch[key] = moves.per_batch.get(key, 0) + line.amount
            moves.per_bin[line.bin_id] = moves.per_bin.get(line.bin_id, 0) + 1
        return moves

    @property
    def bins(self) -> set[int]:
        return set(self.per_bin)


def move_totals(db: Session, tenant_id: int, moves: Moves, totals: Totals) -> None:
    """Add each line's amount to its product and batch totals, creating the rows on first use.

    The rows' ids were read under the bins' lock (``_read_totals``) and nobody else adds rows to a locked bin.
    """
    per_product, per_batch = moves.per_product, moves.per_batch
    moment = now()
    existing = dict(totals.product_ids)
    missing = [key for key in per_product if key not in existing]
    if missing:
        created = db.execute(
            insert(BinInventory).returning(BinInventory.id, BinInventory.bin_id, BinInventory.product_id),
            [
                {"tenant_id": tenant_id, "bin_id": b, "product_id": p, "amount": 0, "added": moment, "changed": moment}
                for b, p in missing
            ],
        )
        existing.update({(b, p): i for i, b, p in created})
    # Core executemany statements: one round of parameters, not one ORM statement per touched total.
    product_table = BinInventory.__table__
    moves = [{"_id": existing[key], "delta": delta} for key, delta in sorted(per_product.items()) if delta]
    if moves:
        db.execute(
            update(product_table)
            .where(product_table.c.id == bindparam("_id"))
            .values(amount=product_table.c.amount + bindparam("delta"), changed=moment),
            moves,
        )

    batch_rows = totals.batch_ids
    new_batches = [
        {
            "tenant_id": tenant_id,
            "bin_inventory_id": existing[(b, p)],
            "bin_id": b,
            "product_id": p,
            "batch_id": bt,
            "amount": delta,
        }
        for (b, p, bt), delta in per_batch.items()
        if (b, p, bt) not in batch_rows
    ]
    if new_batches:
        db.execute(insert(BinInventoryBatch), new_batches)
    batch_table = BinInventoryBatch.__table__
    moves = [
        {"_id": batch_rows[key], "delta": delta}
        for key, delta in sorted(per_batch.items())
        if key in batch_rows and delta
    ]
    if moves:
        db.execute(
            update(batch_table)
            .where(batch_table.c.id == bindparam("_id"))
            .values(amount=batch_table.c.amount + bindparam("delta")),
            moves,
        )
    expire(db, (BinInventory, BinInventoryBatch), ["amount"])


def move_counters(db: Session, moves: list[dict[str, int]]) -> None:
    # Relative updates of non-key columns: allowed under the FOR NO KEY UPDATE lock lock_bins holds.
    table = Bin.__table__
    db.execute(
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(
            record_count=table.c.record_count + bindparam("all"),
            visible_record_count=table.c.visible_record_count + bindparam("visible"),
        ),
        moves,
    )
    expire(db, Bin, ["record_count", "visible_record_count"])


def expire(db: Session, models: type | tuple[type, ...], attributes: Collection[str]) -> None:
    """Bulk statements bypass the session: what it already holds of ``attributes`` is read again when looked at."""
    for obj in list(db.identity_map.values()):
        if isinstance(obj, models):
            db.expire(obj, attributes)
