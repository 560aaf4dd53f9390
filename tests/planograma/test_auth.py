"""Authentication: Bearer <user>:<password>, the tenant from the host, the credential cache."""

import pytest
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from wms_service.auth import bearer
from wms_service.auth.models import User
from wms_service.db import new_session

from ..conftest import PASSWORD, make_tenant, unique_code
from .conftest import Planograma, add_user

READ = "/api/product/read"


def test_no_header_is_401_invalid_api_key(pg):
    response = pg.call("post", READ, {}, auth=False)
    assert response.status_code == 401
    assert response.get_json() == {"error": True, "errorMessage": "Invalid API KEY", "status": 401, "data": None}


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer clerk",  # no colon
        "Bearer :" + PASSWORD,  # no user
        "Bearer clerk:",  # no password
        "Basic clerk:" + PASSWORD,  # another scheme
        "clerk:" + PASSWORD,  # no scheme
    ],
)
def test_malformed_header_is_401(pg, header):
    message = pg.fail("post", READ, {}, status=401, auth=False, headers={"Authorization": header})
    expected = (
        "Invalid API KEY"
        if not header.strip()
        else "Invalid Authorization header: expected 'Bearer <user>:<password>'."
    )
    assert message == expected


def test_scheme_is_case_insensitive(pg):
    assert pg.ok("post", READ, {}, auth=False, headers={"Authorization": f"bearer clerk:{PASSWORD}"}) == []


def test_wrong_password_and_unknown_user_are_401(pg):
    for header in (f"Bearer clerk:{PASSWORD}x", f"Bearer nobody:{PASSWORD}"):
        message = pg.fail("post", READ, {}, status=401, auth=False, headers={"Authorization": header})
        assert message == "Invalid username or password."


def test_password_may_contain_colons(app, client, pg):
    password = "pass:word:with:colons"
    add_user(app, pg.tenant_code, "integration", password=password)
    integration = Planograma(client, pg.tenant_code, "integration", password)
    assert integration.ok("post", READ, {}) == []


def test_unknown_tenant_host_is_401(client):
    # Answered like a wrong password (issue 13): neither the message nor the timing tells which tenants exist.
    stranger = Planograma(client, unique_code("nosuch"))
    assert stranger.fail("post", READ, {}, status=401) == "Invalid username or password."


def test_inactive_user_is_401(app, client, pg):
    add_user(app, pg.tenant_code, "retired", active=False)
    retired = Planograma(client, pg.tenant_code, "retired")
    assert retired.fail("post", READ, {}, status=401) == "Invalid username or password."


def test_host_port_and_case_do_not_matter(pg):
    for host in (f"{pg.host}:8000", pg.host.upper(), f"{pg.host}."):
        assert pg.ok("post", READ, {}, headers={"Host": host}) == []


def test_registered_hostname_names_its_tenant(app, client):
    hostname = f"{unique_code('h')}.example.org"
    _tid, code, _uid = make_tenant(app, hosts=[hostname])
    by_host = Planograma(client, code)
    by_host.host = hostname + ":443"
    product = by_host.product(code="REGISTERED")
    # The same tenant through its code as the first label.
    assert [p["productId"] for p in Planograma(client, code).products()] == [product["productId"]]


def test_a_registered_hostname_wins_over_a_tenant_whose_code_is_its_first_label(app, client):
    _t1, other_code, _u1 = make_tenant(app)
    hostname = f"{other_code}.example.org"  # its first label is the other tenant's code
    _t2, code, _u2 = make_tenant(app, hosts=[hostname])
    by_host = Planograma(client, code)
    by_host.host = hostname
    product = by_host.product(code="HOSTED")
    assert [p["productId"] for p in Planograma(client, code).products()] == [product["productId"]]
    assert Planograma(client, other_code).products() == []


def test_same_username_in_two_tenants_sees_two_worlds(app, client):
    _t1, code1, _u1 = make_tenant(app, username="shared")
    _t2, code2, _u2 = make_tenant(app, username="shared")
    first, second = Planograma(client, code1, "shared"), Planograma(client, code2, "shared")
    mine = first.product(code="SAME-CODE", thirdPartyReference="REF-1")
    theirs = second.product(code="SAME-CODE", thirdPartyReference="REF-1")
    assert mine["productId"] != theirs["productId"]
    assert [p["productId"] for p in first.products()] == [mine["productId"]]
    assert [p["productId"] for p in second.products()] == [theirs["productId"]]
    # A product id of the other tenant is unknown here.
    assert first.fail("post", f"/api/stock/remaining-stock/{theirs['productId']}", {}, status=404)
    message = first.fail(
        "post", "/api/product/update", {"productIds": [theirs["productId"]], "updateFields": {"name": "x"}}, status=404
    )
    assert message == f"No product matches productIds [{theirs['productId']}]."
    assert second.products(productIds=[theirs["productId"]])[0]["productName"] == "Widget"


def test_one_tenants_password_does_not_open_another(app, client):
    _t1, code1, _u1 = make_tenant(app, username="shared")
    _t2, code2, _u2 = make_tenant(app, username="shared")
    session = new_session(app, write=True)
    session.execute(
        update(User)
        .where(User.username == "shared", User.tenant.has(code=code2))
        .values(password_hash=generate_password_hash("another password", method="scrypt"))
    )
    session.commit()
    session.close()
    assert Planograma(client, code1, "shared").ok("post", READ, {}) == []
    assert Planograma(client, code2, "shared").fail("post", READ, {}, status=401)
    assert Planograma(client, code2, "shared", "another password").ok("post", READ, {}) == []


# --- the credential cache ----------------------------------------------------------------------------------


@pytest.fixture
def scrypt_checks(password_checks):
    """How many times the slow password check runs."""
    return password_checks


def test_repeated_requests_check_the_password_once(pg, scrypt_checks):
    for _ in range(5):
        pg.ok("post", READ, {})
    assert len(scrypt_checks) == 1


def test_a_wrong_password_is_never_cached(pg, scrypt_checks):
    pg.ok("post", READ, {})
    wrong = Planograma(pg.client, pg.tenant_code, password=PASSWORD + "!")
    for _ in range(3):
        wrong.fail("post", READ, {}, status=401)
    assert len(scrypt_checks) == 4


def test_a_changed_password_ends_the_cached_one_at_once(app, pg, scrypt_checks):
    pg.ok("post", READ, {})
    session = new_session(app, write=True)
    session.execute(
        update(User)
        .where(User.username == "clerk", User.tenant.has(code=pg.tenant_code))
        .values(password_hash=generate_password_hash("a new password", method="scrypt"))
    )
    session.commit()
    session.close()
    assert pg.fail("post", READ, {}, status=401) == "Invalid username or password."
    assert Planograma(pg.client, pg.tenant_code, password="a new password").ok("post", READ, {}) == []


def test_a_deactivated_user_is_refused_despite_the_cache(app, pg):
    pg.ok("post", READ, {})
    session = new_session(app, write=True)
    session.execute(
        update(User).where(User.username == "clerk", User.tenant.has(code=pg.tenant_code)).values(active=False)
    )
    session.commit()
    session.close()
    assert pg.fail("post", READ, {}, status=401) == "Invalid username or password."


class FakeUser:
    def __init__(self, user_id=1, password_hash="h1"):
        self.id, self.tenant_id, self.username, self.password_hash = user_id, 7, "clerk", password_hash


def test_cache_entries_expire_and_are_bounded(monkeypatch):
    moment = [1000.0]
    monkeypatch.setattr(bearer.time, "monotonic", lambda: moment[0])
    cache = bearer.CredentialCache(ttl_seconds=60, max_entries=2)
    user = FakeUser()
    cache.remember(user, "pw")
    assert cache.confirms(user, "pw") and not cache.confirms(user, "other")
    moment[0] += 61
    assert not cache.confirms(user, "pw")
    for password in ("a", "b", "c"):
        cache.remember(user, password)
    assert [cache.confirms(user, p) for p in ("a", "b", "c")] == [False, True, True]


def test_cache_holds_no_password_and_can_be_turned_off():
    cache = bearer.CredentialCache(ttl_seconds=60)
    cache.remember(FakeUser(), "secret password")
    assert "secret password" not in repr(cache._entries) and b"secret password" not in repr(cache._entries).encode()
    off = bearer.CredentialCache(ttl_seconds=0)
    off.remember(FakeUser(), "pw")
    assert not off.confirms(FakeUser(), "pw")


def test_cache_answer_is_tied_to_the_user_row():
    cache = bearer.CredentialCache(ttl_seconds=60)
    cache.remember(FakeUser(user_id=1), "pw")
    assert not cache.confirms(FakeUser(user_id=2), "pw")  # the user was deleted and made again
    cache.remember(FakeUser(password_hash="h1"), "pw")
    assert not cache.confirms(FakeUser(password_hash="h2"), "pw")


@pytest.mark.parametrize(
    "host, name",
    [
        ("acme.wms.example.com", "acme.wms.example.com"),
        ("ACME.example.com:8443", "acme.example.com"),
        ("[::1]:8000", "::1"),
        ("localhost.", "localhost"),
        ("", ""),
    ],
)
def test_hostname(host, name):
    assert bearer.hostname(host) == name
