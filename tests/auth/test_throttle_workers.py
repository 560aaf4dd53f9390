"""Against real gunicorn: login throttling across processes, two servers ("hosts") of 2 workers each on one
database; and what only a real server shows (header bytes as sent, a chunked body).

Every request opens a new connection and the attempts alternate between the servers, so no process sees more
than part of them: the count holds only if it lives in the database. (With the count kept in each process, the
eleventh attempt was a 401, and all 32 concurrent wrong passwords were checked.)
The window is 3 seconds here, so the test can also wait for it to pass.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
import requests

from wms_service.auth import service as auth
from wms_service.db import new_session

from ..conftest import PASSWORD, make_tenant
from ..gunicorn import TIMEOUT, Gunicorn

WINDOW = 3
LIMIT = 10


@pytest.fixture(scope="module")
def servers(database_url):
    """Two gunicorns ("hosts") of 2 workers each on one database, with a short throttling window."""
    env = {"WMS_LOGIN_WINDOW_SECONDS": str(WINDOW), "WMS_LOGIN_MAX_FAILURES": str(LIMIT)}
    started = []
    try:
        for _ in range(2):
            started.append(Gunicorn(database_url, workers=2, env=env).start())
        yield [server.base for server in started]
    finally:
        for server in started:
            server.close()


def session(base, code, username="clerk", password=PASSWORD):
    body = {"clientCode": code, "username": username, "password": password}
    return requests.post(base + "/v1/session", json=body, headers={"Connection": "close"}, timeout=TIMEOUT)


def bearer(base, code, username="clerk", password=PASSWORD):
    headers = {
        "Host": f"{code}.wms.test",
        "Authorization": f"Bearer {username}:{password}".encode(),
        "Connection": "close",
    }
    return requests.post(base + "/api/product/read", json={}, headers=headers, timeout=TIMEOUT)


def attempts(servers):
    """(base, face) pairs alternating servers and faces, each request on a connection of its own."""
    return cycle([(servers[0], session), (servers[1], bearer), (servers[1], session), (servers[0], bearer)])


@pytest.mark.slow
@pytest.mark.xdist_group("gunicorn")
def test_the_eleventh_wrong_password_is_a_429_on_every_server_until_the_window_passes(app, servers):
    _tid, code, _uid = make_tenant(app)
    tries = attempts(servers)
    for _ in range(LIMIT):
        base, face = next(tries)
        assert face(base, code, password="wrong password").status_code == 401
    started = time.monotonic()
    for base in servers:
        for face in (session, bearer):
            refused = face(base, code)  # the right password
            assert refused.status_code == 429, refused.text
            assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW
    # Another user of the same tenant is not affected, on either server.
    _tid2, _code2, _uid2 = make_tenant(app)
    assert session(servers[0], _code2).status_code == 200 and bearer(servers[1], _code2).status_code == 200
    time.sleep(max(0.0, WINDOW + 1.2 - (time.monotonic() - started)))
    assert session(servers[1], code).status_code == 200
    assert bearer(servers[0], code).status_code == 200


@pytest.mark.slow
@pytest.mark.xdist_group("gunicorn")
def test_other_users_and_a_success_reset_across_servers(app, servers):
    _tid, code, _uid = make_tenant(app, username="alice")
    _tid2, code2, _uid2 = make_tenant(app, username="bob")
    tries = attempts(servers)
    for _ in range(LIMIT - 1):
        base, face = next(tries)
        assert face(base, code, "alice", "wrong").status_code == 401
    # A success on the other server resets alice's count everywhere.
    assert bearer(servers[1], code, "alice").status_code == 200
    for _ in range(LIMIT - 1):
        base, face = next(tries)
        assert face(base, code, "alice", "wrong").status_code == 401
    assert session(servers[0], code, "alice").status_code == 200
    # An unknown user is counted like a known one, and bob is untouched by it.
    for _ in range(LIMIT):
        base, face = next(tries)
        assert face(base, code2, "ghost", "wrong").status_code == 401
    assert session(servers[1], code2, "ghost", "wrong").status_code == 429
    assert bearer(servers[0], code2, "bob").status_code == 200


@pytest.mark.slow
@pytest.mark.xdist_group("gunicorn")
def test_concurrent_wrong_passwords_stop_near_the_limit(app, servers):
    """16 clients at once: every failure is counted (the upsert is atomic), and at most one attempt per worker
    already past the check when the limit is reached gets through beyond it."""
    _tid, code, _uid = make_tenant(app)
    calls = [(servers[i % 2], (session, bearer)[i // 2 % 2]) for i in range(32)]
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda call: call[1](call[0], code, password="wrong").status_code, calls))
    assert set(statuses) <= {401, 429}
    assert LIMIT <= statuses.count(401) <= LIMIT + 4  # 4 workers in all
    assert session(servers[0], code).status_code == 429


# What only a real server shows: header bytes as a client sends them, and a body without a length.


@pytest.mark.slow
@pytest.mark.xdist_group("gunicorn")
def test_a_non_ascii_password_over_bearer_on_gunicorn(app, servers):
    _tid, code, _uid = make_tenant(app)
    password = "pâté-пароль-密码"
    db = new_session(app, write=True)
    auth.create_user(db, tenant=auth.tenant_by_code(db, code), username="jürgen", password=password)
    db.commit()
    db.close()
    assert bearer(servers[0], code, "jürgen", password).status_code == 200  # sent as UTF-8 bytes
    assert session(servers[1], code, "jürgen", password).status_code == 200


@pytest.mark.slow
@pytest.mark.xdist_group("gunicorn")
def test_a_chunked_body_over_the_limit_is_a_413_on_gunicorn(app, servers):
    _tid, code, _uid = make_tenant(app)
    key = session(servers[0], code).json()["sessionKey"]
    limit = app.config["MAX_CONTENT_LENGTH"]

    def chunks(total):
        yield b'{"code": "CHUNKED", "name": "Chunked"}'
        sent = 38
        while sent < total:
            piece = min(65536, total - sent)
            yield b" " * piece
            sent += piece

    headers = {"clientCode": code, "sessionKey": key, "Content-Type": "application/json"}
    too_big = requests.post(servers[0] + "/v1/product", data=chunks(limit + 1), headers=headers, timeout=TIMEOUT)
    assert too_big.status_code == 413, too_big.text
    fits = requests.post(servers[1] + "/v1/product", data=chunks(limit), headers=headers, timeout=TIMEOUT)
    assert fits.status_code == 201, fits.text
    listed = requests.get(servers[0] + "/v1/product?code=CHUNKED", headers=headers, timeout=TIMEOUT).json()
    assert [p["code"] for p in listed] == ["CHUNKED"]
