"""document ids never reused

On SQLite a table's highest id is given again after a delete unless the table is AUTOINCREMENT; a document's id
is kept by ERPs and named by webhooks, so the document headers become AUTOINCREMENT there (rebuilt in place).
PostgreSQL's sequences never reuse an id: nothing to do.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("stocktaking", "sales_order")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade():
    pass
