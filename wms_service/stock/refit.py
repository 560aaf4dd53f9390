"""What a count does to the reservations it overtakes: counts are facts and always post, so a reservation that
no longer fits afterwards is moved or cut, and the cut is handed back to the document that held it.

``ledger.post`` calls ``after_count`` for a count's post (``Reference.is_count``), in its transaction, after
the levels moved and with the counted bins locked. At each counted place where reservations now exceed what is
on hand, the newest reservations give way first (the oldest documents keep theirs). Each cut part moves to
other free stock of the same product in the same warehouse, in allocation order (``allocation.py``), unless
its line named the bin (then it can only be cut; a named batch moves only within that batch). What finds no
place is a ``Shortfall`` of its document line.

The shortfalls go to the handler registered for the holder's document kind (``on_shortfall``), in the same
transaction, and are also answered to the caller (``post(...).shortfalls``). Orders register one that sets the
order back to ``WAITING_FOR_SUPPLY``.

The count already holds its bins, so the other bins are locked with ``skip_locked``: a bin another transaction
holds right now is not waited for (waiting out of id order could deadlock) and simply is no candidate.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from . import allocation
from .references import DocumentKind, Reference


@dataclass(frozen=True)
class Shortfall:
    """How much of a document line's reservation could not be kept."""

    reference: Reference
    line_id: int
    product_id: int
    quantity: int


ShortfallHandler = Callable[[Session, list[Shortfall]], None]
_handlers: dict[DocumentKind, ShortfallHandler] = {}


def on_shortfall(kind: DocumentKind, handler: ShortfallHandler) -> None:
    """Register what a document kind does when a count cuts its reservations (called in the count's transaction)."""
    _handlers[kind] = handler


def after_count(
    db: Session, *, tenant_id: int, levels: dict[tuple, int], reserved: dict[tuple, int], warehouses: dict[int, int]
) -> list[Shortfall]:
    """Make the reservations fit the counted ``levels`` {(bin, product, batch): on hand after the count}.

    ``reserved`` is what was reserved at those places before, ``warehouses`` each counted bin's warehouse.
    """
    excess = {
        (b, bt): held - max(levels[(b, p, bt)], 0)
        for (b, p, bt), held in reserved.items()
        if (b, p, bt) in levels and held > max(levels[(b, p, bt)], 0)
    }
    if not excess:
        return []
    cuts = []
    for row in reversed(allocation.held(db, tenant_id=tenant_id, places=set(excess))):
        left = excess[(row.bin_id, row.batch_id)]
        if left:
            cut = min(left, row.quantity)
            cuts.append((row, cut))
            excess[(row.bin_id, row.batch_id)] = left - cut
    allocation.drop(db, cuts)

    missing: dict[tuple, int] = {}
    for row, cut in cuts:
        kept = 0
        if not row.holder.bin_named:
            want = allocation.Want(
                row.holder,
                warehouses[row.bin_id],
                row.product_id,
                cut,
                batch_id=row.batch_id if row.holder.batch_named else None,
            )
            (kept,) = allocation.take(db, tenant_id=tenant_id, wants=[want], skip_locked=True)
        if cut > kept:
            key = (row.holder.reference, row.holder.line_id, row.product_id)
            missing[key] = missing.get(key, 0) + cut - kept
    shortfalls = [Shortfall(ref, line, product, q) for (ref, line, product), q in missing.items()]
    for kind in sorted({s.reference.kind for s in shortfalls}):
        handler = _handlers.get(kind)
        if handler is not None:
            handler(db, [s for s in shortfalls if s.reference.kind == kind])
    return shortfalls
