"""order lines waiting for supply

``sales_order_line.waiting`` marks a line not fully reserved while its order waits for supply, and a partial
index on (tenant_id, product_id, order_id) of those lines lets the re-check find the orders waiting for a product without
reading every waiting order or every line of the product. Existing lines of waiting orders are marked waiting
(a line already full is cleared by the next re-check that looks at it).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sales_order_line") as batch:
        batch.add_column(sa.Column("waiting", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE sales_order_line SET waiting = true WHERE order_id IN "
        "(SELECT id FROM sales_order WHERE status = 'WAITING_FOR_SUPPLY')"
    )
    op.create_index(
        "ix_sales_order_line_waiting",
        "sales_order_line",
        ["tenant_id", "product_id", "order_id"],
        postgresql_where=sa.text("waiting"),
        sqlite_where=sa.text("waiting"),
    )


def downgrade():
    op.drop_index("ix_sales_order_line_waiting", table_name="sales_order_line")
    with op.batch_alter_table("sales_order_line") as batch:
        batch.drop_column("waiting")
