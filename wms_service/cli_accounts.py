"""The operators' tenant and user commands of wms-service (``tenant ...``, ``user ...``).

Each command runs in one write transaction (``cli.run``); a refusal exits 1 with a message that states the rule.
A password is never an argument (it would stay in the shell's history and in ``ps``): it is read from standard
input with ``--password-stdin``, or prompted for, hidden and twice, on a terminal.
"""

import sys

import click
from flask.cli import AppGroup

from .auth import service as auth
from .auth.models import PERMISSIONS
from .errors import NotFound

tenant_cli = AppGroup("tenant", help="Tenants (accounts).")
user_cli = AppGroup("user", help="Users of a tenant.")

PERMISSION_HELP = f"One of {', '.join(PERMISSIONS)} (repeatable; any case)."


def _run(work):
    from .cli import _run as run  # cli imports this module; the shared runner is looked up when a command runs

    return run(work)


def _tenant(session, code: str):
    tenant = auth.tenant_by_code(session, code)
    if tenant is None:
        raise NotFound(f"Unknown tenant {code!r}.")
    return tenant


def _user(session, tenant_code: str, username: str):
    return auth.user_by_name(session, tenant=_tenant(session, tenant_code), username=username)


def read_password(password_stdin: bool) -> str:
    """With ``--password-stdin``, all of standard input less one final line break; without it, a prompt on a
    terminal (hidden, asked twice). Piped input without the option is a usage error, so that a password is never
    taken from somewhere its owner did not say."""
    if password_stdin:
        text = sys.stdin.read()
        password = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
        if not password:
            raise click.UsageError("--password-stdin: standard input is empty; pipe the password into the command.")
        if "\n" in password or "\r" in password:
            raise click.UsageError("--password-stdin: standard input holds more than one line; a password is one.")
        return password
    if not sys.stdin.isatty():
        raise click.UsageError("give --password-stdin to read the password from standard input, or run on a terminal.")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


password_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (else: prompt on a terminal)."
)
tenant_option = click.option("--tenant", "tenant_code", required=True, help="The tenant's code (clientCode).")


@tenant_cli.command("create")
@click.argument("code")
@click.option("--name", default="")
@click.option("--host", "hosts", multiple=True, help="A hostname for the Planograma API (repeatable).")
@click.option("--allow-negative-stock", is_flag=True, help="Let records take a batch below zero in a bin.")
def tenant_create(code, name, hosts, allow_negative_stock):
    """Create tenant CODE (Erply's clientCode): 1 to 64 letters, digits, '-' or '_', starting with a letter or digit."""
    tenant = _run(
        lambda s: auth.create_tenant(s, code=code, name=name, hosts=hosts, allow_negative_stock=allow_negative_stock)
    )
    click.echo(f"tenant {tenant.code} id={tenant.id}")
    if not hosts and (tenant.code != tenant.code.lower() or "_" in tenant.code):
        # The Planograma API finds a tenant by its host's first label, which is lower-case and has no '_'.
        click.echo(f"note: no host name can reach {tenant.code!r} by its code; give the tenant a --host", err=True)


@tenant_cli.command("list")
def tenant_list():
    """Every tenant: code, id, name, users, hosts."""
    rows = _run(auth.tenants)
    for tenant, hosts, user_count in rows:
        negative = " allow-negative-stock" if tenant.allow_negative_stock else ""
        click.echo(
            f"{tenant.code}\tid={tenant.id}\tname={tenant.name}\tusers={user_count}\thosts={','.join(hosts) or '-'}"
            f"{negative}"
        )


@user_cli.command("create")
@tenant_option
@click.argument("username")
@password_option
@click.option("--permission", "permissions", multiple=True, help=PERMISSION_HELP)
def user_create(tenant_code, username, password_stdin, permissions):
    """Create USERNAME in a tenant."""
    password = read_password(password_stdin)

    def work(session):
        tenant = _tenant(session, tenant_code)
        return auth.create_user(session, tenant=tenant, username=username, password=password, permissions=permissions)

    user = _run(work)
    click.echo(f"user {user.username} id={user.id} tenant={tenant_code}")


@user_cli.command("list")
@tenant_option
def user_list(tenant_code):
    """The tenant's users: username, id, active or disabled, permissions."""

    def work(session):
        return auth.users(session, tenant=_tenant(session, tenant_code))

    for user in _run(work):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.username}\tid={user.id}\t{state}\tpermissions={user.permissions or '-'}")


@user_cli.command("passwd")
@tenant_option
@click.argument("username")
@password_option
def user_passwd(tenant_code, username, password_stdin):
    """Set USERNAME's password; their sessions end and their failed logins are forgotten."""
    password = read_password(password_stdin)
    revoked = _run(lambda s: auth.set_password(s, user=_user(s, tenant_code, username), password=password))
    click.echo(f"user {username} tenant={tenant_code}: password changed, {revoked} session(s) revoked")


@user_cli.command("disable")
@tenant_option
@click.argument("username")
def user_disable(tenant_code, username):
    """Disable USERNAME: no login on either API, their sessions end."""
    revoked = _run(lambda s: auth.set_active(s, user=_user(s, tenant_code, username), active=False))
    click.echo(f"user {username} tenant={tenant_code}: disabled, {revoked} session(s) revoked")


@user_cli.command("enable")
@tenant_option
@click.argument("username")
def user_enable(tenant_code, username):
    """Enable USERNAME again."""
    _run(lambda s: auth.set_active(s, user=_user(s, tenant_code, username), active=True))
    click.echo(f"user {username} tenant={tenant_code}: enabled")


@user_cli.command("revoke-sessions")
@tenant_option
@click.argument("username")
def user_revoke_sessions(tenant_code, username):
    """End every open session of USERNAME (the Erply API's session keys; Bearer sends the password each time)."""
    revoked = _run(lambda s: auth.revoke_sessions(s, user=_user(s, tenant_code, username)))
    click.echo(f"user {username} tenant={tenant_code}: {revoked} session(s) revoked")
