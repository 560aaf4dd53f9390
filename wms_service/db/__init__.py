"""The database, without the web: the declarative Base and column types, the engine and its sessions.

Nothing here imports Flask, so the domain (stock/, catalog/, auth/, documents/) and the CLI use it directly. The
request's own session and its one write transaction are the web's business (``web/session.py``,
``web/transaction.py``).
"""

import time

from sqlalchemy import BigInteger, Integer, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .engine import SQLITE_TIMEOUT, WRITE, get_engine, init_app, make_engine, new_session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite so that the column stays an alias of ROWID.
IdType = BigInteger().with_variant(Integer(), "sqlite")
# Ids are issued from 1 and stay within what a JSON client can hold exactly (a double's integers); an id beyond
# that names nothing, and would overflow the database's integer parameter. Every face's id fields check it.
MAX_ID = 2**53


class Quantity(TypeDecorator):
    """A stock amount or a per-bin total: 64 bits on both engines (migration 0007).

    SQLite's INTEGER already holds 64 bits, so it stays INTEGER there (no table copy); PostgreSQL's becomes BIGINT.
    PostgreSQL sums BIGINT as NUMERIC, so a sum of a Quantity is read back as an int, not a Decimal.
    """

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else BigInteger())

    def process_result_value(self, value, dialect):
        return value if value is None or type(value) is int else int(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A document's id is never given again, not even after a delete: an ERP keeps the ids it was answered and its
# webhooks name them (PostgreSQL's sequences never reuse; SQLite reuses the highest id unless told).
NEVER_REUSED = {"sqlite_autoincrement": True}


class IdMixin:
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)


def now() -> int:
    return int(time.time())


__all__ = [
    "SQLITE_TIMEOUT",
    "WRITE",
    "Base",
    "IdMixin",
    "NEVER_REUSED",
    "IdType",
    "MAX_ID",
    "Quantity",
    "get_engine",
    "init_app",
    "make_engine",
    "new_session",
    "now",
]
