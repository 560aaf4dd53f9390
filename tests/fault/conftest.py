"""Fault-test helpers: a database of the test's own, and a gunicorn that can be killed and started again."""

import uuid

import pytest
import requests

from ..conftest import PASSWORD, fresh_database
from ..gunicorn import TIMEOUT, Gunicorn


def slow_gunicorn(test):
    """Starts gunicorn: slow, and kept on one xdist worker with the other gunicorn tests."""
    return pytest.mark.slow(pytest.mark.xdist_group("gunicorn")(test))


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    """A migrated database used by this test alone, so ``ledger verify`` over all of it means this test's ledger."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def gunicorn():
    """Start with ``gunicorn(url)``; every server started is stopped at the end, whatever happened."""
    servers = []

    def start(database_url, workers=3):
        servers.append(Gunicorn(database_url, workers).start())
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def session_headers(base, code):
    response = requests.post(
        base + "/v1/session", json={"clientCode": code, "username": "clerk", "password": PASSWORD}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return {"clientCode": code, "sessionKey": response.json()["sessionKey"]}


def stock_positions(base, headers, bins=4):
    """A warehouse, a product with a batch, and ``bins`` bins: [(bin, product, batch)]."""

    def create(path, body):
        response = requests.post(base + path, json=body, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        return response.json()

    tag = uuid.uuid4().hex[:8]
    warehouse = create("/warehouse", {"code": f"W{tag}", "name": "Main"})
    product = create("/product", {"code": f"P{tag}", "name": "Widget"})
    batch = create("/batch", {"productId": product["id"], "expiryDate": "2030-01-31", "batchCode": [f"L{tag}"]})
    made = create(
        "/bin", [{"warehouseId": warehouse["id"], "code": f"B{tag}-{i}", "active": True} for i in range(bins)]
    )
    return [(b["id"], product["id"], batch["id"]) for b in made]
