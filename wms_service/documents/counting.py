"""Counting: the one rule a stocktaking (one bin) and an inventory (many bins) both follow.

- A line's ``expected_quantity`` is frozen when it is counted: what the ledger held for its product and batch in
  its bin at that moment, read under the bin's lock, so no record lands between the read and the commit.
- Finishing posts ``counted - expected`` per line under the count's name (``INVENTORY_REGISTRATION`` for a
  surplus, ``INVENTORY_WRITE_OFF`` for a shortage), never against the level at the finish: what moved in or out
  after a line was counted is real and stays. That movement is the line's ``movedSinceCount``, noted at the finish
  (``level_at_finish``) so a finished count keeps showing what it showed then.
- Counts are facts: their post always goes through, and the ledger moves or cuts the reservations it overtakes
  (``stock/refit.py``), handing the cuts back to their documents (an order goes back to waiting).
- A bin is in at most one open count of either kind: a second one is a 409 naming the first (``refuse_if_counted``).

The functions take ``places``: pairs of a line's bin and the line (anything with ``CountedLine``'s columns).
"""

from collections.abc import Collection, Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Tenant, User
from ..errors import Conflict
from ..stock import ledger, reservations
from ..stock.locks import lock_bins
from ..stock.models import BinInventoryBatch
from ..stock.references import DocumentKind, Reference
from . import base
from .inventory_models import Inventory, InventoryLine, InventoryStatus
from .models import Stocktaking


class Counted(Protocol):
    product_id: int
    batch_id: int
    counted_quantity: int
    expected_quantity: int
    level_at_finish: int | None


Place = tuple[int, Counted]  # (bin id, line)
Levels = dict[tuple[int, int, int], int]  # (bin, product, batch) -> amount on hand


def hold(db: Session, *, tenant_id: int, bin_ids: Collection[int]) -> Levels:
    """Lock the bins (as the ledger locks them) and answer what they hold: the levels a count may freeze."""
    lock_bins(db, tenant_id, bin_ids)
    return levels(db, bin_ids=bin_ids)


def levels(db: Session, *, bin_ids: Iterable[int]) -> Levels:
    """What the bins hold, per product and batch."""
    rows = db.execute(
        select(
            BinInventoryBatch.bin_id, BinInventoryBatch.product_id, BinInventoryBatch.batch_id, BinInventoryBatch.amount
        ).where(BinInventoryBatch.bin_id.in_(sorted(set(bin_ids))))
    )
    return {(b, p, bt): amount for b, p, bt, amount in rows}


def count(line: Counted, *, bin_id: int, counted: int, held: Levels) -> None:
    """Set (not add) the line's count and freeze its expected quantity from ``held`` (read by ``hold``)."""
    line.counted_quantity = counted
    line.expected_quantity = held.get((bin_id, line.product_id, line.batch_id), 0)


def moved_since_count(db: Session, *, finished: bool, places: list[Place]) -> list[int]:
    """How much of each line's product and batch moved in (+) or out (-) of its bin since it was counted: up to
    now while the count is open, up to the finish once it is finished."""
    if finished:
        return [line.level_at_finish - line.expected_quantity for _bin, line in places]
    held = levels(db, bin_ids={bin_id for bin_id, _line in places})
    return [held.get((b, line.product_id, line.batch_id), 0) - line.expected_quantity for b, line in places]


def finish(db: Session, *, tenant: Tenant, user: User, reference: Reference, places: list[Place], refusal: str) -> None:
    """Post every line's difference under ``reference`` (a count), in the caller's one transaction.

    The bins are held while the level at the finish is noted, so that note and the posting see the same ledger.
    A stock rule that refuses a line (a bin's capacity) is a 409 starting with ``refusal``. A count of more
    lines than one post takes (a warehouse's year-end inventory) posts them in several, in the same transaction.
    """
    # Documents before bins: the orders whose reservations the count may cut are locked before its bins
    # (``reservations.lock_for_count``), so the count never waits in a cycle with an order being changed.
    bin_ids = {bin_id for bin_id, _line in places}
    reservations.lock_for_count(db, tenant.id, bin_ids)
    held = levels(db, bin_ids=bin_ids)
    postings = []
    for bin_id, line in places:
        line.level_at_finish = held.get((bin_id, line.product_id, line.batch_id), 0)
        difference = line.counted_quantity - line.expected_quantity
        if difference:
            postings.append(ledger.Line(bin_id, line.product_id, line.batch_id, difference))
    for start in range(0, len(postings), ledger.MAX_LINES):
        chunk = postings[start : start + ledger.MAX_LINES]
        base.post(db, tenant=tenant, user=user, reference=reference, lines=chunk, refusal=refusal)


# --- one open count per bin ----------------------------------------------------------------------------------


def open_on(db: Session, *, bin_id: int, besides: Reference | None = None) -> Reference | None:
    """The open count of the bin, of either kind, other than ``besides``, if it has one (a bin has at most one)."""
    query = select(Stocktaking.id).where(Stocktaking.bin_id == bin_id, Stocktaking.finished.is_(False))
    if besides is not None and besides.kind == DocumentKind.STOCKTAKING:
        query = query.where(Stocktaking.id != besides.id)
    count_id = db.scalar(query.limit(1))
    if count_id is not None:
        return Reference(DocumentKind.STOCKTAKING, count_id)
    query = (
        select(Inventory.id)
        .join(InventoryLine, InventoryLine.inventory_id == Inventory.id)
        .where(InventoryLine.bin_id == bin_id, Inventory.status_value == str(InventoryStatus.OPEN))
    )
    if besides is not None and besides.kind == DocumentKind.INVENTORY:
        query = query.where(Inventory.id != besides.id)
    inventory_id = db.scalar(query.order_by(Inventory.id).limit(1))
    return Reference(DocumentKind.INVENTORY, inventory_id) if inventory_id is not None else None


def refuse_if_counted(db: Session, *, bin_id: int, by: Reference | None = None, index: int | None = None) -> None:
    """409 if the bin is in an open count other than ``by`` (the count about to take it). The caller holds the
    bin's lock, so two counts taking one bin at once get one count and one 409."""
    other = open_on(db, bin_id=bin_id, besides=by)
    if other is None:
        return
    advice = "finish or delete it first" if other.kind == DocumentKind.STOCKTAKING else "validate it first"
    raise Conflict(
        f"Bin {bin_id} already has an open {other.kind.lower()} ({other.id}); {advice}.",
        {"binId": ["The bin is already being counted."]},
        index=index,
    )
