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

Lock order: documents before bins. A document's own writes lock it, then its bins (an order being picked,
cancelled, changed or re-checked); a count that cuts its reservations would take them the other way round and
could wait in a cycle with one of them. So a count locks through ``lock_for_count``: the documents holding
reservations in its bins first, through the locker each kind registers (``on_shortfall(..., lock=...)``), then
the bins, and it never waits for a document while it holds a bin (see there).

The count already holds its bins, so the other bins are locked with ``skip_locked``: a bin another transaction
holds right now is not waited for (waiting out of id order could deadlock) and simply is no candidate.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from . import allocation, holds
from .locks import lock_bins
from .models import Reservation
from .references import DocumentKind, Reference


@dataclass(frozen=True)
class Shortfall:
    """How much of a document line's reservation could not be kept."""

    reference: Reference
    line_id: int
    product_id: int
    quantity: int


ShortfallHandler = Callable[[Session, list[Shortfall]], None]
HolderLocker = Callable[[Session, int, list[int], bool], None]  # (db, tenant_id, ids, nowait)
_handlers: dict[DocumentKind, ShortfallHandler] = {}
_lockers: dict[DocumentKind, HolderLocker] = {}


def on_shortfall(kind: DocumentKind, handler: ShortfallHandler, *, lock: HolderLocker | None = None) -> None:
    """Register what a document kind does when a count cuts its reservations (called in the count's transaction),
    and how its documents are locked (``lock(db, tenant_id, document_ids, nowait)``) for a count (``lock_for_count``)."""
    _handlers[kind] = handler
    if lock is not None:
        _lockers[kind] = lock


def lock_for_count(db: Session, tenant_id: int, bin_ids: set[int]) -> dict:
    """Lock what a count of ``bin_ids`` may change, documents before bins, and answer the bins (``lock_bins``).

    The documents holding reservations there are locked first (each kind through its locker), then the bins. A
    document that reserved there while the count waited for a bin (its holder had the bin) is locked without
    waiting; if another request holds it, that request may be waiting for our bins, so on PostgreSQL the bins are
    given back (the savepoint is rolled back) and the count waits for that document first, then tries again. The
    count therefore never waits for a document while it holds a bin."""
    locked: set[tuple[str, int]] = set()
    if db.get_bind().dialect.name != "postgresql":
        return lock_bins(db, tenant_id, bin_ids)  # SQLite: one writer at a time, nobody to wait for
    while True:
        locked |= _lock_documents(db, tenant_id, _holders(db, tenant_id, bin_ids) - locked)
        savepoint = db.begin_nested()
        bins = lock_bins(db, tenant_id, bin_ids)
        late = _holders(db, tenant_id, bin_ids) - locked
        try:
            locked |= _lock_documents(db, tenant_id, late, nowait=True)
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            savepoint.rollback()
            locked |= _lock_documents(db, tenant_id, late)
            continue
        savepoint.commit()
        return bins


LOCK_NOT_AVAILABLE = "55P03"


def _holders(db: Session, tenant_id: int, bin_ids: set[int]) -> set[tuple[str, int]]:
    """The documents (of kinds with a locker) holding reservations in these bins."""
    r = Reservation
    rows = db.execute(
        select(r.document_type, r.document_id).where(r.tenant_id == tenant_id, r.bin_id.in_(sorted(bin_ids))).distinct()
    ).all()
    return {(kind, doc) for kind, doc in rows if DocumentKind(kind) in _lockers}


def _lock_documents(db: Session, tenant_id: int, documents: set[tuple[str, int]], *, nowait: bool = False) -> set:
    for kind in sorted({DocumentKind(kind) for kind, _ in documents}):
        _lockers[kind](db, tenant_id, sorted(doc for k, doc in documents if k == kind), nowait)
    return documents


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
    for row in reversed(holds.held(db, tenant_id=tenant_id, places=set(excess))):
        left = excess[(row.bin_id, row.batch_id)]
        if left:
            cut = min(left, row.quantity)
            cuts.append((row, cut))
            excess[(row.bin_id, row.batch_id)] = left - cut
    holds.drop(db, cuts)

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
