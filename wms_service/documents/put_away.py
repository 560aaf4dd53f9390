"""Where received goods go (CONTRACT section 7), line by line, for a document that brings stock in:

1. the bin the line names;
2. else an active bin of the warehouse already holding the product, preferred first (then ``binOrder``, then
   id), with room for the whole line under its ``maximumAmount`` (0: no limit), counting what earlier lines of
   the same receipt put there;
3. else the warehouse's ``RECEIVING`` bin, made on first use.

The choice is read before the ledger locks the bins, so a bin filled in between makes the post a 409 (the
ledger checks capacity again under its lock), never an overfilled bin.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth.models import Tenant, User
from ..stock import bins
from ..stock.models import Bin, BinInventory


@dataclass(frozen=True)
class Want:
    product_id: int
    quantity: int
    bin_id: int | None = None  # the line's own location, if it named one


def choose(db: Session, *, tenant: Tenant, user: User, warehouse_id: int, wants: Sequence[Want]) -> list[int]:
    """The bin each of ``wants`` goes to, in their order."""
    products = {want.product_id for want in wants if want.bin_id is None}
    holding: dict[int, list[Bin]] = {}
    if products:
        rows = db.execute(
            select(BinInventory.product_id, Bin)
            .join(Bin, Bin.id == BinInventory.bin_id)
            .where(
                BinInventory.tenant_id == tenant.id,
                BinInventory.product_id.in_(products),
                BinInventory.amount > 0,
                Bin.warehouse_id == warehouse_id,
                Bin.active.is_(True),
            )
            .order_by(Bin.preferred.desc(), Bin.bin_order, Bin.id)
        ).all()
        for product_id, bin_ in rows:
            holding.setdefault(product_id, []).append(bin_)
    held = _totals(db, {bin_.id for places in holding.values() for bin_ in places})
    chosen, receiving = [], None
    for want in wants:
        target = want.bin_id
        if target is None:
            target = next(
                (
                    b.id
                    for b in holding.get(want.product_id, [])
                    if not b.maximum_amount or held.get(b.id, 0) + want.quantity <= b.maximum_amount
                ),
                None,
            )
        if target is None:
            if receiving is None:
                receiving = bins.special(db, tenant=tenant, user=user, warehouse_id=warehouse_id, code=bins.RECEIVING)
            target = receiving.id
        held[target] = held.get(target, 0) + want.quantity
        chosen.append(target)
    return chosen


def _totals(db: Session, bin_ids: set[int]) -> dict[int, int]:
    """What each bin holds now, all products together (what ``maximumAmount`` limits)."""
    if not bin_ids:
        return {}
    rows = db.execute(
        select(BinInventory.bin_id, func.sum(BinInventory.amount))
        .where(BinInventory.bin_id.in_(bin_ids))
        .group_by(BinInventory.bin_id)
    )
    return {bin_id: int(total) for bin_id, total in rows}
