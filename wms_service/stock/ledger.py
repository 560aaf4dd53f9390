"""The ledger: append movements, keep the per-bin totals in step, prove them.

``post`` is the only code that writes stock. It locks the bins it touches (in id order, so two writers never
wait on each other in a cycle), reads the totals under that lock, checks the stock rules line by line and then
appends the records and moves the totals in the same transaction. On SQLite the request already holds the
database write lock (``BEGIN IMMEDIATE``), so the row lock is a no-op there.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, case, func, insert, literal, null, or_, select, text, union_all, update
from sqlalchemy.orm import Session

from ..audit import audit_values
from ..catalog.models import Product
from ..db import now
from ..errors import BinCapacityExceeded, Conflict, InsufficientStock, NotFound, ValidationFailed, at_index
from ..repo import get_or_404
from .models import Batch, Bin, BinInventory, BinInventoryBatch, BinInventoryRecord

REFERENCE_TYPES = (
    "SALES_DOCUMENT",
    "PURCHASE_DOCUMENT",
    "INVENTORY_REGISTRATION",
    "INVENTORY_WRITE_OFF",
    "INVENTORY_TRANSFER",
    "ASSIGNMENT",
)
MAX_LINES = 1000
COPY_FROM = 50  # rows from which PostgreSQL gets them through COPY
IMMUTABLE = ("bin_id", "product_id", "batch_id", "amount")
OPTIONAL = ("reference_type", "reference_id", "prod_amort_type_id", "document_row_id", "orgper_id_dat", "record_type")


@dataclass
class Line:
    """One movement to append: what moves, and the optional document fields."""

    bin_id: int
    product_id: int
    batch_id: int
    amount: int
    extra: dict = field(default_factory=dict)
    reverses_id: int | None = None


def post(db: Session, *, tenant, user, lines: list[Line], single: bool = False) -> "PostedList":
    """Append ``lines`` to the ledger, all or nothing; errors name the failing line's index unless ``single``."""
    if not lines:
        raise ValidationFailed("At least one record is required.")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} records per request.")
    index = (lambda i: None) if single else (lambda i: i)
    for i, line in enumerate(lines):
        _check_line_shape(line, index(i))

    # Everything that does not depend on the stock levels is prepared before the bins are locked: on SQLite that
    # lock is the database's only write lock, which every other writer is waiting for.
    rows = _rows(tenant, lines)
    moves = _Moves.of(lines)

    bins = lock_bins(db, tenant.id, moves.bins)
    _check_references(db, tenant.id, lines, bins, index)
    totals = _read_totals(db, lines)
    _check_rules(tenant, lines, bins, totals, index)
    # The stamp is taken under the lock, so a record's `added` never runs behind one appended before it.
    stamp = audit_values(user)
    stamp = tuple(stamp[name] for name in AUDIT)
    rows = [row + stamp + (new_id,) for row, new_id in zip(rows, _new_record_ids(db, len(rows)), strict=True)]
    _bulk_insert(db, BinInventoryRecord.__table__, COLUMNS, rows)
    _move_totals(db, tenant.id, moves, totals)
    _move_counters(db, [{"_id": b, "all": n, "visible": n} for b, n in sorted(moves.per_bin.items())])
    return PostedList(rows)


def _check_rules(tenant, lines, bins, totals, index):
    """No batch level below zero (unless the tenant allows it), no bin above its capacity, line after line."""
    positions, bin_totals = dict(totals.batch_levels), dict(totals.bin_totals)
    for i, line in enumerate(lines):
        key = (line.bin_id, line.product_id, line.batch_id)
        level = positions.get(key, 0) + line.amount
        if level < 0 and not tenant.allow_negative_stock:
            raise InsufficientStock(
                f"Bin {line.bin_id} holds {positions.get(key, 0)} of product {line.product_id} batch "
                f"{line.batch_id}; cannot take {-line.amount}.",
                at_index(index(i), {"amount": [f"Only {max(positions.get(key, 0), 0)} available."]}),
            )
        total = bin_totals.get(line.bin_id, 0) + line.amount
        capacity = bins[line.bin_id].maximum_amount
        if line.amount > 0 and capacity > 0 and total > capacity:
            raise BinCapacityExceeded(
                f"Bin {line.bin_id} holds {bin_totals.get(line.bin_id, 0)} of at most {capacity}; "
                f"cannot add {line.amount}.",
                at_index(index(i), {"amount": [f"Bin capacity {capacity} would be exceeded."]}),
            )
        positions[key] = level
        bin_totals[line.bin_id] = total


def reverse(db: Session, *, tenant, user, record_id: int) -> "Posted":
    """Append the record that cancels ``record_id`` and mark the original as reversed."""
    original = get_or_404(db, BinInventoryRecord, tenant.id, record_id, "Bin inventory record")
    # Lock the bin first: a concurrent delete of the same record then waits here and sees reversed_by_id set.
    lock_bins(db, tenant.id, {original.bin_id})
    db.refresh(original)
    if original.reversed_by_id is not None:
        raise Conflict(f"Bin inventory record {record_id} was already deleted.")
    if original.reverses_id is not None:
        raise Conflict(f"Bin inventory record {record_id} is itself a reversal and cannot be deleted.")
    extra = {name: getattr(original, name) for name in OPTIONAL}
    line = Line(original.bin_id, original.product_id, original.batch_id, -original.amount, extra, original.id)
    (reversal,) = post(db, tenant=tenant, user=user, lines=[line], single=True)
    original.reversed_by_id = reversal.id
    # post counted the reversal; the original leaves the default listing (still under the bin's lock).
    _move_counters(db, [{"_id": original.bin_id, "all": 0, "visible": -1}])
    return reversal


def _check_line_shape(line: Line, i):
    errors = {}
    if not isinstance(line.amount, int) or line.amount == 0:
        errors["amount"] = ["Must be a non-zero integer."]
    ref_type, ref_id = line.extra.get("reference_type"), line.extra.get("reference_id")
    if (ref_type is None) != (ref_id is None):
        errors["referenceId" if ref_id is None else "referenceType"] = [
            "referenceType and referenceId must be given together."
        ]
    if errors:
        raise ValidationFailed("Invalid record.", at_index(i, errors))


def lock_bins(db, tenant_id, bin_ids) -> dict:
    """Lock the tenant's bins in id order (every writer of a bin's stock or counts goes through here).

    PostgreSQL locks the rows in the order the sorted scan returns them, so lockers never wait in a cycle.

    ``FOR NO KEY UPDATE`` shuts out other posts to these bins and edits of the bins, but not the key-share locks
    that inserts referencing a bin take (a new stocktaking, say), so those never join a lock cycle with a post.

    Returns the locked bins' rows (``id``, ``warehouse_id``, ``maximum_amount``) by id.
    """
    rows = db.execute(
        select(Bin.id, Bin.warehouse_id, Bin.maximum_amount)
        .where(Bin.tenant_id == tenant_id, Bin.id.in_(sorted(bin_ids)))
        .order_by(Bin.id)
        .with_for_update(key_share=True)
    )
    return {row.id: row for row in rows}


def _check_references(db, tenant_id, lines, bins, index):
    batch_ids = {line.batch_id for line in lines}
    batch_product = dict(
        db.execute(
            select(Batch.id, Batch.product_id).where(Batch.tenant_id == tenant_id, Batch.id.in_(batch_ids))
        ).all()
    )
    # A batch's product is one of its tenant's (batches.create checks it, the foreign key keeps it), so lines whose
    # batches are the tenant's and name their batch's product need no look at the products: one query, usually.
    if all(line.bin_id in bins and batch_product.get(line.batch_id) == line.product_id for line in lines):
        return
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
            raise NotFound("A referenced object does not exist.", at_index(index(i), missing))
        if batch_product[line.batch_id] != line.product_id:
            raise ValidationFailed(
                f"Batch {line.batch_id} belongs to product {batch_product[line.batch_id]}, not {line.product_id}.",
                at_index(index(i), {"batchId": ["The batch does not belong to the product."]}),
            )


@dataclass
class _Totals:
    """The projection rows of the locked bins, read once: levels for the rules, row ids for moving them."""

    batch_levels: dict[tuple, int]  # (bin, product, batch) -> amount, for the batches being posted
    batch_ids: dict[tuple, int]
    bin_totals: dict[int, int]  # bin -> everything it holds
    product_ids: dict[tuple, int]  # (bin, product) -> bin_inventory id


def _read_totals(db, lines) -> _Totals:
    bin_ids = {line.bin_id for line in lines}
    b, p = BinInventoryBatch, BinInventory
    # One round trip: the batch rows being posted to, then every product row of the bins (batch_id NULL).
    rows = db.execute(
        union_all(
            select(b.id, b.bin_id, b.product_id, b.batch_id, b.amount).where(
                b.bin_id.in_(bin_ids), b.batch_id.in_({line.batch_id for line in lines})
            ),
            select(p.id, p.bin_id, p.product_id, null(), p.amount).where(p.bin_id.in_(bin_ids)),
        )
    )
    totals = _Totals(batch_levels={}, batch_ids={}, bin_totals={}, product_ids={})
    for row_id, bin_id, product_id, batch_id, amount in rows:
        if batch_id is None:
            totals.bin_totals[bin_id] = totals.bin_totals.get(bin_id, 0) + amount
            totals.product_ids[(bin_id, product_id)] = row_id
        else:
            totals.batch_levels[(bin_id, product_id, batch_id)] = amount
            totals.batch_ids[(bin_id, product_id, batch_id)] = row_id
    return totals


# The ledger's columns in the order ``post`` builds its rows: the stamp and the id last, added once the bins are
# locked.
AUDIT = ("added", "added_by_id", "changed", "changed_by_id", "changed_by")
COLUMNS = (
    "tenant_id",
    "bin_id",
    "product_id",
    "batch_id",
    "amount",
    "reverses_id",
    "reversed_by_id",
    *OPTIONAL,
    *AUDIT,
    "id",
)


class Posted:
    """A record ``post`` just appended, as written: every column of ``bin_inventory_record`` as an attribute.

    Built from the values that went into the INSERT instead of reading the rows back (that read cost a third of
    posting a list of 1000 on SQLite, bench/README.md "Fixes"). The session loads the real row if asked for it.
    """

    def __init__(self, values: dict):
        self.__dict__.update(values)

    def __repr__(self):
        return f"Posted(id={self.id}, bin_id={self.bin_id}, amount={self.amount})"


class PostedList(Sequence):
    """The records of one post, in line order, made into ``Posted`` objects when first looked at: the caller
    does that after its commit, outside the locks."""

    def __init__(self, rows: list[tuple]):
        self._rows = rows
        self._records = None

    def _all(self) -> list[Posted]:
        if self._records is None:
            self._records = [Posted(dict(zip(COLUMNS, row, strict=True))) for row in self._rows]
        return self._records

    def __getitem__(self, i):
        return self._all()[i]

    def as_table(self) -> tuple[tuple[str, ...], list[tuple]]:
        """The records as (column names, rows), for answering without making the objects (erply/fast.py)."""
        return COLUMNS, self._rows

    def __len__(self):
        return len(self._rows)


def _rows(tenant, lines) -> list[tuple]:
    """The ledger rows of ``lines`` in ``COLUMNS`` order, up to the audit stamp and the id."""
    return [
        (
            tenant.id,
            line.bin_id,
            line.product_id,
            line.batch_id,
            line.amount,
            line.reverses_id,
            None,
            *[line.extra.get(name) for name in OPTIONAL],
        )
        for line in lines
    ]


def _bulk_insert(db, table, columns: tuple[str, ...], values: list[tuple]) -> None:
    """Insert ``values`` (tuples in the order of ``columns``) in the session's transaction: the driver's
    executemany (psycopg pipelines it), or COPY for big lists on PostgreSQL, which costs two round trips of its
    own but the least per row.

    SQLAlchemy's executemany spends ~15 µs per row preparing parameters (and on PostgreSQL sends one statement
    with 17 000 of them for 1000 rows); the drivers' own paths do the same insert in a fraction of that.
    """
    dialect = db.get_bind().dialect.name
    cursor = db.connection().connection.cursor()
    placeholder = {"postgresql": "%s", "sqlite": "?"}.get(dialect)
    try:
        if placeholder and (dialect == "sqlite" or len(values) < COPY_FROM):
            cursor.executemany(
                f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([placeholder] * len(columns))})",
                values,
            )
        elif dialect == "postgresql":
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        else:
            db.execute(insert(table), [dict(zip(columns, value, strict=True)) for value in values])
    finally:
        cursor.close()


def _new_record_ids(db, count: int) -> list[int]:
    """``count`` fresh ledger ids in ascending order."""
    if db.get_bind().dialect.name == "postgresql":
        return sorted(
            db.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('bin_inventory_record', 'id')) FROM generate_series(1, :n)"
                ),
                {"n": count},
            )
        )
    # SQLite hands out max(id) + 1 itself; the request holds the write lock (BEGIN IMMEDIATE), so nobody else can
    # take these ids first (and if a caller without it raced, the primary key would refuse the insert, not corrupt).
    top = db.scalar(select(func.coalesce(func.max(BinInventoryRecord.id), 0)))
    return list(range(top + 1, top + 1 + count))


@dataclass
class _Moves:
    """What a post changes, summed from its lines: per (bin, product), per (bin, product, batch), records per bin."""

    per_product: dict[tuple, int]
    per_batch: dict[tuple, int]
    per_bin: dict[int, int]

    @classmethod
    def of(cls, lines) -> "_Moves":
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


def _move_totals(db, tenant_id, moves: _Moves, totals: _Totals):
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
    _expire(db, (BinInventory, BinInventoryBatch), ["amount"])


def _move_counters(db, moves):
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
    _expire(db, Bin, ["record_count", "visible_record_count"])


def _expire(db, models, attributes):
    """Bulk statements bypass the session: what it already holds of ``attributes`` is read again when looked at."""
    for obj in list(db.identity_map.values()):
        if isinstance(obj, models):
            db.expire(obj, attributes)


# --- proof ---------------------------------------------------------------------------------------------------


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
