"""The unit of work: the one place a request writes, begins and commits; everything else reads."""

import fcntl
import os
import sqlite3
import uuid
from types import SimpleNamespace

import pytest
from flask import g, jsonify
from sqlalchemy import func, insert, select

from wms_service import create_app
from wms_service.audit import stamp
from wms_service.catalog.models import Warehouse
from wms_service.db import new_session
from wms_service.errors import Conflict
from wms_service.web.idempotency import IdempotencyKey
from wms_service.web.session import WriteOutsideUnitOfWork, get_db
from wms_service.web.transaction import create, unit_of_work

from ..conftest import PASSWORD, make_tenant, recorded_sql
from ..planograma.conftest import Planograma


def _count(app, query):
    session = new_session(app)
    try:
        return session.scalar(query)
    finally:
        session.close()


def _warehouse(tenant_id, code, user):
    row = Warehouse(tenant_id=tenant_id, code=code, name="Main")
    stamp(row, user, created=True)
    return row


def _begins(statements):
    return [s for s in statements if s.startswith("BEGIN")]


@pytest.fixture
def tenant(app):
    tenant_id, code, user_id = make_tenant(app)
    # The clerk holds ADMIN (make_tenant): the unit of work checks the caller's permission for the write.
    user = SimpleNamespace(id=user_id, username="clerk", has_permission=lambda _permission: True)
    return SimpleNamespace(id=tenant_id, code=code, user=user)


def test_a_failing_service_call_commits_nothing(app, tenant):
    code = uuid.uuid4().hex[:12]
    with app.test_request_context("/v1/warehouse", method="POST"):
        g.user = tenant.user
        with pytest.raises(Conflict):
            with unit_of_work() as db:
                db.add(_warehouse(tenant.id, code, tenant.user))
                db.flush()  # written in the transaction, and then the service refuses
                raise Conflict("refused")

    assert _count(app, select(func.count()).where(Warehouse.code == code)) == 0


def test_a_failing_create_stores_neither_its_work_nor_its_idempotency_key(app, tenant):
    code, key = uuid.uuid4().hex[:12], uuid.uuid4().hex
    headers = {"Idempotency-Key": key}
    with app.test_request_context("/v1/warehouse", method="POST", json={"code": code}, headers=headers):
        get_db()  # the request's session, as the caller's look-up leaves it
        g.tenant = tenant
        g.user = tenant.user

        def work(db):
            db.add(_warehouse(tenant.id, code, tenant.user))
            db.flush()
            raise Conflict("refused")

        with pytest.raises(Conflict):
            create(work, answer=lambda result: result, status=201)

    assert _count(app, select(func.count()).where(Warehouse.code == code)) == 0
    assert _count(app, select(func.count()).where(IdempotencyKey.key == key)) == 0


def test_a_create_commits_once_and_without_a_key_answers_after_the_commit(app, database_url, tenant):
    code = uuid.uuid4().hex[:12]
    seen = {}
    with app.test_request_context("/v1/warehouse", method="POST", json={"code": code}):
        g.tenant = tenant
        g.user = tenant.user
        get_db().scalar(select(func.count()).select_from(Warehouse))  # a read before: the caller's look-up

        def work(db):
            row = _warehouse(tenant.id, code, tenant.user)
            db.add(row)
            db.flush()
            return row

        def answer(row):
            seen["in_transaction"] = get_db().in_transaction()
            return {"code": row.code}

        with recorded_sql(app) as statements:
            response, status = create(work, answer=answer, status=201)

    assert (status, response.get_json()) == (201, {"code": code})
    assert seen == {"in_transaction": False}  # built after the commit: no lock held while it is
    assert _count(app, select(func.count()).where(Warehouse.code == code)) == 1
    if database_url.startswith("sqlite"):
        # The read transaction ends; the work alone runs under the write lock.
        assert _begins(statements) == ["BEGIN IMMEDIATE"]
        assert any(s.startswith("INSERT INTO warehouse") for s in statements)


def test_with_a_key_the_answer_is_stored_in_the_transaction_and_replayed(app, tenant):
    code, key = uuid.uuid4().hex[:12], uuid.uuid4().hex
    runs = []

    def request():
        with app.test_request_context(
            "/v1/warehouse", method="POST", json={"code": code}, headers={"Idempotency-Key": key}
        ):
            g.tenant = tenant
            g.user = tenant.user

            def work(db):
                runs.append(1)
                row = _warehouse(tenant.id, code, tenant.user)
                db.add(row)
                db.flush()
                return row

            def answer(row):
                return {"id": row.id, "inTransaction": get_db().in_transaction()}

            response, status = create(work, answer=answer, status=201)
            return status, response.get_json()

    first, again = request(), request()

    assert first == again
    assert first[0] == 201 and first[1]["inTransaction"] is True
    assert runs == [1]
    assert _count(app, select(func.count()).where(Warehouse.code == code)) == 1


def test_the_unit_of_work_does_not_nest(app, tenant):
    with app.test_request_context("/v1/warehouse", method="POST"):
        g.user = tenant.user
        with unit_of_work():
            with pytest.raises(RuntimeError, match="does not nest"):
                with unit_of_work():
                    pass


# --- everything outside the unit of work reads ------------------------------------------------------------------


@pytest.fixture
def probe_app(database_url):
    """An app with views that no face has: a POST that only reads, and POSTs that write without the unit of work."""
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})

    @app.post("/probe/read")
    def read():
        return jsonify(get_db().scalar(select(func.count()).select_from(Warehouse)))

    @app.post("/probe/flush")
    def flush():
        get_db().add(Warehouse(tenant_id=1, code="x", added=0, changed=0))
        get_db().flush()
        return jsonify(True)

    @app.post("/probe/insert")
    def insert_row():
        get_db().execute(insert(Warehouse).values(tenant_id=1, code="x", added=0, changed=0))
        return jsonify(True)

    yield app
    app.extensions["wms_engine"].dispose()


def test_a_post_that_never_enters_the_unit_of_work_reads(probe_app, database_url):
    client = probe_app.test_client()
    with recorded_sql(probe_app) as statements:
        response = client.post("/probe/read")
    assert response.status_code == 200
    if database_url.startswith("sqlite"):
        assert _begins(statements) == ["BEGIN"]


@pytest.mark.parametrize("path", ["/probe/flush", "/probe/insert"])
def test_a_write_outside_the_unit_of_work_is_refused_loudly(probe_app, path):
    with pytest.raises(WriteOutsideUnitOfWork):
        probe_app.test_client().post(path)


SEARCHES = [
    ("post", "/api/product/read", {}),
    ("post", "/api/category/read", {}),
    ("post", "/api/measurement-unit/read", {}),
    ("post", "/api/company/read", {}),
    ("post", "/api/metadata/product", {}),
    ("post", "/api/metadata/category", {}),
    ("post", "/api/stock/all", {}),
    ("post", "/api/stock/detailed-report", {}),
]


def test_searches_answer_while_another_writer_holds_the_write_lock(app, database_url, client):
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite has a database-wide write lock")
    _tid, code, _uid = make_tenant(app, hosts=())
    pg = Planograma(client, code, password=PASSWORD)
    product = pg.product()
    path = database_url.removeprefix("sqlite:///")
    # Another writer in the middle of its work: SQLite's write lock and the writers' queue are both taken.
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    queue = os.open(path + "-writers", os.O_RDWR | os.O_CREAT)
    holder.execute("BEGIN IMMEDIATE")
    fcntl.flock(queue, fcntl.LOCK_EX)
    try:
        answers = {p: pg.call(method, p, body).status_code for method, p, body in SEARCHES}
        answers["remaining-stock"] = pg.call(
            "post", f"/api/stock/remaining-stock/{product['productId']}", {}
        ).status_code
    finally:
        fcntl.flock(queue, fcntl.LOCK_UN)
        os.close(queue)
        holder.execute("ROLLBACK")
        holder.close()

    assert set(answers.values()) == {200}, answers
