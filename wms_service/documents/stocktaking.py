"""Stocktaking: count one bin, compare with the ledger, and post the differences when the count is finished.

A count is open until it is finished; a finished count never changes again (``LIFECYCLE``). How a line is
counted and what finishing posts is ``counting.py``'s rule, the same an inventory (many bins) follows.
"""

from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product
from ..errors import Conflict, NotFound, ValidationFailed
from ..repo import get_or_404
from ..stock.locks import lock_bins
from ..stock.models import Batch
from ..stock.references import DocumentKind, Reference
from . import base, counting
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
        # One open count per bin, of either kind (an inventory counting it too).
        counting.refuse_if_counted(db, bin_id=bin_.id, index=i)
        if any(c.bin_id == bin_.id for c in counts):
            raise Conflict(
                f"Bin {bin_.id} is listed twice; a bin has one open count.",
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

    held = counting.hold(db, tenant_id=tenant.id, bin_ids={count.bin_id})
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
        counting.count(record, bin_id=count.bin_id, counted=line["counted_quantity"], held=held)
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
    moved = counting.moved_since_count(db, finished=count.finished, places=[(count.bin_id, r) for r in lines])
    return {(r.product_id, r.batch_id): m for r, m in zip(lines, moved, strict=True)}


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
    counting.finish(
        db,
        tenant=tenant,
        user=user,
        reference=Reference(DocumentKind.STOCKTAKING, count.id),
        places=[(count.bin_id, r) for r in records(db, count=count)],
        refusal="The count cannot be finished",
    )
    base.move(db, LIFECYCLE, count, Status.FINISHED, check=False)
    stamp(count, user)
    count.finished_at = count.changed
    db.flush()
    return count


def delete(db: Session, *, count: Stocktaking) -> None:
    LIFECYCLE.check_editable(count)
    db.delete(count)
    db.flush()
