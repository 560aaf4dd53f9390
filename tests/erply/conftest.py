"""Helpers the Erply-style API tests share: a colleague in the same tenant, a settable clock, a query counter."""

import pytest

from wms_service.auth import service as auth
from wms_service.db import new_session

from ..conftest import PASSWORD, Api, login, recorded_sql

PREFIXES = ["", "/v1"]


@pytest.fixture
def colleague(app, client, api):
    """A second user of ``api``'s tenant, logged in with a session of its own."""
    session = new_session(app, write=True)
    try:
        tenant = auth.tenant_by_code(session, api.tenant_code)
        # A colleague who may write what the tests have them write (CONTRACT section 9: writes need permissions).
        user = auth.create_user(
            session, tenant=tenant, username="colleague", password=PASSWORD, permissions=["CATALOG", "STOCK"]
        )
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


def selects_for(app, call):
    """How many SELECTs ``call()`` runs; it must answer 200."""
    with recorded_sql(app) as statements:
        response = call()
    assert response.status_code == 200, response.get_json()
    return sum(1 for statement in statements if statement.lstrip().upper().startswith("SELECT"))
