"""SQLite writers take turns on a file lock, so a waiting writer starts as soon as the last one is done.

SQLite has one writer at a time. A connection that finds the write lock taken is put to sleep by SQLite's busy
handler in growing steps (1, 2, 5, 10 ... 100 ms) and only then looks again, so under a burst of posts from
several gunicorn workers the lock sat free while the next writer slept: posting lists from 8 clients was
slower than from one, with second-long tails (bench/README.md, "Fixes"). Here every write transaction first
takes an exclusive ``flock`` on a file next to the database, polling it every few hundred microseconds, and
gives it back the moment its COMMIT or ROLLBACK returns. The kernel drops the lock of a process that dies.

SQLite's own lock and busy timeout stay underneath, for any writer that does not queue here.
"""

import fcntl
import os
import sqlite3
import time

FIRST_POLL = 0.0002
LONGEST_POLL = 0.002


def _open(lock_path: str) -> int:
    """The lock file, made readable by everyone who can use the database (the umask decides, as for the
    database itself): ``flock`` needs only a descriptor, so a file another user made is opened read-only."""
    try:
        return os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:
        return os.open(lock_path, os.O_RDONLY)


def connection_class(lock_path: str, timeout: float) -> type[sqlite3.Connection]:
    """A ``sqlite3.Connection`` subclass (the driver's ``factory``) whose write turns queue on ``lock_path``."""

    class QueuedConnection(sqlite3.Connection):
        _lock_fd: int | None = None
        _holding = False

        def wait_for_write_turn(self) -> None:
            """Block until no other queued connection is writing; raise like SQLite after ``timeout`` seconds."""
            if self._lock_fd is None:
                self._lock_fd = _open(lock_path)
            deadline = time.monotonic() + timeout
            pause = FIRST_POLL
            while True:
                try:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise sqlite3.OperationalError("database is locked") from None
                    time.sleep(pause)
                    pause = min(pause * 2, LONGEST_POLL)
                    continue
                self._holding = True
                return

        def end_write_turn(self) -> None:
            if self._holding:
                self._holding = False
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

        def commit(self):
            try:
                super().commit()
            finally:
                self.end_write_turn()

        def rollback(self):
            try:
                super().rollback()
            finally:
                self.end_write_turn()

        def close(self):
            try:
                super().close()
            finally:
                self.end_write_turn()
                if self._lock_fd is not None:
                    os.close(self._lock_fd)
                    self._lock_fd = None

    return QueuedConnection
