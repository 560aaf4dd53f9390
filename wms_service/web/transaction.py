"""The unit of work: a request's one write transaction, begun, committed or rolled back here and nowhere else.

A view pulls its values from the request, then runs its one service call inside ``unit_of_work()``; a create that
honours ``Idempotency-Key`` goes through ``create()``, which adds the key's claim and stored answer. Views never
commit. Everything before the block, the caller's look-up included, reads.

On SQLite the database has one writer at a time, so the block starts by ending the request's read transaction
and beginning a write transaction, which waits for its turn on the writers' file lock and takes SQLite's write lock
at ``BEGIN IMMEDIATE`` (``db/engine.py``): the read-check-write of the stock rules is serialized, and nobody waits
through this request's authentication or body parsing. On PostgreSQL the request's transaction simply goes on;
the stock code locks the rows it changes.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import g, jsonify
from sqlalchemy.orm import Session

from ..db import WRITE
from . import idempotency, permissions
from .session import WRITING, get_db

T = TypeVar("T")


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The request's session in a write transaction, committed when the block ends, rolled back if it raises.

    The caller must hold the permission the request's blueprint declares for its writes (``permissions.py``).
    """
    db = get_db()
    if db.info.get(WRITING):
        raise RuntimeError("A request has one unit of work; it does not nest.")
    permissions.check_write()
    _begin(db)
    db.info[WRITING] = True
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        db.info.pop(WRITING, None)


def _begin(db: Session) -> None:
    if db.get_bind().dialect.name != "sqlite":
        return
    if db.in_transaction():
        # The read so far (the caller's look-up) wrote nothing; ending it keeps what it loaded.
        db.commit()
    # Options given here hold for this transaction only: after the commit, reads begin plain transactions again.
    db.connection(execution_options={WRITE: True})


def create(work: Callable[[Session], T], *, answer: Callable[[T], Any], status: int):
    """Run ``work(db)`` in the unit of work and answer ``answer(result)`` with ``status``, as a JSON response.

    With an ``Idempotency-Key`` the key is claimed first in the same transaction: a request seen before answers its
    stored response and does no work; otherwise the answer is built inside the transaction and stored with the
    work. Without a key the answer is built after the commit, so the write lock (SQLite) or the bins' row locks
    are released first.
    """
    idempotency.requested_key()  # a malformed key is a 400 before any lock is taken
    with unit_of_work() as db:
        stored = idempotency.claim(db, g.tenant.id)
        if stored is not None:
            body, stored_status = stored
            return jsonify(body), stored_status
        result = work(db)
        keyed = idempotency.claimed()
        if keyed:
            body = answer(result)
            idempotency.remember(body, status)
    if not keyed:
        body = answer(result)
    return jsonify(body), status
