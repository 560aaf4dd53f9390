"""Erply-style sessions: POST/DELETE /v1/session and the clientCode + sessionKey headers."""

import hashlib

import pytest
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from wms_service.auth import service as auth
from wms_service.auth.models import ApiSession, User
from wms_service.db import new_session

from ..conftest import PASSWORD, make_tenant

PREFIXES = ["", "/v1"]


def open_session(client, code, prefix="/v1", **fields):
    body = {"clientCode": code, "username": "clerk", "password": PASSWORD, **fields}
    return client.post(f"{prefix}/session", json=body)


def headers(code, key):
    return {"clientCode": code, "sessionKey": key}


def run_sql(app, statement):
    session = new_session(app, write=True)
    try:
        session.execute(statement)
        session.commit()
    finally:
        session.close()


def scalar(app, query):
    session = new_session(app)
    try:
        return session.scalar(query)
    finally:
        session.close()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_open_use_and_close_a_session(app, client, monkeypatch, prefix):
    _tid, code, user_id = make_tenant(app)
    monkeypatch.setattr("wms_service.auth.service.now", lambda: 1_800_000_000)
    response = open_session(client, code, prefix)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"sessionKey", "expires", "userId"}
    assert (body["expires"], body["userId"]) == (1_800_000_000 + 3600, user_id)
    assert isinstance(body["sessionKey"], str) and len(body["sessionKey"]) >= 43
    monkeypatch.undo()

    assert client.get(f"{prefix}/bin", headers=headers(code, body["sessionKey"])).status_code == 200
    assert client.delete(f"{prefix}/session", headers=headers(code, body["sessionKey"])).status_code == 204
    closed = client.get(f"{prefix}/bin", headers=headers(code, body["sessionKey"]))
    assert closed.status_code == 401 and closed.get_json()["code"] == 401
    assert client.delete(f"{prefix}/session", headers=headers(code, body["sessionKey"])).status_code == 401


def test_session_length(app, client, monkeypatch):
    _tid, code, _uid = make_tenant(app)
    monkeypatch.setattr("wms_service.auth.service.now", lambda: 1_800_000_000)
    assert open_session(client, code, sessionLength=1).get_json()["expires"] == 1_800_000_001
    assert open_session(client, code, sessionLength=86400).get_json()["expires"] == 1_800_086_400
    for bad in (0, 86401, -5, "60", True, 1.5, None):
        response = open_session(client, code, sessionLength=bad)
        assert response.status_code == 400, bad
        assert list(response.get_json()["errors"]) == ["sessionLength"]


def test_an_expired_session_is_refused(app, client, monkeypatch):
    _tid, code, _uid = make_tenant(app)
    # The clock stands still, so the first use falls inside the 1-second session however busy the machine is.
    monkeypatch.setattr("wms_service.auth.service.now", lambda: 1_800_000_000)
    key = open_session(client, code, sessionLength=1).get_json()["sessionKey"]
    assert client.get("/v1/bin", headers=headers(code, key)).status_code == 200
    later = scalar(
        app, select(ApiSession.expires).where(ApiSession.key_hash == hashlib.sha256(key.encode()).hexdigest())
    )
    monkeypatch.setattr("wms_service.auth.service.now", lambda: later)
    response = client.get("/v1/bin", headers=headers(code, key))
    assert response.status_code == 401
    assert response.get_json()["message"] == "The session has expired or was closed."


def test_a_session_expired_in_the_database_is_refused(app, client):
    _tid, code, _uid = make_tenant(app)
    key = open_session(client, code).get_json()["sessionKey"]
    run_sql(
        app, update(ApiSession).where(ApiSession.key_hash == hashlib.sha256(key.encode()).hexdigest()).values(expires=1)
    )
    assert client.get("/v1/bin", headers=headers(code, key)).status_code == 401


@pytest.mark.parametrize(
    "change", [{"password": "wrong password"}, {"username": "nobody"}, {"clientCode": "no-such-tenant"}]
)
def test_bad_credentials_are_401(app, client, change):
    _tid, code, _uid = make_tenant(app)
    response = open_session(client, code, **change)
    assert response.status_code == 401
    assert response.get_json() == {"code": 401, "status": "Unauthorized", "message": "Invalid username or password."}


def test_an_inactive_user_cannot_log_in_or_use_a_session(app, client):
    _tid, code, user_id = make_tenant(app)
    key = open_session(client, code).get_json()["sessionKey"]
    run_sql(app, update(User).where(User.id == user_id).values(active=False))
    assert client.get("/v1/bin", headers=headers(code, key)).status_code == 401
    assert open_session(client, code).status_code == 401


def test_missing_fields_and_headers(app, client):
    _tid, code, _uid = make_tenant(app)
    response = client.post("/v1/session", json={"clientCode": code})
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"username", "password"}
    key = open_session(client, code).get_json()["sessionKey"]
    for partial in ({"clientCode": code}, {"sessionKey": key}, {}, {"clientCode": code, "sessionKey": key + "x"}):
        response = client.get("/v1/bin", headers=partial)
        assert response.status_code == 401 and response.get_json()["code"] == 401, partial


def test_a_session_is_bound_to_its_client_code(app, client):
    _tid, code, _uid = make_tenant(app)
    _tid2, other_code, _uid2 = make_tenant(app)
    key = open_session(client, code).get_json()["sessionKey"]
    response = client.get("/v1/bin", headers=headers(other_code, key))
    assert response.status_code == 401
    assert response.get_json()["message"] == "The session does not belong to this clientCode."
    assert client.delete("/v1/session", headers=headers(other_code, key)).status_code == 401
    assert client.get("/v1/bin", headers=headers(code, key)).status_code == 200


def test_tenants_with_the_same_user_name_stay_apart(app, client):
    _t1, code1, user1 = make_tenant(app)
    _t2, code2, user2 = make_tenant(app)
    s1, s2 = open_session(client, code1).get_json(), open_session(client, code2).get_json()
    assert (s1["userId"], s2["userId"]) == (user1, user2)
    made = client.post("/v1/warehouse", json={"code": "MAIN"}, headers=headers(code1, s1["sessionKey"]))
    assert made.status_code == 201
    theirs = client.get("/v1/warehouse", headers=headers(code2, s2["sessionKey"]))
    assert theirs.get_json() == [] and theirs.headers["X-Total-Count"] == "0"
    assert (
        client.get(f"/v1/warehouse/{made.get_json()['id']}", headers=headers(code2, s2["sessionKey"])).status_code
        == 404
    )
    assert (
        client.post("/v1/warehouse", json={"code": "MAIN"}, headers=headers(code2, s2["sessionKey"])).status_code == 201
    )


def test_secrets_are_stored_only_as_hashes(app, client):
    _tid, code, user_id = make_tenant(app)
    key = open_session(client, code).get_json()["sessionKey"]
    stored = scalar(app, select(User.password_hash).where(User.id == user_id))
    # The configured method (the suite's cheap one; tests/auth/test_passwords.py covers the default, scrypt).
    assert stored.startswith(auth.password_method() + "$") and PASSWORD not in stored
    assert check_password_hash(stored, PASSWORD) and not check_password_hash(stored, PASSWORD + "!")
    # Each hash has its own salt.
    _tid2, _code2, other_user = make_tenant(app)
    assert scalar(app, select(User.password_hash).where(User.id == other_user)) != stored
    hashes = scalar(
        app, select(ApiSession.key_hash).where(ApiSession.key_hash == hashlib.sha256(key.encode()).hexdigest())
    )
    assert hashes is not None and key not in hashes
