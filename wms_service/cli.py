"""The wms-service command: a Flask CLI group with the service's operator commands."""

import importlib.metadata
import sys
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup

from . import db as database
from .auth import service as auth
from .errors import DomainError

db_cli = AppGroup("db", help="Database schema.")
ledger_cli = AppGroup("ledger", help="Prove or restore the stock totals from the ledger.")


def init_app(app):
    from .cli_accounts import tenant_cli, user_cli
    from .cli_events import outbox_cli, webhook_cli

    for group in (db_cli, tenant_cli, user_cli, ledger_cli, webhook_cli, outbox_cli):
        app.cli.add_command(group)
    app.cli.add_command(demo)


def main():
    from . import create_app

    # The service's own version, not Flask's banner of Python, Flask and Werkzeug versions.
    cli = FlaskGroup(create_app=create_app, help="wms_service operator commands.", add_version_option=False)
    version = click.version_option(
        importlib.metadata.version("wms_service"), "--version", prog_name="wms-service", message="%(prog)s %(version)s"
    )
    version(cli)(prog_name="wms-service")


@contextmanager
def _migrating():
    """A connection in one transaction for Alembic.

    On SQLite without foreign key enforcement while it runs: a batch operation copies a table, drops the original
    and renames the copy, and with enforcement on, dropping a table that stock rows refer to fails. SQLite ignores
    the pragma inside a transaction, so it is set before BEGIN; ``PRAGMA foreign_key_check`` before the commit
    proves the migration left every reference intact, else it is rolled back.
    """
    engine = database.get_engine(current_app)
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    # A write transaction like a request's: it queues for its turn and takes the write lock at BEGIN, so a
    # migration run beside a live server waits for the writer in flight instead of failing on a busy database.
    with engine.execution_options(**{database.WRITE: True}).connect() as connection:
        raw = connection.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    tables = sorted({row[0] for row in broken})
                    raise click.ClickException(
                        f"the migration would leave {len(broken)} rows of {', '.join(tables)} pointing at missing rows; "
                        "nothing was changed"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "wms_service:migrations")
    cfg.attributes["connection"] = connection
    return cfg


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision):
    """Migrate the database to REVISION (default: head)."""
    from alembic import command

    with _migrating() as connection:
        command.upgrade(_alembic_config(connection), revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade(revision):
    """Migrate the database back to REVISION ("base": no tables); what later migrations added goes, data included."""
    from alembic import command

    with _migrating() as connection:
        command.downgrade(_alembic_config(connection), revision)
    click.echo(f"database at {revision}")


def _run(work):
    """Run ``work(session)`` in one write transaction; domain errors exit 1 with their message."""
    session = database.new_session(current_app, write=True)
    try:
        result = work(session)
        session.commit()
        return result
    except DomainError as exc:
        session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    finally:
        session.close()


@ledger_cli.command("verify")
def ledger_verify():
    """Recompute every total from the ledger and check every reservation fits; exit 1 on any difference."""
    from .stock import proof

    session = database.new_session(current_app)
    try:
        bad = 0
        for m in proof.verify(session):
            bad += 1
            if isinstance(m, proof.ReservedMismatch):
                click.echo(
                    f"MISMATCH tenant={m.tenant_id} bin={m.bin_id} product={m.product_id} batch {m.batch_id}: "
                    f"{m.problem}: reserved={m.reserved} reservations={m.reservations} on hand={m.on_hand}"
                )
                continue
            if m.counter is not None:
                click.echo(
                    f"MISMATCH tenant={m.tenant_id} bin={m.bin_id} {m.counter}: "
                    f"ledger={m.ledger} counter={m.projection}"
                )
                continue
            level = "product total" if m.batch_id is None else f"batch {m.batch_id}"
            click.echo(
                f"MISMATCH tenant={m.tenant_id} bin={m.bin_id} product={m.product_id} {level}: "
                f"ledger={m.ledger} projection={m.projection}"
            )
    finally:
        session.close()
    if bad:
        click.echo(f"ledger verify: {bad} difference(s)", err=True)
        sys.exit(1)
    click.echo("ledger verify: ok")


@ledger_cli.command("rebuild")
def ledger_rebuild():
    """Restore the bin-inventory totals from the ledger, and the reserved totals from the reservations."""
    from .stock import proof

    fixed = _run(proof.rebuild)
    click.echo(f"ledger rebuild: {fixed} total(s) corrected")


@click.command("demo")
@click.option("--tenant", "tenant_code", default="demo")
@click.option("--username", default="demo")
@click.option("--password", default="demo-password")
def demo(tenant_code, username, password):
    """Create a demo tenant and user unless they exist, and print how to use them."""

    def work(session):
        tenant = auth.tenant_by_code(session, tenant_code) or auth.create_tenant(
            session, code=tenant_code, name="Demo", hosts=["localhost"]
        )
        from sqlalchemy import select

        from .auth.models import User

        exists = session.scalar(select(User).where(User.tenant_id == tenant.id, User.username == username))
        if exists is None:
            auth.create_user(session, tenant=tenant, username=username, password=password, permissions=["ADMIN"])

    _run(work)
    click.echo(f"demo tenant: clientCode={tenant_code} username={username} password={password}")
