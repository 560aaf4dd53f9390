"""Stocktaking: count one bin, compare with the ledger, and post the differences when the count is finished.

A count is open until it is finished; a finished count never changes again (``LIFECYCLE``).
"""

from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product
from ..errors import Conflict, NotFound, ValidationFailed
from ..repo import get_or_404
from ..stock import ledger, reservations
from ..stock.locks import lock_bins
from ..stock.models import Batch, BinInventoryBatch
from ..stock.references import DocumentKind, Reference
from . import base
from .models import Stocktaking, StocktakingRecord
from .models import StocktakingStatus as Status

LIFECYCLE = base.StatusTable(
    "Stocktaking",
    # Open -> open: a PUT with {"finished": false} is accepted and only stamps the count.
    {Status.OPEN: {Status.OPEN, Status.FINISHED}, Status.FINISHED: set()},
    editable={Status.OPEN},
    document_type="STOCKTAKING",
)


def create(db: Session, *, tenant: Tenant, user: User, items: list[dict]) -> list[Stocktaking]:
    # Locked like the ledger locks them, so two clients opening a count of the same bin at once get one count
    # and one 409.
    bins = lock_bins(db, tenant.id, {item["bin_id"] for item in items})
    counts = []
    for i, item in enumerate(items):
        bin_ = bins.get(item["bin_id"])
        if bin_ is None:
            raise NotFound(f"Bin {item['bin_id']} not found.", {"binId": ["The bin does not exist."]}, index=i)
        open_count = open_on(db, bin_id=bin_.id)
        if open_count is not None or any(c.bin_id == bin_.id for c in counts):
            raise Conflict(
                f"Bin {bin_.id} already has an open stocktaking ({open_count}); finish or delete it first.",
                {"binId": ["The bin is already being counted."]},
                index=i,
            )
        count = Stocktaking(
            tenant_id=tenant.id,
            bin_id=bin_.id,
            warehouse_id=bin_.warehouse_id,
            user_id=user.id,
            reference_type=item.get("reference_type"),
            finished=False,
        )
        stamp(count, user, created=True)
        db.add(count)
        counts.append(count)
    db.flush()
    for count in counts:
        base.announce(db, LIFECYCLE, count)
    return counts


def open_on(db: Session, *, bin_id: int) -> int | None:
    """The id of the bin's open count, if it has one (a bin has at most one)."""
    return db.scalar(select(Stocktaking.id).where(Stocktaking.bin_id == bin_id, Stocktaking.finished.is_(False)))


def get(db: Session, *, tenant: Tenant, stocktaking_id: int, lock: bool = False) -> Stocktaking:
    return get_or_404(db, Stocktaking, tenant.id, stocktaking_id, "Stocktaking", lock=lock)


def set_counts(
    db: Session, *, tenant: Tenant, user: User, count: Stocktaking, lines: list[dict]
) -> list[StocktakingRecord]:
    """Set (not add) the counted quantity of each product and batch; answers the lines that were sent."""
    LIFECYCLE.check_editable(count)
    product_ids = {line["product_id"] for line in lines}
    batch_ids = {line["batch_id"] for line in lines}
    products = set(db.scalars(select(Product.id).where(Product.tenant_id == tenant.id, Product.id.in_(product_ids))))
    batches = dict(
        db.execute(
            select(Batch.id, Batch.product_id).where(Batch.tenant_id == tenant.id, Batch.id.in_(batch_ids))
        ).all()
    )
    seen = set()
    for i, line in enumerate(lines):
        errors = {}
        if line["product_id"] not in products:
            errors["productId"] = ["The product does not exist."]
        if line["batch_id"] not in batches:
            errors["batchId"] = ["The batch does not exist."]
        if errors:
            raise NotFound("A referenced object does not exist.", errors, index=i)
        if batches[line["batch_id"]] != line["product_id"]:
            raise ValidationFailed(
                "The batch does not belong to the product.",
                {"batchId": ["The batch does not belong to the product."]},
                index=i,
            )
        if (line["product_id"], line["batch_id"]) in seen:
            raise ValidationFailed(
                "The same product and batch appear twice.", {"batchId": ["Duplicate line."]}, index=i
            )
        seen.add((line["product_id"], line["batch_id"]))

    # What the bin holds is read under its lock: no record lands between this read and the commit, so the frozen
    # expected is exactly what the ledger held when the line was counted.
    lock_bins(db, tenant.id, {count.bin_id})
    held = _levels(db, bin_id=count.bin_id)
    existing = {
        (r.product_id, r.batch_id): r
        for r in db.scalars(select(StocktakingRecord).where(StocktakingRecord.stocktaking_id == count.id))
    }
    result = []
    for line in lines:
        record = existing.get((line["product_id"], line["batch_id"]))
        if record is None:
            record = StocktakingRecord(
                tenant_id=tenant.id, stocktaking_id=count.id, product_id=line["product_id"], batch_id=line["batch_id"]
            )
            stamp(record, user, created=True)
            db.add(record)
        record.counted_quantity = line["counted_quantity"]
        record.expected_quantity = held.get((line["product_id"], line["batch_id"]), 0)
        stamp(record, user)
        result.append(record)
    stamp(count, user)
    db.flush()
    return result


def records_query(
    count: Stocktaking, *, product_ids: Collection[int] | None = None, batch_ids: Collection[int] | None = None
) -> Select:
    """The count's lines, optionally only some products or batches, for the caller to order and page."""
    query = select(StocktakingRecord).where(StocktakingRecord.stocktaking_id == count.id)
    if product_ids:
        query = query.where(StocktakingRecord.product_id.in_(product_ids))
    if batch_ids:
        query = query.where(StocktakingRecord.batch_id.in_(batch_ids))
    return query


def records(db: Session, *, count: Stocktaking) -> list[StocktakingRecord]:
    return list(db.scalars(records_query(count).order_by(StocktakingRecord.id)))


def moved_since_count(db: Session, *, count: Stocktaking, lines: list[StocktakingRecord]) -> dict[tuple, int]:
    """How much of each line's product and batch moved in (+) or out (-) of the bin since the line was counted:
    up to now while the count is open, up to the finish once it is finished."""
    if count.finished:
        return {(r.product_id, r.batch_id): r.level_at_finish - r.expected_quantity for r in lines}
    held = _levels(db, bin_id=count.bin_id)
    return {(r.product_id, r.batch_id): held.get((r.product_id, r.batch_id), 0) - r.expected_quantity for r in lines}


def _levels(db: Session, *, bin_id: int) -> dict[tuple, int]:
    """What the bin holds, per product and batch."""
    rows = db.execute(
        select(BinInventoryBatch.product_id, BinInventoryBatch.batch_id, BinInventoryBatch.amount).where(
            BinInventoryBatch.bin_id == bin_id
        )
    )
    return {(p, b): amount for p, b, amount in rows}


def update(db: Session, *, tenant: Tenant, user: User, count: Stocktaking, finished: bool) -> Stocktaking:
    """A PUT of the count: ``finished`` true finishes it; false keeps it open and only stamps it."""
    LIFECYCLE.check_move(count, Status.FINISHED if finished else Status.OPEN)
    if finished:
        return finish(db, tenant=tenant, user=user, count=count)
    stamp(count, user)
    return count


def finish(db: Session, *, tenant: Tenant, user: User, count: Stocktaking) -> Stocktaking:
    """Close the count and post every difference as a ledger record, in the caller's one transaction."""
    LIFECYCLE.check_move(count, Status.FINISHED)
    # Each line posts what its count found against what the ledger held when it was counted (its frozen expected),
    # never against the level now: what moved in or out since the count is real and stays. The bin is held while
    # the level at the finish is noted, so that note and the posting see the same ledger.
    # Documents before bins: the orders whose reservations the count may cut are locked first (``refit.py``).
    reservations.lock_for_count(db, tenant.id, {count.bin_id})
    held = _levels(db, bin_id=count.bin_id)
    postings = []
    for r in records(db, count=count):
        r.level_at_finish = held.get((r.product_id, r.batch_id), 0)
        postings.append(ledger.Line(count.bin_id, r.product_id, r.batch_id, r.difference))
    reference = Reference(DocumentKind.STOCKTAKING, count.id)
    base.post(db, tenant=tenant, user=user, reference=reference, lines=postings, refusal="The count cannot be finished")
    base.move(db, LIFECYCLE, count, Status.FINISHED, check=False)
    stamp(count, user)
    count.finished_at = count.changed
    db.flush()
    return count


def delete(db: Session, *, count: Stocktaking) -> None:
    LIFECYCLE.check_editable(count)
    db.delete(count)
    db.flush()
