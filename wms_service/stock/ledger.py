"""The ledger: append movements and keep the per-bin totals in step, in the caller's transaction.

``post`` is the only code that writes stock. It locks the bins it touches (``locks.lock_bins``: in id order, so
two writers never wait on each other in a cycle), reads the totals under that lock, checks the stock rules line
by line and then appends the records and moves the totals in the same transaction. On SQLite the request
already holds the database write lock (``BEGIN IMMEDIATE``), so the row lock is a no-op there.

Reserved stock (``reservations.py``) is promised: a post takes only free stock (on hand - reserved), and taking
reserved stock is a 409 naming the document that holds it, whatever the tenant allows for negative stock. A
document consumes its own reservation by releasing it before it posts (``reservations.consume``). Counts are
the exception: they are facts and always post; the reservations they overtake are moved or cut afterwards
(``refit.py``) and the cuts answered as ``post(...).shortfalls``.

Errors that concern one line carry its position (``DomainError.index``); each face shows it in its own shape.
The rows' SQL is in ``ledger_sql.py``, the proof (``verify``, ``rebuild``) in ``proof.py``.
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import audit_values, stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product
from ..errors import BinCapacityExceeded, Conflict, InsufficientStock, NotFound, ValidationFailed
from ..repo import get_or_404
from . import holds, ledger_sql, projection, refit
from .availability import free
from .ledger_sql import AUDIT, COLUMNS, OPTIONAL, PostedList
from .locks import lock_bins
from .models import Batch, BinInventoryRecord
from .references import Reference, amount_errors, owner, pair_errors, plain_record_type_errors

MAX_LINES = 1000


@dataclass
class Line:
    """One movement to append: what moves, and (for a plain record) the client's document fields."""

    bin_id: int
    product_id: int
    batch_id: int
    amount: int
    extra: dict = field(default_factory=dict)
    reverses_id: int | None = None


def post(
    db: Session, *, tenant: Tenant, user: User, lines: list[Line], reference: Reference | None = None
) -> PostedList:
    """Append ``lines`` to the ledger, all or nothing.

    With a ``reference`` the records belong to that document (their document fields are its); without, they are
    plain records whose fields come from each line's ``extra``.
    """
    if not lines:
        raise ValidationFailed("At least one record is required.")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} records per request.")
    if reference is not None:
        lines = [Line(li.bin_id, li.product_id, li.batch_id, li.amount, reference.fields(li.amount)) for li in lines]
    for i, line in enumerate(lines):
        _check_line_shape(line, i, plain=reference is None)

    # Everything that does not depend on the stock levels is prepared before the bins are locked: on SQLite that
    # lock is the database's only write lock, which every other writer is waiting for.
    rows = ledger_sql.rows(tenant.id, lines)
    moves = projection.Moves.of(lines)

    bins = lock_bins(db, tenant.id, moves.bins)
    inactive_products = _check_references(db, tenant.id, lines, bins)
    totals = projection.read_totals(db, lines)
    counting = reference is not None and reference.is_count
    if not counting:
        _check_receivable(lines, bins, inactive_products)
    levels = _check_rules(db, tenant, lines, bins, totals, counting=counting)
    # The stamp is taken under the lock, so a record's `added` never runs behind one appended before it.
    stamp_values = audit_values(user)
    stamp_values = tuple(stamp_values[name] for name in AUDIT)
    rows = [
        row + stamp_values + (new_id,)
        for row, new_id in zip(rows, ledger_sql.new_record_ids(db, len(rows)), strict=True)
    ]
    ledger_sql.bulk_insert(db, BinInventoryRecord.__table__, COLUMNS, rows)
    projection.move_totals(db, tenant.id, moves, totals)
    projection.move_counters(db, [{"_id": b, "all": n, "visible": n} for b, n in sorted(moves.per_bin.items())])
    posted = PostedList(rows)
    if counting and totals.reserved:
        warehouses = {bin_id: row.warehouse_id for bin_id, row in bins.items()}
        posted.shortfalls = refit.after_count(
            db, tenant_id=tenant.id, levels=levels, reserved=totals.reserved, warehouses=warehouses
        )
    return posted


def _check_rules(db, tenant, lines, bins, totals, *, counting: bool) -> dict[tuple, int]:
    """No reserved stock taken (except by a count), no batch level below zero (unless the tenant allows it), no
    bin above its capacity, line after line. Answers the levels after the post."""
    positions, bin_totals = dict(totals.batch_levels), dict(totals.bin_totals)
    for i, line in enumerate(lines):
        key = (line.bin_id, line.product_id, line.batch_id)
        level = positions.get(key, 0) + line.amount
        reserved = totals.reserved.get(key, 0)
        if reserved and line.amount < 0 and level < reserved and not counting:
            holders = _holders(db, tenant.id, line.bin_id, line.batch_id)
            raise InsufficientStock(
                f"Bin {line.bin_id} holds {positions.get(key, 0)} of product {line.product_id} batch "
                f"{line.batch_id}, {reserved} of it reserved for {holders}; cannot take {-line.amount}.",
                {
                    "amount": [
                        f"Only {max(free(positions.get(key, 0), reserved), 0)} free; {reserved} reserved for {holders}."
                    ]
                },
                index=i,
            )
        if level < 0 and not tenant.allow_negative_stock:
            raise InsufficientStock(
                f"Bin {line.bin_id} holds {positions.get(key, 0)} of product {line.product_id} batch "
                f"{line.batch_id}; cannot take {-line.amount}.",
                {"amount": [f"Only {max(positions.get(key, 0), 0)} available."]},
                index=i,
            )
        total = bin_totals.get(line.bin_id, 0) + line.amount
        capacity = bins[line.bin_id].maximum_amount
        if line.amount > 0 and capacity > 0 and total > capacity:
            raise BinCapacityExceeded(
                f"Bin {line.bin_id} holds {bin_totals.get(line.bin_id, 0)} of at most {capacity}; "
                f"cannot add {line.amount}.",
                {"amount": [f"Bin capacity {capacity} would be exceeded."]},
                index=i,
            )
        positions[key] = level
        bin_totals[line.bin_id] = total
    return positions


def _holders(db, tenant_id: int, bin_id: int, batch_id: int) -> str:
    """The documents holding reservations of a batch in a bin, as a message names them ("Order 12")."""
    names = list(
        dict.fromkeys(
            str(row.holder.reference) for row in holds.held(db, tenant_id=tenant_id, places={(bin_id, batch_id)})
        )
    )
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


def get_record(db: Session, *, tenant: Tenant, record_id: int) -> BinInventoryRecord:
    return get_or_404(db, BinInventoryRecord, tenant.id, record_id, "Bin inventory record")


def reverse(db: Session, *, tenant: Tenant, user: User, record_id: int) -> ledger_sql.Posted:
    """Append the record that cancels ``record_id`` and mark the original as reversed.

    A document's records are undone through documents (a return, a new count), never here.
    """
    original = get_record(db, tenant=tenant, record_id=record_id)
    _refuse_if_owned(original, "deleted")
    # Lock the bin first: a concurrent delete of the same record then waits here and sees reversed_by_id set.
    lock_bins(db, tenant.id, {original.bin_id})
    db.refresh(original)
    if original.reversed_by_id is not None:
        raise Conflict(f"Bin inventory record {record_id} was already deleted.")
    if original.reverses_id is not None:
        raise Conflict(f"Bin inventory record {record_id} is itself a reversal and cannot be deleted.")
    extra = {name: getattr(original, name) for name in OPTIONAL}
    line = Line(original.bin_id, original.product_id, original.batch_id, -original.amount, extra, original.id)
    (reversal,) = post(db, tenant=tenant, user=user, lines=[line])
    original.reversed_by_id = reversal.id
    # post counted the reversal; the original leaves the default listing (still under the bin's lock).
    projection.move_counters(db, [{"_id": original.bin_id, "all": 0, "visible": -1}])
    return reversal


def edit(db: Session, *, tenant: Tenant, user: User, record_id: int, changes: dict) -> BinInventoryRecord:
    """Change a plain record's document fields (``OPTIONAL``); what moved and how much never changes."""
    record = get_record(db, tenant=tenant, record_id=record_id)
    _refuse_if_owned(record, "changed")
    unknown = set(changes) - set(OPTIONAL)
    if unknown:
        raise ValidationFailed(
            "Only a record's document fields can change.", {name: ["Read-only."] for name in unknown}
        )
    merged = {name: changes.get(name, getattr(record, name)) for name in OPTIONAL}
    errors = pair_errors(merged["reference_type"], merged["reference_id"])
    errors.update(plain_record_type_errors(changes.get("record_type")))
    if errors:
        raise ValidationFailed("The request is invalid.", errors)
    for name, value in changes.items():
        setattr(record, name, value)
    stamp(record, user)
    db.flush()
    return record


def _refuse_if_owned(record: BinInventoryRecord, verb: str) -> None:
    document = owner(record.record_type, record.reference_id)
    if document is not None:
        raise Conflict(
            f"Bin inventory record {record.id} belongs to {document} and cannot be {verb}; "
            f"undo it through a document (a return, a new count).",
            {"recordType": [f"Posted by {document}."]},
        )


def _check_line_shape(line: Line, i: int, *, plain: bool) -> None:
    errors = {}
    if amount_errors(line.amount):
        errors["amount"] = amount_errors(line.amount)
    errors.update(pair_errors(line.extra.get("reference_type"), line.extra.get("reference_id")))
    if plain and line.reverses_id is None:
        errors.update(plain_record_type_errors(line.extra.get("record_type")))
    if errors:
        raise ValidationFailed("Invalid record.", errors, index=i)


def _check_receivable(lines, bins, inactive_products: set[int]) -> None:
    """An archived bin (``active`` false) and an inactive product take no new stock; both can still be emptied.
    Counts are facts and are not held to this (``post`` skips it for them)."""
    for i, line in enumerate(lines):
        if line.amount <= 0:
            continue
        if not bins[line.bin_id].active:
            raise Conflict(
                f"Bin {line.bin_id} is archived (active: false) and takes no new stock; it can still be emptied.",
                {"binId": ["The bin is archived."]},
                index=i,
            )
        if line.product_id in inactive_products:
            raise Conflict(
                f"Product {line.product_id} is inactive (active: false) and takes no new stock.",
                {"productId": ["The product is inactive."]},
                index=i,
            )


def _check_references(db, tenant_id, lines, bins) -> set[int]:
    """Every bin, product and batch exists in the tenant and each batch is its line's product's; answers the
    inactive products among them."""
    batch_ids = {line.batch_id for line in lines}
    rows = db.execute(
        select(Batch.id, Batch.product_id, Product.active)
        .join(Product, Product.id == Batch.product_id)
        .where(Batch.tenant_id == tenant_id, Batch.id.in_(batch_ids))
    ).all()
    batch_product = {batch_id: product_id for batch_id, product_id, _active in rows}
    inactive = {product_id for _batch, product_id, active in rows if not active}
    # A batch's product is one of its tenant's (batches.create checks it, the foreign key keeps it), so lines whose
    # batches are the tenant's and name their batch's product need no look at the products: one query, usually.
    if all(line.bin_id in bins and batch_product.get(line.batch_id) == line.product_id for line in lines):
        return inactive
    product_ids = {line.product_id for line in lines}
    products = set(db.scalars(select(Product.id).where(Product.tenant_id == tenant_id, Product.id.in_(product_ids))))
    for i, line in enumerate(lines):
        missing = {}
        if line.bin_id not in bins:
            missing["binId"] = [f"Bin {line.bin_id} does not exist."]
        if line.product_id not in products:
            missing["productId"] = [f"Product {line.product_id} does not exist."]
        if line.batch_id not in batch_product:
            missing["batchId"] = [f"Batch {line.batch_id} does not exist."]
        if missing:
            raise NotFound("A referenced object does not exist.", missing, index=i)
        if batch_product[line.batch_id] != line.product_id:
            raise ValidationFailed(
                f"Batch {line.batch_id} belongs to product {batch_product[line.batch_id]}, not {line.product_id}.",
                {"batchId": ["The batch does not belong to the product."]},
                index=i,
            )
    return inactive
