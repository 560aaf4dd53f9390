"""The Alembic migrations and the models describe the same schema (what `alembic check` checks), on both engines;
the migrations go down to base and up again with stock in the database."""

import click
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from wms_service import (
    cli,
    create_app,
    models,  # noqa: F401
)
from wms_service.db import Base

from .conftest import Api, fresh_database, login, make_tenant, recorded_sql
from .planograma.conftest import Planograma


def _script():
    cfg = Config()
    cfg.set_main_option("script_location", "wms_service:migrations")
    return ScriptDirectory.from_config(cfg)


def test_the_migrated_schema_matches_the_models(app):
    engine = app.extensions["wms_engine"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_the_database_is_at_the_single_head(app):
    engine = app.extensions["wms_engine"]
    heads = _script().get_heads()
    assert len(heads) == 1, f"migrations branch: {heads}"
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)


def test_every_model_table_exists(app):
    tables = set(inspect(app.extensions["wms_engine"]).get_table_names())
    assert set(Base.metadata.tables) <= tables


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    """A migrated database of this test's own: downgrading the shared one would pull it from under the others."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


def _count(engine, table):
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_downgrade_to_base_and_upgrade_again_with_stock_in_the_database(own_database):
    app = create_app({"DATABASE_URL": own_database, "TESTING": True})
    engine = app.extensions["wms_engine"]
    try:
        client = app.test_client()
        _tenant_id, code, user_id = make_tenant(app)
        api = Api(client, code, "clerk", login(client, code).get_json()["sessionKey"], user_id)
        pos = api.stock_position()
        assert api.record(pos, 7).status_code == 201
        assert api.record(pos, -2).status_code == 201
        # The columns and tables 0002 added hold data too: a product in a category, a company.
        planograma = Planograma(client, code)
        category = planograma.category(externalReference="C-1")
        planograma.product(categoryId=category["categoryId"], thirdPartyReference="ERP-1", sellingPrice=9.5)
        planograma.ok("put", "/api/company/add", {"name": "Supplier", "type": "SUPPLIER"})
        runner = app.test_cli_runner()
        engine.dispose()  # from here on the commands and the checks take turns with one pooled connection

        result = runner.invoke(args=["db", "downgrade", "0001"])
        assert result.exit_code == 0, result.output
        assert _count(engine, "bin_inventory_record") == 2 and _count(engine, "product") == 2
        assert "category" not in inspect(engine).get_table_names()

        result = runner.invoke(args=["db", "downgrade", "base"])
        assert result.exit_code == 0, result.output
        assert inspect(engine).get_table_names() == ["alembic_version"]

        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with engine.connect() as connection:
            assert (
                compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
                == []
            )
        assert _count(engine, "bin_inventory_record") == 0
        if engine.dialect.name == "sqlite":
            # The migrations ran without foreign key enforcement; their connection went back to the pool with it on.
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    finally:
        engine.dispose()


def test_a_sqlite_migration_that_would_leave_broken_references_changes_nothing(app, api):
    if app.extensions["wms_engine"].dialect.name != "sqlite":
        pytest.skip("PostgreSQL checks every reference itself while the migration runs")
    product_id = api.stock_position()["product"]["id"]
    with app.app_context(), pytest.raises(click.ClickException, match="batch"):
        with cli._migrating() as connection:
            connection.exec_driver_sql("DELETE FROM product WHERE id = ?", (product_id,))
    assert api.get(f"/product/{product_id}").status_code == 200


def test_a_sqlite_migration_is_a_write_transaction_that_queues(app):
    """Run beside a live server, a migration waits for its turn like a request does (sqlite_queue.py) and takes
    the write lock at BEGIN, instead of meeting a writer in flight halfway through."""
    if app.extensions["wms_engine"].dialect.name != "sqlite":
        pytest.skip("the write queue and BEGIN IMMEDIATE are SQLite's")
    with app.app_context(), recorded_sql(app) as statements:
        with cli._migrating() as connection:
            connection.exec_driver_sql("SELECT 1")
            holder = connection.connection.dbapi_connection
            assert holder._holding  # the connection holds the writers' turn for the whole migration
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    assert not holder._holding
