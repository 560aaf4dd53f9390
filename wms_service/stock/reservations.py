"""Reservations as a service: stock of one bin and batch promised to one document line, taken later.

A reservation lowers the free quantity (on hand - reserved, ``availability.py``) and never the ledger: the goods
stay in their bin until the document consumes them. For every bin and batch ``0 <= reserved <= on hand``
(``ledger verify`` proves it, and that ``bin_inventory_batch.reserved`` equals the sum of the reservations).

- ``reserve`` (one line) and ``reserve_lines`` (several, under one lock) promise up to a quantity to a
  document line, in the allocation order of ``allocation.py`` (FEFO, no expired batches, undated batches last,
  preferred bins, ``binOrder``, bin id; active bins of the warehouse), or from the named bin (and batch) only.
  What cannot be met is kept and the shortfall answered: the document waits for supply (an order becomes
  ``WAITING_FOR_SUPPLY``) and reserves again when stock arrives.
- ``reserve_documents`` does the same for lines of several stored documents at once (the re-check of waiting
  orders), under one lock of the bins they take from.
- ``release`` gives a line's (or a whole document's) reservations back, or only ``quantity`` of a line's, the
  newest first (as a count's cuts take them).
- ``consume`` takes the reserved stock: it removes the reservations and posts the negative records through
  ``ledger.post(..., reference=...)`` in the same transaction; with ``into`` it moves the stock to other bins
  instead (a transfer: a positive record of the same batch beside each negative one).
- ``free_in`` answers the free stock of one bin, batch by batch in allocation order, under the bin's lock: what a
  document that reserves all or nothing (a transfer line) may take.

Every function locks the bins it changes the way the ledger does (``locks.lock_bins``, id order): it finds what
it needs first, locks those bins, then reads levels and reservations again under the lock. Two clients racing
for the last units never both get them. All of it runs in the caller's transaction; nothing here commits.

The hooks for counts: a count (stocktaking, inventory) always posts; a reservation it overtakes is moved to other
free stock or cut (``refit.py``). The cuts reach the holding document through the handler its kind registers
with ``on_shortfall(kind, handler)``, called in the count's transaction with the ``Shortfall`` list (document,
line, product, quantity); the count's finish also gets them as ``ledger.post(...).shortfalls``. The orders
issue registers ``on_shortfall(DocumentKind.ORDER, ...)`` to set such orders back to ``WAITING_FOR_SUPPLY``.
Documents lock before bins: a count locks its bins through ``lock_for_count``, which first locks the documents
whose reservations it may cut (``refit.py``).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Tenant, User
from ..catalog.models import Product, Warehouse
from ..errors import NotFound, ValidationFailed
from . import allocation, holds, ledger
from .ledger_sql import PostedList
from .locks import lock_bins
from .models import Batch, Bin, Reservation
from .references import Reference
from .refit import Shortfall, lock_for_count, on_shortfall

__all__ = [
    "LineWant",
    "Reservation",
    "Reserved",
    "Shortfall",
    "consume",
    "lock_for_count",
    "free_in",
    "of",
    "on_shortfall",
    "release",
    "reserve",
    "reserve_documents",
    "reserve_lines",
]


@dataclass(frozen=True)
class Reserved:
    """What ``reserve`` got for a line, and what it still lacks."""

    reserved: int
    shortfall: int


@dataclass(frozen=True)
class LineWant:
    """One document line's request: ``quantity`` of a product, from the named bin (and batch) only if given."""

    line_id: int
    product_id: int
    quantity: int
    bin_id: int | None = None
    batch_id: int | None = None


def reserve(
    db: Session,
    *,
    tenant: Tenant,
    reference: Reference,
    line_id: int,
    warehouse_id: int,
    product_id: int,
    quantity: int,
    bin_id: int | None = None,
    batch_id: int | None = None,
) -> Reserved:
    """Reserve up to ``quantity`` of the product for the document line; keeps what it got, answers the rest."""
    want = LineWant(line_id, product_id, quantity, bin_id, batch_id)
    (got,) = reserve_lines(db, tenant=tenant, reference=reference, warehouse_id=warehouse_id, lines=[want])
    return got


def reserve_lines(
    db: Session, *, tenant: Tenant, reference: Reference, warehouse_id: int, lines: list[LineWant]
) -> list[Reserved]:
    """Reserve for several lines of one document, in line order, under one lock of the bins they take from (a
    document that reserved line by line would lock bins out of id order). Errors name the line's index."""
    _check_lines(db, tenant.id, warehouse_id, lines)
    wants = [
        allocation.Want(
            holds.Holder(reference, line.line_id, line.bin_id is not None, line.batch_id is not None),
            warehouse_id,
            line.product_id,
            line.quantity,
            line.bin_id,
            line.batch_id,
        )
        for line in lines
    ]
    got = allocation.take(db, tenant_id=tenant.id, wants=wants)
    return [Reserved(n, line.quantity - n) for n, line in zip(got, lines, strict=True)]


def reserve_documents(
    db: Session, *, tenant: Tenant, wants: list[tuple[Reference, int, LineWant]], skip_locked: bool = False
) -> list[Reserved]:
    """Reserve for lines of several stored documents, ``(reference, warehouse_id, line)`` in the order given (the
    first served first), under one lock of the bins they take from, in id order: a caller that reserved document by
    document would lock bins out of order. The lines are the documents' own stored rows, checked when they were
    written, so they are not checked again here. ``skip_locked``: the caller already holds bins (a receipt), so a
    bin another transaction holds is no candidate rather than waited for (``allocation.take``)."""
    plans = [
        allocation.Want(
            holds.Holder(reference, line.line_id, line.bin_id is not None, line.batch_id is not None),
            warehouse_id,
            line.product_id,
            line.quantity,
            line.bin_id,
            line.batch_id,
        )
        for reference, warehouse_id, line in wants
    ]
    got = allocation.take(db, tenant_id=tenant.id, wants=plans, skip_locked=skip_locked)
    return [Reserved(n, plan.quantity - n) for n, plan in zip(got, plans, strict=True)]


def release(
    db: Session, *, tenant: Tenant, reference: Reference, line_id: int | None = None, quantity: int | None = None
) -> int:
    """Give back the reservations of one line (or, without ``line_id``, of the whole document); answers how many.

    With ``quantity`` only that much of the line's is given back, its newest reservations first (the ones a
    count would cut first too), so the line keeps what it was promised earliest."""
    rows = _locked_rows(db, tenant.id, reference, line_id)
    if quantity is None:
        cuts = [(row, row.quantity) for row in rows]
    else:
        if line_id is None or type(quantity) is not int or quantity < 0:
            raise ValueError("A partial release names one line and a quantity >= 0.")
        cuts, left = [], quantity
        for row in reversed(rows):
            if not left:
                break
            cut = min(left, row.quantity)
            cuts.append((row, cut))
            left -= cut
    holds.drop(db, cuts)
    return sum(cut for _row, cut in cuts)


def consume(
    db: Session,
    *,
    tenant: Tenant,
    user: User,
    reference: Reference,
    line_id: int | None = None,
    into: Mapping[int, int] | None = None,
) -> PostedList | None:
    """Take the reserved stock of one line (or of the whole document): the reservations go, and one negative
    record per reserved bin and batch is posted with ``reference``. Answers the records (None if nothing was
    reserved).

    With ``into`` ({line id: bin id}, every reserving line named) the stock moves instead of leaving: each
    negative record is followed by a positive one of the same product and batch into its line's bin, in the same
    post, so the ledger's rules (the destination's capacity, an archived bin) refuse the whole move or none of
    it. The destination bins are locked with the reserved ones, in one id order."""
    rows = _locked_rows(db, tenant.id, reference, line_id, also=set(into.values()) if into else set())
    if not rows:
        return None
    # Released first, under the same locks: the post then finds this stock free, while other documents'
    # reservations of the same bins still hold against it.
    holds.drop(db, [(row, row.quantity) for row in rows])
    lines = []
    for row in rows:
        lines.append(ledger.Line(row.bin_id, row.product_id, row.batch_id, -row.quantity))
        if into is not None:
            lines.append(ledger.Line(into[row.holder.line_id], row.product_id, row.batch_id, row.quantity))
    return ledger.post(db, tenant=tenant, user=user, lines=lines, reference=reference)


def free_in(
    db: Session,
    *,
    tenant: Tenant,
    warehouse_id: int,
    product_id: int,
    bin_id: int,
    batch_ids: Collection[int] | None = None,
) -> list[allocation.Place]:
    """The free stock of a product in one bin (of ``batch_ids`` only, when given), batch by batch in allocation
    order (FEFO, no expired batch, active bins only), read under the bin's lock: reserving from these places in
    the same transaction gets all of it."""
    lock_bins(db, tenant.id, {bin_id})
    places = allocation.candidates(
        db, tenant_id=tenant.id, warehouse_id=warehouse_id, product_id=product_id, bin_id=bin_id
    )
    return [place for place in places if batch_ids is None or place.batch_id in batch_ids]


def of(db: Session, *, tenant: Tenant, reference: Reference, line_id: int | None = None) -> list[holds.Held]:
    """A document's reservations (or one line's), oldest first: for its answers and pick lists."""
    return holds.held(db, tenant_id=tenant.id, reference=reference, line_id=line_id)


def _locked_rows(db, tenant_id, reference, line_id, also: set[int] = frozenset()) -> list[holds.Held]:
    """The line's reservation rows, read again once their bins (and the bins ``also``, in the same id order) are
    locked."""
    found = holds.held(db, tenant_id=tenant_id, reference=reference, line_id=line_id)
    if not found:
        return []
    lock_bins(db, tenant_id, {row.bin_id for row in found} | set(also))
    return holds.held(db, tenant_id=tenant_id, reference=reference, line_id=line_id)


def _check_lines(db, tenant_id, warehouse_id, lines: list[LineWant]) -> None:
    """A positive quantity; every id exists in the tenant (404 naming it); a named bin is in the warehouse, a named
    batch of the product. One query per kind of id for all the lines; errors name the first bad line's index."""
    for i, line in enumerate(lines):
        if type(line.quantity) is not int or line.quantity <= 0:
            raise ValidationFailed("Invalid reservation.", {"quantity": ["Must be a positive integer."]}, index=i)
    warehouse_ok = (
        db.scalar(select(Warehouse.id).where(Warehouse.tenant_id == tenant_id, Warehouse.id == warehouse_id))
        is not None
    )
    products = _ids(db, Product, tenant_id, {line.product_id for line in lines})
    bins = _pairs(db, Bin.id, Bin.warehouse_id, tenant_id, {line.bin_id for line in lines} - {None})
    batches = _pairs(db, Batch.id, Batch.product_id, tenant_id, {line.batch_id for line in lines} - {None})
    for index, line in enumerate(lines):
        missing = {}
        if not warehouse_ok:
            missing["warehouseId"] = [f"Warehouse {warehouse_id} does not exist."]
        if line.product_id not in products:
            missing["productId"] = [f"Product {line.product_id} does not exist."]
        if line.bin_id is not None and line.bin_id not in bins:
            missing["binId"] = [f"Bin {line.bin_id} does not exist."]
        if line.batch_id is not None and line.batch_id not in batches:
            missing["batchId"] = [f"Batch {line.batch_id} does not exist."]
        if missing:
            raise NotFound("A referenced object does not exist.", missing, index=index)
        errors = {}
        if line.bin_id is not None and bins[line.bin_id] != warehouse_id:
            errors["binId"] = [f"Bin {line.bin_id} is not in warehouse {warehouse_id}."]
        if line.batch_id is not None and batches[line.batch_id] != line.product_id:
            errors["batchId"] = [
                f"Batch {line.batch_id} belongs to product {batches[line.batch_id]}, not {line.product_id}."
            ]
        if errors:
            raise ValidationFailed("Invalid reservation.", errors, index=index)


def _ids(db, model, tenant_id, ids: set[int]) -> set[int]:
    return (
        set(db.scalars(select(model.id).where(model.tenant_id == tenant_id, model.id.in_(sorted(ids)))))
        if ids
        else set()
    )


def _pairs(db, key, value, tenant_id, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    table = key.class_
    return dict(db.execute(select(key, value).where(table.tenant_id == tenant_id, key.in_(sorted(ids)))).all())
