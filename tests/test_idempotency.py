"""Idempotency-Key on every create: a retry answers the first response and writes nothing; keys are per tenant."""

import json
import threading
import uuid

import pytest
from sqlalchemy import select, text, update

from wms_service.auth.service import tenant_by_code
from wms_service.db import new_session, now
from wms_service.web import idempotency
from wms_service.web.idempotency import IdempotencyKey

from .conftest import unique_code

HOUR = 3600


def key():
    return uuid.uuid4().hex


def post(api, path, body, idem_key, **kw):
    return api.post(path, json=body, headers={"Idempotency-Key": idem_key}, **kw)


def total(api, path):
    response = api.get(path)
    assert response.status_code == 200
    return int(response.headers["X-Total-Count"])


def tenant_id(app, api):
    session = new_session(app)
    try:
        return tenant_by_code(session, api.tenant_code).id
    finally:
        session.close()


def test_a_retried_record_answers_the_first_response_and_writes_nothing(api):
    pos = api.stock_position()
    body = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "amount": 4}
    k = key()

    first = post(api, "/bin-inventory-record", body, k)
    again = post(api, "/bin-inventory-record", body, k)
    under_v1 = post(api, "/v1/bin-inventory-record", body, k)

    assert first.status_code == again.status_code == under_v1.status_code == 201
    assert again.get_json() == under_v1.get_json() == first.get_json()
    assert first.get_json()["amount"] == 4
    assert total(api, f"/bin-inventory-record?binId={pos['bin']['id']}") == 1
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 4


def test_the_same_json_spelled_differently_is_the_same_request(api):
    pos = api.stock_position()
    body = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "amount": 2}
    k = key()
    first = post(api, "/bin-inventory-record", body, k)
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)

    again = api.post(
        "/bin-inventory-record", data=reordered, content_type="application/json", headers={"Idempotency-Key": k}
    )

    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert total(api, f"/bin-inventory-record?binId={pos['bin']['id']}") == 1


def test_the_same_key_with_another_body_or_path_is_a_conflict(api):
    pos = api.stock_position()
    body = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "amount": 3}
    k = key()
    assert post(api, "/bin-inventory-record", body, k).status_code == 201

    other_body = post(api, "/bin-inventory-record", {**body, "amount": 5}, k)
    other_path = post(api, "/warehouse", {"code": unique_code("W"), "name": "Main"}, k)

    for response in (other_body, other_path):
        assert response.status_code == 409
        assert response.get_json()["code"] == 409
        assert "different request" in response.get_json()["message"]
    assert total(api, f"/bin-inventory-record?binId={pos['bin']['id']}") == 1
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 3
    assert total(api, "/warehouse") == 1  # only the one stock_position made


def test_keys_are_per_tenant(make_api):
    first, second = make_api(), make_api()
    k = key()
    body = {"code": "SAME", "name": "Widget"}

    mine = post(first, "/product", body, k)
    theirs = post(second, "/product", body, k)

    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert total(first, "/product") == total(second, "/product") == 1
    # And each tenant's retry still answers its own first response.
    assert post(second, "/product", body, k).get_json() == theirs.get_json()


def test_a_failed_request_stores_nothing_so_its_retry_runs_again(api):
    pos = api.stock_position()
    body = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "amount": -5}
    k = key()

    refused = post(api, "/bin-inventory-record", body, k)
    assert refused.status_code == 409
    assert api.record(pos, 5).status_code == 201
    retried = post(api, "/bin-inventory-record", body, k)
    replayed = post(api, "/bin-inventory-record", body, k)

    assert retried.status_code == 201
    assert retried.get_json()["amount"] == -5
    assert replayed.status_code == 201 and replayed.get_json() == retried.get_json()
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 0
    assert total(api, f"/bin-inventory-record?binId={pos['bin']['id']}") == 2


def _create_bodies(api):
    """For each create POST: (path, the body to send, the list path whose X-Total-Count counts what it makes)."""
    pos = api.stock_position()
    ids = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"]}
    warehouse_id = pos["bin"]["warehouseId"]
    return {
        "warehouse": ("/warehouse", {"code": unique_code("W"), "name": "Second"}, "/warehouse"),
        "product": ("/product", {"code": unique_code("P"), "name": "Gadget"}, "/product"),
        "batch": (
            "/batch",
            {"productId": ids["productId"], "expiryDate": "2031-06-30", "batchCode": [unique_code("B")]},
            "/batch",
        ),
        "bin": ("/bin", {"warehouseId": warehouse_id, "code": unique_code("C-")}, "/bin"),
        "stocktaking": ("/stocktaking", {"binId": ids["binId"]}, "/stocktaking"),
        "record": ("/bin-inventory-record", {**ids, "amount": 7}, "/bin-inventory-record"),
        "records as a list": (
            "/v1/bin-inventory-record",
            [{**ids, "amount": 1}, {**ids, "amount": 2}],
            "/bin-inventory-record",
        ),
    }


@pytest.mark.parametrize(
    "resource", ["warehouse", "product", "batch", "bin", "stocktaking", "record", "records as a list"]
)
def test_every_create_answers_a_retry_with_its_first_response(api, resource):
    path, body, listing = _create_bodies(api)[resource]
    before = total(api, listing)
    k = key()

    first = post(api, path, body, k)
    again = post(api, path, body, k)

    assert first.status_code == 201, first.get_json()
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    made = len(body) if isinstance(body, list) else 1
    assert total(api, listing) == before + made
    # Without the key the same body is a new request: it is not answered from the stored response.
    fresh = api.post(path, json=body)
    assert fresh.get_json() != first.get_json()


@pytest.mark.parametrize("bad_key", ["", "k" * 201])
def test_a_key_of_bad_length_is_refused_and_changes_nothing(api, bad_key):
    before = total(api, "/warehouse")

    response = post(api, "/warehouse", {"code": unique_code("W"), "name": "Main"}, bad_key)

    assert response.status_code == 400
    assert response.get_json()["code"] == 400
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert total(api, "/warehouse") == before


def test_the_longest_key_works(api):
    body = {"code": unique_code("W"), "name": "Main"}
    first = post(api, "/warehouse", body, "k" * 200)
    assert first.status_code == 201
    assert post(api, "/warehouse", body, "k" * 200).get_json() == first.get_json()
    assert total(api, "/warehouse") == 1


# --- lifetime ---------------------------------------------------------------------------------------------------


def _age(app, tenant, idem_key, seconds):
    session = new_session(app, write=True)
    try:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.tenant_id == tenant, IdempotencyKey.key == idem_key)
            .values(created=now() - seconds)
        )
        session.commit()
    finally:
        session.close()


def _expire(app, tenant, ttl):
    session = new_session(app, write=True)
    try:
        dropped = idempotency._expire(session, tenant, ttl)
        session.commit()
        return dropped
    finally:
        session.close()


def _keys(app, tenant):
    session = new_session(app)
    try:
        return set(session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.tenant_id == tenant)))
    finally:
        session.close()


def test_keys_older_than_their_lifetime_expire_and_no_key_dies_before_a_day(app, make_api):
    api, neighbour = make_api(), make_api()
    tenant, other = tenant_id(app, api), tenant_id(app, neighbour)
    ages = {"fresh": 0, "23h": 23 * HOUR, "25h": 25 * HOUR, "47h": 47 * HOUR, "49h": 49 * HOUR}
    for name, age in ages.items():
        assert post(api, "/warehouse", {"code": unique_code("W"), "name": name}, name).status_code == 201
        _age(app, tenant, name, age)
    assert post(neighbour, "/warehouse", {"code": unique_code("W"), "name": "old"}, "49h").status_code == 201
    _age(app, other, "49h", 49 * HOUR)

    assert _expire(app, tenant, 48 * HOUR) == 1
    assert _keys(app, tenant) == {"fresh", "23h", "25h", "47h"}
    # A configured lifetime below a day still keeps every key for a day.
    assert _expire(app, tenant, HOUR) == 2
    assert _keys(app, tenant) == {"fresh", "23h"}
    assert _keys(app, other) == {"49h"}  # another tenant's keys are its own business


def test_an_expired_key_runs_as_a_new_request(app, api):
    pos = api.stock_position()
    body = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "amount": 1}
    tenant = tenant_id(app, api)
    first = post(api, "/bin-inventory-record", body, "retry-me")
    _age(app, tenant, "retry-me", 49 * HOUR)
    _expire(app, tenant, app.config["IDEMPOTENCY_TTL_SECONDS"])

    again = post(api, "/bin-inventory-record", body, "retry-me")

    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] != first.get_json()["id"]
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 2


def test_claims_now_and_then_expire_old_keys(app, api, monkeypatch):
    tenant = tenant_id(app, api)
    assert post(api, "/warehouse", {"code": unique_code("W"), "name": "old"}, "old").status_code == 201
    _age(app, tenant, "old", 49 * HOUR)
    monkeypatch.setattr(idempotency.random, "random", lambda: 0.0)

    assert post(api, "/warehouse", {"code": unique_code("W"), "name": "new"}, "new").status_code == 201

    assert _keys(app, tenant) == {"new"}


# --- a duplicate that arrives while the first is still running ------------------------------------------------


def _wait_until_blocked(app, database_url, thread):
    """On PostgreSQL, until some backend of this database waits on a lock; on SQLite, briefly (it cannot be seen)."""
    if not database_url.startswith("postgresql"):
        thread.join(timeout=0.5)
        return
    session = new_session(app)
    try:
        for _ in range(300):
            waiting = session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            session.rollback()
            if waiting:
                return
            thread.join(timeout=0.1)
        pytest.fail("the duplicate never waited for the first request")
    finally:
        session.close()


def _claim_in_thread(app, request_args, tenant):
    """Claim the key from a second request in its own thread and session; returns (thread, result dict)."""
    result = {}

    def second():
        with app.test_request_context(**request_args):
            session = new_session(app, write=True)
            try:
                result["answer"] = idempotency.claim(session, tenant)
            except Exception as exc:  # noqa: BLE001 - the test inspects whatever happened
                result["error"] = exc
            finally:
                session.rollback()
                session.close()

    thread = threading.Thread(target=second, daemon=True)
    thread.start()
    return thread, result


def _request_args(idem_key):
    body = json.dumps({"code": "X", "name": "Y"})
    return {
        "path": "/v1/product",
        "method": "POST",
        "data": body,
        "content_type": "application/json",
        "headers": {"Idempotency-Key": idem_key},
    }


def test_a_duplicate_in_flight_waits_and_answers_the_first_response(app, database_url, api):
    tenant = tenant_id(app, api)
    args = _request_args(key())
    first = new_session(app, write=True)
    try:
        with app.test_request_context(**args):
            assert idempotency.claim(first, tenant) is None
            thread, result = _claim_in_thread(app, args, tenant)
            _wait_until_blocked(app, database_url, thread)
            idempotency.remember({"id": 42}, 201)
            first.commit()
    finally:
        first.close()
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert result == {"answer": ({"id": 42}, 201)}


def test_a_duplicate_in_flight_takes_over_when_the_first_fails(app, database_url, api):
    tenant = tenant_id(app, api)
    args = _request_args(key())
    first = new_session(app, write=True)
    try:
        with app.test_request_context(**args):
            assert idempotency.claim(first, tenant) is None
            thread, result = _claim_in_thread(app, args, tenant)
            _wait_until_blocked(app, database_url, thread)
            first.rollback()  # the first request failed: its claim goes with it
    finally:
        first.close()
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert result == {"answer": None}  # the second claimed the key and would do the work
