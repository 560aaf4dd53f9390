"""SQLite connections: writers queue on a file lock beside the database (wms_service/db/sqlite_queue.py), pages are mapped."""

import fcntl
import os
import sqlite3
import threading

import pytest
from sqlalchemy import text

from wms_service.db import WRITE, make_engine, sqlite_queue


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE turn (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    engine.dispose()


def lock_is_free(path) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def writer(engine):
    return engine.execution_options(**{WRITE: True})


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_write_transaction_holds_the_turn_until_it_ends(engine, end):
    lock = engine.url.database + "-writers"
    conn = writer(engine).connect()
    conn.begin()
    conn.execute(text("INSERT INTO turn (who) VALUES ('a')"))
    assert not lock_is_free(lock)
    getattr(conn, end)()
    assert lock_is_free(lock)
    conn.close()
    with engine.connect() as reader:
        assert reader.execute(text("SELECT count(*) FROM turn")).scalar() == (1 if end == "commit" else 0)


def test_reads_do_not_queue(engine):
    lock = engine.url.database + "-writers"
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM turn"))
        assert lock_is_free(lock)


def test_a_waiting_writer_goes_when_the_holder_commits(engine):
    first = writer(engine).connect()
    first.begin()
    first.execute(text("INSERT INTO turn (who) VALUES ('first')"))
    started, done = threading.Event(), threading.Event()

    def second():
        with writer(engine).begin() as conn:
            started.set()
            conn.execute(text("INSERT INTO turn (who) VALUES ('second')"))
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not started.wait(0.3)  # still queued behind the open transaction
    first.commit()
    first.close()
    thread.join(10)
    assert done.is_set()
    with engine.connect() as conn:
        assert [w for (w,) in conn.execute(text("SELECT who FROM turn ORDER BY id"))] == ["first", "second"]


def test_a_writer_that_waits_too_long_fails_like_sqlite(tmp_path):
    path = str(tmp_path / "slow.sqlite3")
    cls = sqlite_queue.connection_class(path + "-writers", timeout=0.05)
    holder, waiter = sqlite3.connect(path, factory=cls), sqlite3.connect(path, factory=cls)
    holder.wait_for_write_turn()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        waiter.wait_for_write_turn()
    holder.commit()  # no transaction open: still ends the turn
    waiter.wait_for_write_turn()
    waiter.close()
    holder.close()
    assert lock_is_free(path + "-writers")


def test_connections_read_the_database_through_a_memory_map(engine):
    # Another connection's commit empties a connection's page cache; mapped pages are re-read from the OS cache.
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 256 * 2**20
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_writer_that_waits_too_long_is_told_the_database_is_busy(tmp_path, monkeypatch):
    # The service answers SQLAlchemy's OperationalError with a 503 (errors.py), as for SQLite's own busy error.
    from sqlalchemy.exc import OperationalError

    from wms_service.db import engine as db

    monkeypatch.setattr(db, "SQLITE_TIMEOUT", 0.05)
    engine = make_engine(f"sqlite:///{tmp_path / 'busy.sqlite3'}")
    holder = os.open(engine.url.database + "-writers", os.O_RDWR | os.O_CREAT)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            with writer(engine).begin() as conn:
                conn.execute(text("SELECT 1"))
    finally:
        os.close(holder)
    with writer(engine).begin() as conn:  # the turn is free again, and the connection still usable
        conn.execute(text("SELECT 1"))
    engine.dispose()


def test_the_lock_file_is_shared_by_everyone_who_can_use_the_database(engine, tmp_path):
    # An operator's `wms-service db upgrade` and the server may run as different users: the file one of them
    # creates must open for the other (flock needs no write access, so a read-only open is enough).
    lock = engine.url.database + "-writers"
    with writer(engine).begin() as conn:
        conn.execute(text("SELECT 1"))
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(lock).st_mode & 0o777 == 0o666 & ~umask  # as any file the user makes, not private
    os.chmod(lock, 0o444)
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a read-only descriptor takes the turn too
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def test_sqlite_waits_as_long_as_the_queue(engine):
    # One timeout for both: the queue's turn and SQLite's own busy handler (the driver's ``timeout``).
    from wms_service.db import SQLITE_TIMEOUT

    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_TIMEOUT * 1000
