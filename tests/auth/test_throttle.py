"""Login throttling (CONTRACT section 9, issue 13), in one process; tests/auth/test_throttle_workers.py runs it
across gunicorn workers."""

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from wms_service.auth import service as auth
from wms_service.auth import throttle
from wms_service.auth.models import LoginFailure, User
from wms_service.db import new_session

from ..conftest import PASSWORD, login, make_tenant, unique_code
from ..planograma.conftest import Planograma

LIMIT = 10
READ = "/api/product/read"


@pytest.fixture
def hashes(password_checks):
    """The passwords the slow check ran for, in order."""
    return password_checks


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, to be moved forward."""
    moment = [throttle.now()]
    monkeypatch.setattr(throttle, "now", lambda: moment[0])
    return moment


def bearer(client, code, username="clerk", password=PASSWORD):
    return Planograma(client, code, username, password).call("post", READ, {})


def assert_throttled(response, window=300):
    assert response.status_code == 429, response.get_json()
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= window
    body = response.get_json()
    message = body.get("message") or body.get("errorMessage")
    assert message == f"Too many failed logins for this user; retry in {seconds} seconds."


def test_the_eleventh_wrong_password_is_a_429_without_hashing_and_so_is_the_right_one(app, client, hashes):
    _tid, code, _uid = make_tenant(app)
    for _ in range(LIMIT):
        assert login(client, code, password="wrong password").status_code == 401
    assert len(hashes) == LIMIT
    assert_throttled(login(client, code, password="wrong password"))
    assert_throttled(login(client, code))
    assert_throttled(bearer(client, code))
    assert len(hashes) == LIMIT
    envelope = bearer(client, code).get_json()
    assert (envelope["error"], envelope["status"], envelope["data"]) == (True, 429, None)


def test_both_faces_count_together(app, client):
    _tid, code, _uid = make_tenant(app)
    for attempt in range(LIMIT):
        answer = login(client, code, password="wrong") if attempt % 2 else bearer(client, code, password="wrong")
        assert answer.status_code == 401
    assert_throttled(login(client, code))
    assert_throttled(bearer(client, code))


def test_other_users_of_the_tenant_are_not_affected(app, client):
    _tid, code, _uid = make_tenant(app)
    session = new_session(app, write=True)
    auth.create_user(session, tenant=auth.tenant_by_code(session, code), username="other", password=PASSWORD)
    session.commit()
    session.close()
    for _ in range(LIMIT + 2):
        login(client, code, password="wrong")
    assert_throttled(login(client, code))
    assert login(client, code, "other").status_code == 200
    assert bearer(client, code, "other").status_code == 200


def test_a_success_resets_the_count(app, client):
    _tid, code, _uid = make_tenant(app)
    for _ in range(LIMIT - 1):
        assert login(client, code, password="wrong").status_code == 401
    assert bearer(client, code).status_code == 200
    for _ in range(LIMIT):
        assert login(client, code, password="wrong").status_code == 401
    assert_throttled(login(client, code))


def test_a_cached_bearer_success_resets_the_count_too(app, client, hashes):
    _tid, code, _uid = make_tenant(app)
    assert bearer(client, code).status_code == 200
    for _ in range(LIMIT - 1):
        assert login(client, code, password="wrong").status_code == 401
    assert bearer(client, code).status_code == 200
    assert len(hashes) == LIMIT  # the second success came from the cache
    for _ in range(LIMIT - 1):
        assert login(client, code, password="wrong").status_code == 401
    assert login(client, code).status_code == 200


def test_the_window_passes(app, client, clock):
    _tid, code, _uid = make_tenant(app)
    for _ in range(LIMIT):
        login(client, code, password="wrong")
    clock[0] += 100
    response = login(client, code)
    assert_throttled(response)
    assert response.headers["Retry-After"] == "200"
    clock[0] += 200
    assert login(client, code).status_code == 200
    # A new window starts with the next failure, from one.
    for _ in range(LIMIT):
        assert login(client, code, password="wrong").status_code == 401
    assert_throttled(login(client, code))


def test_a_cached_bearer_password_is_refused_too(app, client, hashes):
    _tid, code, _uid = make_tenant(app)
    assert bearer(client, code).status_code == 200
    for _ in range(LIMIT):
        assert bearer(client, code, password="wrong").status_code == 401
    assert_throttled(bearer(client, code))
    assert len(hashes) == 1 + LIMIT


@pytest.mark.parametrize("known_tenant", [True, False])
def test_unknown_tenants_and_users_cost_a_hash_and_are_counted_alike(app, client, hashes, known_tenant):
    code = make_tenant(app)[1] if known_tenant else unique_code("nosuch")
    for attempt in range(LIMIT // 2):
        session, header = login(client, code, "ghost"), bearer(client, code, "ghost")
        assert (session.status_code, session.get_json()["message"]) == (401, auth.INVALID)
        assert (header.status_code, header.get_json()["errorMessage"]) == (401, auth.INVALID)
        assert len(hashes) == 2 * (attempt + 1)
    assert_throttled(login(client, code, "ghost"))
    assert_throttled(bearer(client, code, "ghost"))
    assert len(hashes) == LIMIT


def test_an_old_hash_is_upgraded_at_the_next_successful_login(app, client):
    _tid, code, user_id = make_tenant(app)
    old = generate_password_hash(PASSWORD, method="pbkdf2:sha256:2")
    _set_hash(app, user_id, old)
    assert login(client, code, password="wrong").status_code == 401
    assert _hash(app, user_id) == old
    assert login(client, code).status_code == 200
    upgraded = _hash(app, user_id)
    assert upgraded.startswith(auth.password_method() + "$") and upgraded != old
    assert login(client, code).status_code == 200 and _hash(app, user_id) == upgraded
    # Over Bearer too.
    _set_hash(app, user_id, old)
    assert bearer(client, code).status_code == 200
    assert _hash(app, user_id).startswith(auth.password_method() + "$")
    assert bearer(client, code).status_code == 200


def test_failures_live_in_the_database_under_a_hash_of_the_pair(app, client):
    _tid, code, _uid = make_tenant(app)
    login(client, code, "clerk", "wrong")
    session = new_session(app)
    try:
        row = session.execute(
            select(LoginFailure.failures).where(LoginFailure.key_hash == throttle.key(code, "clerk"))
        ).one()
    finally:
        session.close()
    assert row.failures == 1


@pytest.mark.parametrize("limit", [2, 11])
def test_the_limit_stays_within_the_contract(limit):
    with pytest.raises(ValueError, match="the login failure limit is 3 to 10"):
        throttle.Throttle(limit=limit)


def _set_hash(app, user_id, value):
    session = new_session(app, write=True)
    session.execute(update(User).where(User.id == user_id).values(password_hash=value))
    session.commit()
    session.close()


def _hash(app, user_id):
    session = new_session(app)
    try:
        return session.scalar(select(User.password_hash).where(User.id == user_id))
    finally:
        session.close()
