"""The wms-service operator commands, through Flask's CLI runner against the test database."""

from sqlalchemy import select, update

from wms_service.auth import service as auth
from wms_service.auth.models import Tenant, TenantHost, User
from wms_service.db import new_session
from wms_service.stock.models import Bin, BinInventoryBatch

from .conftest import login, unique_code


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
