"""The request's database session: made on first use, rolled back and closed when the request ends."""

from contextlib import contextmanager

from flask import current_app, g, request

from ..db import new_session


def init_app(app) -> None:
    app.teardown_appcontext(_close_session)


def reads_only(view):
    """Mark a view that never writes although its method could (Planograma searches are POSTs), so its request
    runs in a read transaction instead of taking SQLite's write lock."""
    view.reads_only = True
    return view


def get_db():
    """The request's session; a request that may write starts a write transaction."""
    if "db" not in g:
        g.db = new_session(current_app, write=_may_write())
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
    if current_app.extensions["wms_engine"].dialect.name != "sqlite" or not _may_write():
        yield get_db()
        return
    reader = new_session(current_app)
    try:
        yield reader
    finally:
        reader.close()


def _close_session(_exc):
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
