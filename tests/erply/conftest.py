"""Helpers the Erply-style API tests share: a colleague in the same tenant, a settable clock, a query counter."""
import contextlib

import pytest
from sqlalchemy import event

from wms_service.auth import service as auth
from wms_service.db import new_session

from ..conftest import PASSWORD, Api, login

PREFIXES = ["", "/v1"]


@pytest.fixture
def colleague(app, client, api):
    """A second user of ``api``'s tenant, logged in with a session of its own."""
    session = new_session(app, write=True)
    try:
        tenant = auth.tenant_by_code(session, api.tenant_code)
        user = auth.create_user(session, tenant=tenant, username="colleague", password=PASSWORD)
        session.commit()
        user_id = user.id
    finally:
        session.close()
    body = login(client, api.tenant_code, "colleague").get_json()
    return Api(client, api.tenant_code, "colleague", body["sessionKey"], user_id)


class Clock:
    def __init__(self, start):
        self.seconds = start

    def __call__(self):
        return self.seconds

    def tick(self, seconds=10):
        self.seconds += seconds
        return self.seconds


@pytest.fixture
def clock(monkeypatch):
    """The seconds the audit fields record, moved by the test (the app runs in-process)."""
    fake = Clock(1_900_000_000)
    monkeypatch.setattr("wms_service.audit.now", fake)
    return fake


@contextlib.contextmanager
def counting_selects(app):
    """Count the SELECT statements run inside the block; yields a list whose length is the count."""
    seen = []

    def before(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = app.extensions["wms_engine"]
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def selects_for(app, call):
    """How many SELECTs ``call()`` runs; it must answer 200."""
    with counting_selects(app) as seen:
        response = call()
    assert response.status_code == 200, response.get_json()
    return len(seen)
