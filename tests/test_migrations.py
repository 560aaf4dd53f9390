"""The Alembic migrations and the models describe the same schema (what `alembic check` checks), on both engines."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config
from sqlalchemy import inspect

from wms_service.db import Base
from wms_service import models  # noqa: F401


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
