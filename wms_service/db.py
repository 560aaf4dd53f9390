"""Engine, one session per request, and the declarative Base.

SQLite gets WAL, foreign keys and a busy timeout; a request that writes takes SQLite's write lock at BEGIN
(``BEGIN IMMEDIATE``) so two writers never both read a stock level and then both change it, after queueing for
its turn on a file lock (``sqlite_queue.py``). On PostgreSQL the
stock code locks the rows it changes instead (see ``stock/ledger.py``).
"""

import sqlite3
import time
from contextlib import contextmanager

from flask import current_app, g, request
from sqlalchemy import BigInteger, Integer, MetaData, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from . import sqlite_queue

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite so that the column stays an alias of ROWID.
IdType = BigInteger().with_variant(Integer(), "sqlite")

WRITE = "wms_write"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)


def now() -> int:
    return int(time.time())


SQLITE_TIMEOUT = 30
SQLITE_MMAP_BYTES = 256 * 2**20


def make_engine(url: str):
    if url.startswith("sqlite"):
        # ``timeout`` is SQLite's busy timeout (PRAGMA busy_timeout) for writers that do not queue here.
        connect_args = {"check_same_thread": False, "timeout": SQLITE_TIMEOUT}
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            # Writers queue on a file lock beside the database (sqlite_queue.py).
            connect_args["factory"] = sqlite_queue.connection_class(path + "-writers", SQLITE_TIMEOUT)
        engine = create_engine(url, connect_args=connect_args)
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(engine):
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's begin event, not the driver, decide how a transaction starts.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Every other connection's commit empties this connection's page cache (WAL mode), so each write would
        # read its B-tree pages again with read(); mapped, those pages come straight from the OS's file cache.
        # Posting lists of 1000 from 8 clients: about 1.3x the records per second (bench/README.md, "Fixes").
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        if not conn.get_execution_options().get(WRITE):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.dbapi_connection
        queued = hasattr(dbapi_conn, "wait_for_write_turn")  # a file database (make_engine)
        if queued:
            try:
                dbapi_conn.wait_for_write_turn()
            except sqlite3.OperationalError as exc:
                # As SQLAlchemy reports SQLite's own "database is locked": the service answers 503.
                raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if queued:
                dbapi_conn.end_write_turn()
            raise


def init_app(app):
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["wms_engine"] = engine
    app.extensions["wms_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    # The same pool; every transaction a writing session begins, also after a commit, is a write transaction.
    # (Options given to Session.connection() would hold for its first transaction only.)
    app.extensions["wms_write_sessionmaker"] = sessionmaker(
        engine.execution_options(**{WRITE: True}), expire_on_commit=False
    )
    app.teardown_appcontext(_close_session)


def new_session(app=None, *, write=False):
    """A session; with ``write`` its transactions take SQLite's write lock when they begin (on first use)."""
    app = app or current_app
    return app.extensions["wms_write_sessionmaker" if write else "wms_sessionmaker"]()


def reads_only(view):
    """Mark a view that never writes although its method could (Planograma searches are POSTs), so its request
    runs in a read transaction instead of taking SQLite's write lock."""
    view.reads_only = True
    return view


def get_db():
    """The request's session; a request that may write starts a write transaction."""
    if "db" not in g:
        g.db = new_session(write=_may_write())
    return g.db


def _may_write() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return request.method not in ("GET", "HEAD", "OPTIONS") and not getattr(view, "reads_only", False)


@contextmanager
def caller_session():
    """A session to find who is calling with, before the request's own work.

    On SQLite a request that may write takes the database's only write lock at its first statement, and holds
    it to the end; the credential check must not be that statement, or every other worker would wait through
    this request's body parsing and answer as well. There it reads in a short session of its own. A request that
    only reads, and any request on PostgreSQL (which takes no lock for a read), use the request's own session.
    """
    if engine().dialect.name != "sqlite" or not _may_write():
        yield get_db()
        return
    reader = new_session()
    try:
        yield reader
    finally:
        reader.close()


def _close_session(_exc):
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()


def engine():
    return current_app.extensions["wms_engine"]
