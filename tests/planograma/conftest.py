"""Helpers for the Planograma face: a client that speaks to /api as a tenant's host, with Bearer credentials."""

import pytest

from wms_service.auth import service as auth
from wms_service.db import new_session

from ..conftest import PASSWORD, unique_code

HOST_SUFFIX = "wms.test"


class Planograma:
    """A Planograma integration: requests go to ``<tenant>.wms.test`` with ``Bearer user:password``."""

    def __init__(self, client, tenant_code, username="clerk", password=PASSWORD, native=None):
        self.client = client
        self.tenant_code = tenant_code
        self.host = f"{tenant_code}.{HOST_SUFFIX}"
        self.username = username
        self.password = password
        self.native = native  # the same tenant through the Erply-style API, when the test needs it

    @property
    def auth(self):
        return {"Authorization": f"Bearer {self.username}:{self.password}"}

    def call(self, method, path, body=None, *, headers=None, auth=True, **kwargs):
        all_headers = {"Host": self.host, **(self.auth if auth else {}), **(headers or {})}
        if body is not None:
            kwargs["json"] = body
        return getattr(self.client, method)(path, headers=all_headers, **kwargs)

    def ok(self, method, path, body=None, **kwargs):
        """Call and insist on a 200 envelope; returns ``data``."""
        response = self.call(method, path, body, **kwargs)
        envelope = response.get_json()
        assert response.status_code == 200, envelope
        assert envelope["error"] is False and envelope["status"] == 200 and envelope["errorMessage"] is None, envelope
        return envelope["data"]

    def fail(self, method, path, body=None, *, status, **kwargs):
        """Call and insist on an error envelope with ``status``; returns ``errorMessage``."""
        response = self.call(method, path, body, **kwargs)
        envelope = response.get_json()
        assert response.status_code == status, envelope
        assert envelope == {"error": True, "errorMessage": envelope["errorMessage"], "status": status, "data": None}
        assert envelope["errorMessage"]
        return envelope["errorMessage"]

    # Small factories.
    def product(self, **fields):
        return self.ok("put", "/api/product/add", {"name": "Widget", "code": unique_code("P"), **fields})

    def category(self, **fields):
        return self.ok("put", "/api/category/add", {"categoryName": "Tools", **fields})

    def unit(self, **fields):
        return self.ok("put", "/api/measurement-unit/add", {"name": "Piece", "code": unique_code("U"), **fields})

    def company(self, **fields):
        return self.ok("put", "/api/company/add", {"name": "Client SRL", **fields})

    def products(self, **body):
        return self.ok("post", "/api/product/read", body)


def add_user(app, tenant_code, username, *, permissions=(), password=PASSWORD, active=True):
    session = new_session(app, write=True)
    try:
        tenant = auth.tenant_by_code(session, tenant_code)
        user = auth.create_user(session, tenant=tenant, username=username, password=password, permissions=permissions)
        user.active = active
        session.commit()
        return user.id
    finally:
        session.close()


@pytest.fixture
def pg(client, api):
    """A Planograma client for ``api``'s tenant (an ADMIN user), with ``pg.native`` the Erply-style client."""
    return Planograma(client, api.tenant_code, native=api)


@pytest.fixture
def shelf(pg):
    """A warehouse with one bin holding 5 of a product (received through the native API)."""
    api = pg.native
    warehouse = api.warehouse(name="Main")
    pos = api.stock_position(warehouse_id=warehouse["id"])
    assert api.record(pos, 5).status_code == 201
    return {**pos, "warehouse": warehouse}
