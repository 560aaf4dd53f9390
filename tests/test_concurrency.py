"""The stock rules and Idempotency-Key under real parallel clients: gunicorn with 3 workers, on each backend.

Each test starts its clients together at a barrier and checks exact outcomes (how many succeeded, what the totals
are), then proves the projection against the ledger. Only the counts are asserted, never how long anything took.
At the end, the locking those outcomes rest on is checked directly: BEGIN IMMEDIATE on SQLite, the row lock
mode on PostgreSQL, and that a login checks its password outside the write lock.
"""

import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from wms_service.auth import service as auth_service
from wms_service.auth.models import Tenant, User
from wms_service.db import new_session
from wms_service.stock import ledger, proof
from wms_service.stock.models import Bin

from .conftest import PASSWORD, make_tenant, recorded_sql, unique_code
from .gunicorn import ROOT, TIMEOUT, Gunicorn


def on_gunicorn(test):
    """Tests against the shared gunicorn: slow, and kept on one xdist worker so each backend starts one server."""
    return pytest.mark.slow(pytest.mark.xdist_group("gunicorn")(test))


@pytest.fixture(scope="module")
def server(database_url):
    """A gunicorn with 3 workers on this backend's database; yields (base url, path of its error log)."""
    gunicorn = Gunicorn(database_url, workers=3).start()
    try:
        yield gunicorn.base, gunicorn.log
    finally:
        gunicorn.close()


class Client:
    """A logged-in Erply client over real HTTP; each thread makes its own (requests.Session is not shared)."""

    def __init__(self, base, code, session_key):
        self.base = base
        self.headers = {"clientCode": code, "sessionKey": session_key}
        self.http = requests.Session()

    def clone(self):
        return Client(self.base, self.headers["clientCode"], self.headers["sessionKey"])

    def request(self, method, path, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.http.request(method, self.base + path, headers=headers, timeout=TIMEOUT, **kwargs)

    def create(self, path, body):
        response = self.request("POST", path, json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def total(self, path):
        response = self.request("GET", path)
        assert response.status_code == 200, response.text
        return int(response.headers["X-Total-Count"])

    def amount(self, bin_id, product_id):
        rows = self.request("GET", f"/bin-inventory?binId={bin_id}&productId={product_id}").json()
        return rows[0]["amount"] if rows else 0


@pytest.fixture
def remote(server, app):
    base, _log = server
    _tid, code, _uid = make_tenant(app)
    response = requests.post(
        base + "/v1/session", json={"clientCode": code, "username": "clerk", "password": PASSWORD}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return Client(base, code, response.json()["sessionKey"])


@pytest.fixture
def position(remote):
    """A bin, a product and a batch of it; the bin takes extra fields through ``position(**bin_fields)``."""

    def make(**bin_fields):
        warehouse = remote.create("/warehouse", {"code": unique_code("W"), "name": "Main"})
        product = remote.create("/product", {"code": unique_code("P"), "name": "Widget"})
        batch = remote.create(
            "/batch", {"productId": product["id"], "expiryDate": "2030-01-31", "batchCode": [unique_code("B")]}
        )
        bin_ = remote.create(
            "/bin", {"warehouseId": warehouse["id"], "code": unique_code("A-"), "active": True, **bin_fields}
        )
        return {"bin": bin_["id"], "product": product["id"], "batch": batch["id"], "warehouse": warehouse["id"]}

    return make


def line(pos, amount, bin_id=None):
    return {"binId": bin_id or pos["bin"], "productId": pos["product"], "batchId": pos["batch"], "amount": amount}


def in_parallel(remote, bodies, headers=None):
    """POST each body to /bin-inventory-record from its own thread and connection, all released at once.

    Returns the responses in the order of ``bodies``.
    """
    barrier = threading.Barrier(len(bodies), timeout=TIMEOUT)

    def send(body):
        own = remote.clone()
        barrier.wait()
        return own.request("POST", "/bin-inventory-record", json=body, headers=headers or {})

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        futures = [pool.submit(send, body) for body in bodies]
        return [f.result(timeout=TIMEOUT * 2) for f in futures]


def statuses(responses):
    counts = {}
    for r in responses:
        counts[r.status_code] = counts.get(r.status_code, 0) + 1
    return counts


def assert_ledger_verifies(app, tenant_code):
    session = new_session(app)
    try:
        tenant_id = auth_service.tenant_by_code(session, tenant_code).id
        mismatches = [m for m in proof.verify(session) if m.tenant_id == tenant_id]
    finally:
        session.close()
    assert mismatches == []


def assert_clean_log(server):
    """The server never reported a locked database or an unhandled error."""
    log = server[1].read_text()
    for sign in ("database is locked", "Traceback", "deadlock detected", "WORKER TIMEOUT"):
        assert sign not in log, log


def assert_cli_ledger_verifies(app):
    """``wms-service ledger verify`` over the whole database exits 0 (every total equals its ledger sums)."""
    cli = subprocess.run(
        [sys.executable, "-c", "from wms_service.cli import main; main()", "ledger", "verify"],
        env={**os.environ, "WMS_DATABASE_URL": app.config["DATABASE_URL"]},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr


@on_gunicorn
def test_last_units_go_to_exactly_as_many_clients(app, server, remote, position):
    pos = position()
    assert remote.request("POST", "/bin-inventory-record", json=line(pos, 10)).status_code == 201

    responses = in_parallel(remote, [line(pos, -1) for _ in range(30)])

    assert statuses(responses) == {201: 10, 409: 20}
    assert all(r.json()["code"] == 409 for r in responses if r.status_code == 409)
    assert remote.amount(pos["bin"], pos["product"]) == 0
    assert remote.total(f"/bin-inventory-record?binId={pos['bin']}") == 11
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)


@on_gunicorn
def test_bin_capacity_holds_under_parallel_adds(app, server, remote, position):
    pos = position(maximumAmount=10)

    responses = in_parallel(remote, [line(pos, 1) for _ in range(30)])

    assert statuses(responses) == {201: 10, 409: 20}
    assert remote.amount(pos["bin"], pos["product"]) == 10
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_clean_log(server)


@on_gunicorn
def test_lists_over_two_bins_in_opposite_orders_never_deadlock(app, server, remote, position):
    pos = position()
    other = remote.create("/bin", {"warehouseId": pos["warehouse"], "code": unique_code("B-"), "active": True})["id"]
    a, b = pos["bin"], other
    remote.create("/bin-inventory-record", [line(pos, 3, a), line(pos, 3, b)])
    shapes = [
        [line(pos, -1, a), line(pos, 1, b)],  # move A -> B
        [line(pos, -1, b), line(pos, 1, a)],  # move B -> A
        [line(pos, -2, b), line(pos, -2, a)],  # take from both, B first: fails once either runs low
        [line(pos, 1, a), line(pos, -1, b), line(pos, 1, b)],  # touches A, B, B
    ]
    bodies = [shapes[i % len(shapes)] for i in range(24)]

    responses = in_parallel(remote, bodies)

    counts = statuses(responses)
    assert set(counts) <= {201, 409}, {r.status_code: r.text for r in responses}
    assert counts.get(201, 0) >= 1
    moved = {a: 3, b: 3}
    for body, response in zip(bodies, responses, strict=True):
        if response.status_code == 201:
            assert [r["amount"] for r in response.json()] == [item["amount"] for item in body]
            for item in body:
                moved[item["binId"]] += item["amount"]
    assert remote.amount(a, pos["product"]) == moved[a]
    assert remote.amount(b, pos["product"]) == moved[b]
    successes = sum(len(body) for body, r in zip(bodies, responses, strict=True) if r.status_code == 201)
    assert remote.total(f"/bin-inventory-record?productId={pos['product']}") == 2 + successes
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_clean_log(server)


@on_gunicorn
def test_same_idempotency_key_at_once_writes_once(app, server, remote, position):
    pos = position()
    key = uuid.uuid4().hex

    responses = in_parallel(remote, [line(pos, 5) for _ in range(12)], headers={"Idempotency-Key": key})

    assert statuses(responses) == {201: 12}, [r.text for r in responses]
    bodies = [r.json() for r in responses]
    assert all(body == bodies[0] for body in bodies)
    assert remote.total(f"/bin-inventory-record?binId={pos['bin']}") == 1
    assert remote.amount(pos["bin"], pos["product"]) == 5
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_clean_log(server)


def _orders_in_parallel(remote, bodies):
    """PUT each body to /api/order/add as a Planograma client (Bearer, the tenant's host), all released at once."""
    headers = {"Authorization": f"Bearer clerk:{PASSWORD}", "Host": f"{remote.headers['clientCode']}.wms.test"}
    barrier = threading.Barrier(len(bodies), timeout=TIMEOUT)

    def send(body):
        http = requests.Session()
        barrier.wait()
        return http.put(remote.base + "/api/order/add", json=body, headers=headers, timeout=TIMEOUT)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        futures = [pool.submit(send, body) for body in bodies]
        return [f.result(timeout=TIMEOUT * 2) for f in futures]


@on_gunicorn
def test_orders_racing_for_the_last_units_never_over_reserve(app, server, remote, position):
    pos = position(active=True)
    assert remote.request("POST", "/bin-inventory-record", json=line(pos, 10)).status_code == 201

    def order(external_id):
        wanted = [{"productId": pos["product"], "quantity": 1}]
        return {"externalOrderId": external_id, "warehouseId": pos["warehouse"], "orderProducts": wanted}

    responses = _orders_in_parallel(remote, [order(f"R-{i}") for i in range(30)])

    assert statuses(responses) == {200: 30}, [r.text for r in responses]
    added = [r.json()["data"]["status"] for r in responses]
    assert {s: added.count(s) for s in set(added)} == {"READY_FOR_PICKING": 10, "WAITING_FOR_SUPPLY": 20}
    # Taking what is reserved is refused: all 10 are promised.
    taken = remote.request("POST", "/bin-inventory-record", json=line(pos, -1))
    assert taken.status_code == 409, taken.text

    same = _orders_in_parallel(remote, [order("SAME") for _ in range(6)])

    assert statuses(same) == {200: 1, 409: 5}, [r.text for r in same]
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_clean_log(server)


# --- the locking itself, deterministically (no server) ----------------------------------------------------------


def _statements(app, work):
    """The SQL ``work()`` sends, in order."""
    with recorded_sql(app) as seen:
        work()
    return seen


def test_write_sessions_take_the_sqlite_write_lock_at_every_begin(app, database_url, api):
    if not database_url.startswith("sqlite"):
        pytest.skip("BEGIN IMMEDIATE is SQLite's")

    def two_transactions(write):
        session = new_session(app, write=write)
        try:
            for _ in range(2):
                session.execute(text("SELECT 1"))
                session.commit()
        finally:
            session.close()

    begins = lambda seen: [s for s in seen if s.startswith("BEGIN")]  # noqa: E731
    assert begins(_statements(app, lambda: two_transactions(True))) == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]
    assert begins(_statements(app, lambda: two_transactions(False))) == ["BEGIN", "BEGIN"]
    # Through HTTP: a POST finds its caller in a read transaction (no other worker waits through that or the
    # body's parsing), then does all its work under the lock; a GET only reads.
    posted = _statements(app, lambda: api.warehouse())
    assert begins(posted) == ["BEGIN", "BEGIN IMMEDIATE"]
    immediate = posted.index("BEGIN IMMEDIATE")
    assert any("FROM api_session" in s for s in posted[:immediate])
    assert any(s.startswith("INSERT INTO warehouse") for s in posted[immediate:])
    assert begins(_statements(app, lambda: api.get("/warehouse"))) == ["BEGIN"]
    # Planograma searches are POSTs that never enter the unit of work: the credential check and the search share one read
    # transaction; an add checks the credentials in a read transaction and writes under the lock.
    planograma = {"Host": f"{api.tenant_code}.wms.test", "Authorization": f"Bearer clerk:{PASSWORD}"}
    search = _statements(app, lambda: api.client.post("/api/category/read", json={}, headers=planograma))
    assert begins(search) == ["BEGIN"]
    added = _statements(
        app, lambda: api.client.put("/api/category/add", json={"categoryName": "Tools"}, headers=planograma)
    )
    assert begins(added) == ["BEGIN", "BEGIN IMMEDIATE"]


def _bearer_write(client, code):
    return client.put(
        "/api/category/add",
        json={"categoryName": "Tools"},
        headers={"Host": f"{code}.wms.test", "Authorization": f"Bearer clerk:{PASSWORD}"},
    )


def _login(client, code):
    return client.post("/v1/session", json={"clientCode": code, "username": "clerk", "password": PASSWORD})


@pytest.mark.parametrize("request_with_password", [_login, _bearer_write], ids=["session", "bearer-write"])
def test_passwords_are_checked_outside_any_write_transaction(
    app, database_url, client, monkeypatch, request_with_password
):
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite has a database-wide write lock to hold")
    _tid, code, _uid = make_tenant(app)
    real_check = auth_service.check_password_hash
    free = []

    def check_and_probe(stored, password):
        # Another connection that refuses to wait gets the write lock only if the request does not hold it.
        probe = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            probe.close()
        return real_check(stored, password)

    monkeypatch.setattr(auth_service, "check_password_hash", check_and_probe)
    response = request_with_password(client, code)

    assert response.status_code == 200, response.get_json()
    assert free == [True]


def test_a_post_locks_its_bins_against_writers_but_not_against_references(app, database_url, api):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's")
    pos = api.stock_position()
    bin_id = pos["bin"]["id"]
    writer, other = new_session(app, write=True), new_session(app)
    try:
        tenant = writer.scalar(select(Tenant).where(Tenant.code == api.tenant_code))
        user = writer.get(User, api.user_id)
        ledger.post(
            writer, tenant=tenant, user=user, lines=[ledger.Line(bin_id, pos["product"]["id"], pos["batch"]["id"], 1)]
        )
        lock = select(Bin.id).where(Bin.id == bin_id)
        # The key-share lock is what an insert referencing the bin (a new stocktaking, say) takes: it is free.
        assert other.execute(lock.with_for_update(read=True, key_share=True, nowait=True)).all() == [(bin_id,)]
        other.rollback()
        # A second post (or an edit of the bin) would have to wait.
        with pytest.raises(OperationalError, match="could not obtain lock"):
            other.execute(lock.with_for_update(key_share=True, nowait=True)).all()
    finally:
        other.rollback()
        other.close()
        writer.rollback()
        writer.close()
