"""Alembic environment: runs on the connection the wms-service command (or a test) hands it."""

from alembic import context
from sqlalchemy import create_engine

from wms_service import models  # noqa: F401  (registers every table on Base.metadata)
from wms_service.db import Base

config = context.config
target_metadata = Base.metadata


def run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    with create_engine(url).begin() as conn:
        run(conn)
