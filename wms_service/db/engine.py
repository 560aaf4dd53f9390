"""The engine and its sessions; on SQLite, the pragmas and the write lock taken at BEGIN.

SQLite gets WAL, foreign keys and a busy timeout. A write transaction takes SQLite's write lock at BEGIN
(``BEGIN IMMEDIATE``), after queueing for its turn on a file lock (``sqlite_queue.py``), so two writers never both
read a stock level and then both change it; every other transaction is a plain read (``BEGIN``). On PostgreSQL
the stock code locks the rows it changes instead (see ``stock/ledger.py``).
"""

import sqlite3

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from . import sqlite_queue

# The execution option that makes a connection's transactions write transactions (BEGIN IMMEDIATE on SQLite).
WRITE = "wms_write"
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


def init_app(app) -> None:
    """The app's engine and session factories, in ``app.extensions``."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["wms_engine"] = engine
    app.extensions["wms_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    # The same pool; every transaction a writing session begins, also after a commit, is a write transaction.
    # (Options given to Session.connection() would hold for its first transaction only.)
    app.extensions["wms_write_sessionmaker"] = sessionmaker(
        engine.execution_options(**{WRITE: True}), expire_on_commit=False
    )


def get_engine(app):
    return app.extensions["wms_engine"]


def new_session(app, *, write: bool = False) -> Session:
    """A session of ``app``'s database (the CLI's, a test's); with ``write`` every transaction it begins takes
    SQLite's write lock. A request uses ``web.session.get_db`` instead."""
    return app.extensions["wms_write_sessionmaker" if write else "wms_sessionmaker"]()
