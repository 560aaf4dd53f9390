"""Fixtures: every test runs on SQLite and on PostgreSQL, each in a fresh database made for this run.

Tests isolate themselves by tenant (each gets a new one), which is also what the service promises its clients.
In CI (CI=true) a PostgreSQL server that cannot be reached fails the run; elsewhere those tests skip.
"""

import contextlib
import itertools
import os
import uuid

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import event

# Cheap password hashes for the suite (each HTTP test checks a password or two); tests/auth/test_passwords.py
# proves that the service itself uses scrypt. Set before the app is imported, and inherited by the gunicorn
# servers the slow tests start.
os.environ.setdefault("WMS_PASSWORD_METHOD", "pbkdf2:sha256:1")

from wms_service import create_app  # noqa: E402
from wms_service.auth import service as auth
from wms_service.db import new_session  # noqa: E402
from wms_service.errors import at_index  # noqa: E402

# Property tests check behaviour, never speed: on a busy 2-core CI machine a slow example is not a failure.
settings.register_profile("wms", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("wms")

PG_ADMIN_URL = os.environ.get("WMS_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery"
_codes = itertools.count(1)


def _pg_database():
    import psycopg

    name = f"wms_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI requires it)")
        pytest.skip(message)
    admin.execute(f'CREATE DATABASE "{name}"')
    return admin, name


@contextlib.contextmanager
def fresh_database(kind: str, directory):
    """A migrated, empty database of ``kind`` ("sqlite" in ``directory``, or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        url = "sqlite:///" + str(directory / "wms.sqlite3")
        _migrate(url)
        yield url
        return
    admin, name = _pg_database()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        _migrate(url)
        yield url
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A migrated, empty database for this test run."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@contextlib.contextmanager
def recorded_sql(app):
    """The SQL statements the app sends inside the block, in order."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.extensions["wms_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _migrate(url):
    app = create_app({"DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    app.extensions["wms_engine"].dispose()


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    yield app
    app.extensions["wms_engine"].dispose()


@pytest.fixture
def db(app):
    """A plain database session for the domain-level tests (no HTTP)."""
    session = new_session(app, write=True)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(app):
    return app.test_client()


def unique_code(prefix="t"):
    return f"{prefix}{os.getpid()}x{next(_codes)}x{uuid.uuid4().hex[:6]}"


class Api:
    """A logged-in Erply-style client: a fresh tenant, an ADMIN user and an open session."""

    def __init__(self, client, tenant_code, username, session_key, user_id):
        self.client = client
        self.tenant_code = tenant_code
        self.username = username
        self.user_id = user_id
        self.headers = {"clientCode": tenant_code, "sessionKey": session_key}

    def _call(self, method, path, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return getattr(self.client, method)(path, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, **kw):
        return self._call("post", path, **kw)

    def put(self, path, **kw):
        return self._call("put", path, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)

    def create(self, path, body):
        """POST and insist on 201, returning the JSON."""
        response = self.post(path, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    # Small factories, in the order stock needs them.
    def warehouse(self, **fields):
        return self.create("/warehouse", {"code": unique_code("W"), "name": "Main", **fields})

    def product(self, **fields):
        return self.create("/product", {"code": unique_code("P"), "name": "Widget", **fields})

    def batch(self, product_id, **fields):
        return self.create(
            "/batch", {"productId": product_id, "expiryDate": "2030-01-31", "batchCode": [unique_code("B")], **fields}
        )

    def bin(self, warehouse_id=None, **fields):
        warehouse_id = warehouse_id or self.warehouse()["id"]
        return self.create("/bin", {"warehouseId": warehouse_id, "code": unique_code("A-"), "active": True, **fields})

    def stock_position(self, **bin_fields):
        """A bin, a product and a batch of it: everything a record needs."""
        product = self.product()
        return {"bin": self.bin(**bin_fields), "product": product, "batch": self.batch(product["id"])}

    def record(self, pos, amount, **fields):
        body = {
            "binId": pos["bin"]["id"],
            "productId": pos["product"]["id"],
            "batchId": pos["batch"]["id"],
            "amount": amount,
            **fields,
        }
        return self.post("/bin-inventory-record", json=body)

    def inventory(self, bin_id, product_id):
        rows = self.get(f"/bin-inventory?binId={bin_id}&productId={product_id}").get_json()
        assert len(rows) <= 1
        return rows[0] if rows else None


def make_tenant(app, *, permissions=("ADMIN",), username="clerk", allow_negative_stock=False, hosts=()):
    code = unique_code()
    session = new_session(app, write=True)
    try:
        tenant = auth.create_tenant(session, code=code, hosts=hosts, allow_negative_stock=allow_negative_stock)
        user = auth.create_user(session, tenant=tenant, username=username, password=PASSWORD, permissions=permissions)
        session.commit()
        return tenant.id, code, user.id
    finally:
        session.close()


def login(client, code, username="clerk", password=PASSWORD):
    return client.post("/v1/session", json={"clientCode": code, "username": username, "password": password})


@pytest.fixture
def make_api(app, client):
    def make(**kwargs):
        _tid, code, user_id = make_tenant(app, **kwargs)
        body = login(client, code, kwargs.get("username", "clerk")).get_json()
        return Api(client, code, kwargs.get("username", "clerk"), body["sessionKey"], user_id)

    return make


@pytest.fixture
def api(make_api):
    return make_api()


def listed(exc):
    """A domain error as a face shows it for a list body: the item's errors under its index."""
    return at_index(exc.index, exc.errors)


def reserve_for(app, tenant_code, *, warehouse_id, product_id, quantity, bin_id=None, line_id=1, order_id=12):
    """Reserve through the reservations service, for a line of an order of the tenant, in a transaction of its
    own (as an order will); answers the service's ``Reserved``."""
    from wms_service.stock import reservations
    from wms_service.stock.references import DocumentKind, Reference

    session = new_session(app, write=True)
    try:
        got = reservations.reserve(
            session,
            tenant=auth.tenant_by_code(session, tenant_code),
            reference=Reference(DocumentKind.ORDER, order_id),
            line_id=line_id,
            warehouse_id=warehouse_id,
            product_id=product_id,
            quantity=quantity,
            bin_id=bin_id,
        )
        session.commit()
        return got
    finally:
        session.close()


@pytest.fixture
def password_checks(monkeypatch):
    """The passwords the slow hash check ran for, in order (the service's ``check_password_hash``, wrapped)."""
    calls = []
    real = auth.check_password_hash

    def counting(stored, password):
        calls.append(password)
        return real(stored, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    return calls
