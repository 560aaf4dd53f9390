"""The request's database session: it reads, until the unit of work (``transaction.py``) writes through it.

A request's session begins plain read transactions (``BEGIN`` on SQLite: no lock that another worker waits for),
whatever its method: a POST search reads like a GET without being marked. Only ``transaction.unit_of_work`` turns
it into a write transaction (on SQLite it ends the read and begins again with the database's write lock); a
write statement or flush outside it raises ``WriteOutsideUnitOfWork`` instead of quietly taking the write lock
and being rolled back at the end of the request.
"""

from flask import current_app, g
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from ..db import get_engine, new_session

SESSIONS = "wms_request_sessionmaker"
WRITING = "wms_writing"  # in Session.info while the unit of work runs


class WriteOutsideUnitOfWork(RuntimeError):
    """A view wrote without ``web.transaction.unit_of_work``: a bug, answered 500."""


def init_app(app) -> None:
    sessions = sessionmaker(get_engine(app), expire_on_commit=False)
    event.listen(sessions, "before_flush", _refuse_flush)
    event.listen(sessions, "do_orm_execute", _refuse_dml)
    app.extensions[SESSIONS] = sessions
    app.teardown_appcontext(_close_session)


def get_db() -> Session:
    """The request's session, made on first use."""
    if "db" not in g:
        g.db = current_app.extensions[SESSIONS]()
    return g.db


def own_transaction() -> Session:
    """A session of the app's database apart from the request's, whose transactions take SQLite's write lock:
    for a write that must commit whatever becomes of the request (a failed login's count)."""
    return new_session(current_app, write=True)


def _refuse_flush(session, _context, _instances):
    if not session.info.get(WRITING):
        raise WriteOutsideUnitOfWork("Changes flushed outside the unit of work (web.transaction.unit_of_work).")


def _refuse_dml(state):
    if (state.is_insert or state.is_update or state.is_delete) and not state.session.info.get(WRITING):
        raise WriteOutsideUnitOfWork("A write statement outside the unit of work (web.transaction.unit_of_work).")


def _close_session(_exc):
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
