"""The ledger's rows as SQL sees them: the column order, the bulk insert, fresh ids, and the posted records.

Kept apart from the rules (``ledger.py``): this is how a post's rows reach the table fast, not what may be posted.
"""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from .models import BinInventoryRecord

if TYPE_CHECKING:
    from .ledger import Line

COPY_FROM = 50  # rows from which PostgreSQL gets them through COPY
# The document fields a record carries besides what it moves; clients may edit them later.
OPTIONAL = ("reference_type", "reference_id", "prod_amort_type_id", "document_row_id", "orgper_id_dat", "record_type")
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
        # A count's post: the document lines whose reservations it cut and could not move (refit.Shortfall).
        self.shortfalls = []

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


def rows(tenant_id: int, lines: Iterable["Line"]) -> list[tuple]:
    """The ledger rows of ``lines`` in ``COLUMNS`` order, up to the audit stamp and the id."""
    return [
        (
            tenant_id,
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


def bulk_insert(db: Session, table: Table, columns: tuple[str, ...], values: list[tuple]) -> None:
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


def new_record_ids(db: Session, count: int) -> list[int]:
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
