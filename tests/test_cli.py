"""The wms-service operator commands, through Flask's CLI runner against the test database."""

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, update

from wms_service.auth import service as auth
from wms_service.auth.models import Tenant, TenantHost, User
from wms_service.db import new_session
from wms_service.stock.models import Bin, BinInventoryBatch

from .conftest import PASSWORD, login, make_tenant, unique_code
from .planograma.conftest import Planograma


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def one(app, query):
    session = new_session(app)
    try:
        return session.execute(query).one()
    finally:
        session.close()


def test_tenant_create(app):
    code = unique_code()
    result = run(
        app, "tenant", "create", code, "--name", "Acme Ltd", "--host", "Stock.Acme.Example", "--allow-negative-stock"
    )
    assert result.exit_code == 0, result.output
    tenant_id, name, negative = one(
        app, select(Tenant.id, Tenant.name, Tenant.allow_negative_stock).where(Tenant.code == code)
    )
    assert result.output == f"tenant {code} id={tenant_id}\n"
    assert (name, negative) == ("Acme Ltd", True)
    assert one(app, select(TenantHost.hostname).where(TenantHost.tenant_id == tenant_id)) == ("stock.acme.example",)

    plain = unique_code()
    assert run(app, "tenant", "create", plain).exit_code == 0
    assert one(app, select(Tenant.name, Tenant.allow_negative_stock).where(Tenant.code == plain)) == (plain, False)


def test_tenant_create_refuses_duplicates_and_bad_codes(app):
    code = unique_code()
    assert run(app, "tenant", "create", code).exit_code == 0
    again = run(app, "tenant", "create", code)
    assert again.exit_code == 1 and f"Tenant {code!r} already exists." in again.output
    bad = run(app, "tenant", "create", "no spaces")
    assert bad.exit_code == 1 and "Invalid tenant code." in bad.output


def test_user_create_reads_the_password_from_stdin(app, client):
    code = unique_code()
    run(app, "tenant", "create", code)
    result = run(
        app,
        "user",
        "create",
        "--tenant",
        code,
        "alice",
        "--password-stdin",
        "--permission",
        "purchase_order",
        input="a long secret\n",
    )
    assert result.exit_code == 0, result.output
    user_id, stored, permissions = one(
        app,
        select(User.id, User.password_hash, User.permissions)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(Tenant.code == code),
    )
    assert result.output == f"user alice id={user_id} tenant={code}\n"
    # Hashed with the configured method (the suite's cheap one; tests/auth/test_passwords.py covers the default).
    assert stored.startswith(auth.password_method() + "$") and "a long secret" not in stored
    assert permissions == "PURCHASE_ORDER"
    session = login(client, code, "alice", "a long secret")
    assert session.status_code == 200 and session.get_json()["userId"] == user_id
    assert login(client, code, "alice", "a long secret\n").status_code == 401


def test_user_create_refusals_exit_1(app):
    code = unique_code()
    run(app, "tenant", "create", code)
    unknown = run(app, "user", "create", "--tenant", "no-such-tenant", "bob", "--password-stdin", input="long enough\n")
    assert unknown.exit_code == 1 and "Unknown tenant" in unknown.output
    short = run(app, "user", "create", "--tenant", code, "bob", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "Password too short." in short.output
    assert run(app, "user", "create", "--tenant", code, "bob", "--password-stdin", input="long enough\n").exit_code == 0
    twice = run(app, "user", "create", "--tenant", code, "bob", "--password-stdin", input="long enough\n")
    assert twice.exit_code == 1 and "already exists" in twice.output
    # The password only ever comes from standard input.
    assert run(app, "user", "create", "--tenant", code, "carol").exit_code == 2


def test_ledger_verify_and_rebuild(app, api):
    pos = api.stock_position()
    assert api.record(pos, 5).status_code == 201
    assert run(app, "ledger", "rebuild").exit_code == 0  # whatever earlier tests left, start from a proven ledger
    clean = run(app, "ledger", "verify")
    assert (clean.exit_code, clean.output) == (0, "ledger verify: ok\n")

    session = new_session(app, write=True)
    try:
        session.execute(update(BinInventoryBatch).where(BinInventoryBatch.bin_id == pos["bin"]["id"]).values(amount=50))
        session.execute(update(Bin).where(Bin.id == pos["bin"]["id"]).values(visible_record_count=9))
        session.commit()
    finally:
        session.close()
    try:
        broken = run(app, "ledger", "verify")
        assert broken.exit_code == 1
        assert (
            f"bin={pos['bin']['id']} product={pos['product']['id']} batch {pos['batch']['id']}: ledger=5 projection=50"
            in broken.output
        )
        assert f"bin={pos['bin']['id']} visible_record_count: ledger=1 counter=9" in broken.output
        # The batch total, the product total above it, and the bin's record counter.
        assert "ledger verify: 3 difference(s)" in broken.output
        assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["batches"][0]["amount"] == 50
    finally:
        fixed = run(app, "ledger", "rebuild")
    assert fixed.exit_code == 0 and fixed.output == "ledger rebuild: 2 total(s) corrected\n"
    assert run(app, "ledger", "verify").exit_code == 0
    row = api.inventory(pos["bin"]["id"], pos["product"]["id"])
    assert (row["amount"], row["batches"][0]["amount"]) == (5, 5)


# --- the operators' commands (issue 13, item 4) ----------------------------------------------------------------


def _bearer(client, code, username="clerk", password=PASSWORD):
    return Planograma(client, code, username, password).call("post", "/api/product/read", {})


def _session_alive(client, code, key):
    return client.get("/v1/warehouse", headers={"clientCode": code, "sessionKey": key}).status_code == 200


def test_version_is_the_services():
    command = Path(sys.executable).parent / "wms-service"
    out = subprocess.run([command, "--version"], capture_output=True, text=True, check=True).stdout
    assert out == f"wms-service {importlib.metadata.version('wms_service')}\n"


def test_user_passwd_changes_the_password_and_ends_the_sessions(app, client):
    _tid, code, _uid = make_tenant(app)
    key = login(client, code).get_json()["sessionKey"]
    assert _bearer(client, code).status_code == 200  # and cached
    result = run(app, "user", "passwd", "--tenant", code, "clerk", "--password-stdin", input="a new secret\n")
    assert (result.exit_code, result.output) == (
        0,
        f"user clerk tenant={code}: password changed, 1 session(s) revoked\n",
    )
    assert not _session_alive(client, code, key)
    assert login(client, code).status_code == 401 and _bearer(client, code).status_code == 401
    assert login(client, code, password="a new secret").status_code == 200
    assert _bearer(client, code, password="a new secret").status_code == 200


def test_user_passwd_forgets_the_failed_logins(app, client):
    _tid, code, _uid = make_tenant(app)
    for _ in range(11):
        login(client, code, password="wrong password")
    assert login(client, code).status_code == 429
    assert (
        run(app, "user", "passwd", "--tenant", code, "clerk", "--password-stdin", input="a new secret").exit_code == 0
    )
    assert login(client, code, password="a new secret").status_code == 200


def test_user_disable_and_enable(app, client):
    _tid, code, _uid = make_tenant(app)
    keys = [login(client, code).get_json()["sessionKey"] for _ in range(2)]
    result = run(app, "user", "disable", "--tenant", code, "clerk")
    assert (result.exit_code, result.output) == (0, f"user clerk tenant={code}: disabled, 2 session(s) revoked\n")
    assert not any(_session_alive(client, code, key) for key in keys)
    assert login(client, code).status_code == 401 and _bearer(client, code).status_code == 401
    listed = run(app, "user", "list", "--tenant", code)
    assert listed.output == f"clerk\tid={_uid}\tdisabled\tpermissions=ADMIN\n"
    enabled = run(app, "user", "enable", "--tenant", code, "clerk")
    assert (enabled.exit_code, enabled.output) == (0, f"user clerk tenant={code}: enabled\n")
    assert login(client, code).status_code == 200 and _bearer(client, code).status_code == 200


def test_user_revoke_sessions_ends_only_that_users(app, client):
    _tid, code, _uid = make_tenant(app)
    run(app, "user", "create", "--tenant", code, "other", "--password-stdin", input="long enough\n")
    mine = [login(client, code).get_json()["sessionKey"] for _ in range(2)]
    theirs = login(client, code, "other", "long enough").get_json()["sessionKey"]
    result = run(app, "user", "revoke-sessions", "--tenant", code, "clerk")
    assert (result.exit_code, result.output) == (0, f"user clerk tenant={code}: 2 session(s) revoked\n")
    assert not any(_session_alive(client, code, key) for key in mine)
    assert _session_alive(client, code, theirs)
    again = run(app, "user", "revoke-sessions", "--tenant", code, "clerk")
    assert again.output == f"user clerk tenant={code}: 0 session(s) revoked\n"
    assert login(client, code).status_code == 200  # the password still works


def test_user_list_and_tenant_list(app):
    code = unique_code()
    assert run(app, "tenant", "create", code, "--name", "Acme", "--host", f"{code}.example").exit_code == 0
    for name, permission in (("bob", "stock"), ("alice", None)):
        args = ["user", "create", "--tenant", code, name, "--password-stdin"]
        args += ["--permission", permission, "--permission", "catalog"] if permission else []
        assert run(app, *args, input="long enough\n").exit_code == 0
    ids = dict(
        one_row for one_row in _rows(app, select(User.username, User.id).join(Tenant).where(Tenant.code == code))
    )
    listed = run(app, "user", "list", "--tenant", code)
    assert listed.output == (
        f"alice\tid={ids['alice']}\tactive\tpermissions=-\nbob\tid={ids['bob']}\tactive\tpermissions=CATALOG STOCK\n"
    )
    (tenant_id,) = one(app, select(Tenant.id).where(Tenant.code == code))
    tenants = run(app, "tenant", "list").output.splitlines()
    assert f"{code}\tid={tenant_id}\tname=Acme\tusers=2\thosts={code}.example" in tenants
    assert tenants == sorted(tenants, key=lambda line: line.split("\t")[0])


def _rows(app, query):
    session = new_session(app)
    try:
        return session.execute(query).all()
    finally:
        session.close()


def test_password_stdin_reads_standard_input_as_its_name_says(app, client):
    code = unique_code()
    run(app, "tenant", "create", code)
    create = ["user", "create", "--tenant", code]
    crlf = run(app, *create, "crlf", "--password-stdin", input="windows line\r\n")
    assert crlf.exit_code == 0 and login(client, code, "crlf", "windows line").status_code == 200
    bare = run(app, *create, "bare", "--password-stdin", input="no line break")
    assert bare.exit_code == 0 and login(client, code, "bare", "no line break").status_code == 200
    two = run(app, *create, "two", "--password-stdin", input="first line\nsecond line\n")
    assert two.exit_code == 2 and "standard input holds more than one line; a password is one." in two.output
    empty = run(app, *create, "empty", "--password-stdin", input="")
    assert empty.exit_code == 2 and "standard input is empty" in empty.output
    piped = run(app, *create, "piped", input="a password\n")  # piped without the option: not read
    assert piped.exit_code == 2 and "give --password-stdin to read the password from standard input" in piped.output
    assert run(app, "user", "list", "--tenant", code).output.count("\n") == 2


def test_unknown_permissions_are_refused(app):
    code = unique_code()
    run(app, "tenant", "create", code)
    result = run(
        app,
        "user",
        "create",
        "--tenant",
        code,
        "eve",
        "--password-stdin",
        "--permission",
        "superuser",
        input="long enough\n",
    )
    assert result.exit_code == 1
    assert result.output == (
        "error: Unknown permission 'SUPERUSER'. "
        "The permissions are ADMIN, CATALOG, ORDERS, PURCHASE_ORDER, RECEIVING, STOCK.\n"
    )
    assert run(app, "user", "list", "--tenant", code).output == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["tenant", "create", "no spaces"],
            "Invalid tenant code. A tenant code is 1 to 64 letters, digits, '-' or '_', and starts with a letter or a digit.",
        ),
        (["tenant", "create", "_underscore_first"], None),
        (["tenant", "create", "x" * 65], None),
        (["tenant", "create", "line\n"], None),
        (
            ["tenant", "create", "{code}", "--host", "bad host"],
            "Invalid host 'bad host'. A host is an IP address or a DNS name: dot-separated labels of letters, digits "
            "and '-' (1 to 63 each).",
        ),
    ],
)
def test_tenant_refusals_state_the_rule(app, args, message):
    code = unique_code()
    result = run(app, *[a.format(code=code) for a in args])
    assert result.exit_code == 1
    rule = "Invalid tenant code. A tenant code is 1 to 64 letters, digits, '-' or '_', and starts with a letter or a digit."
    assert result.output == f"error: {message or rule}\n"
    assert run(app, "tenant", "list").output.count(code) == 0


@pytest.mark.parametrize(
    "username, password, message",
    [
        (
            "with:colon",
            "long enough",
            "Invalid username. A username is 1 to 100 characters, without ':' or control characters, and no space at "
            "either end.",
        ),
        (" padded", "long enough", None),
        ("x" * 101, "long enough", None),
        (
            "carol",
            "short",
            "Password too short. A password is 8 to 1024 characters, without control characters (line breaks, tabs), "
            "and does not end with a space.",
        ),
        (
            "carol",
            "ends with a space ",
            "Invalid password. A password is 8 to 1024 characters, without control characters (line breaks, tabs), "
            "and does not end with a space.",
        ),
        ("carol", "tab\tinside it", "Invalid password."),
        ("carol", "x" * 1025, "Invalid password."),
    ],
)
def test_user_refusals_state_the_rule(app, username, password, message):
    code = unique_code()
    run(app, "tenant", "create", code)
    result = run(app, "user", "create", "--tenant", code, username, "--password-stdin", input=password + "\n")
    assert result.exit_code == 1
    assert result.output.startswith("error: " + (message or "Invalid username. A username is 1 to 100 characters"))


def test_commands_on_unknown_tenants_and_users_exit_1(app):
    code = unique_code()
    run(app, "tenant", "create", code)
    for command in ("disable", "enable", "revoke-sessions"):
        assert (
            run(app, "user", command, "--tenant", code, "ghost").output
            == f"error: No user 'ghost' in tenant '{code}'.\n"
        )
        assert run(app, "user", command, "--tenant", "nosuch", "ghost").output == "error: Unknown tenant 'nosuch'.\n"
    passwd = run(app, "user", "passwd", "--tenant", code, "ghost", "--password-stdin", input="long enough\n")
    assert (passwd.exit_code, passwd.output) == (1, f"error: No user 'ghost' in tenant '{code}'.\n")
    assert run(app, "user", "list", "--tenant", "nosuch").exit_code == 1
