"""inventory

The Planograma inventory: ``inventory`` (a count over many bins of one warehouse, OPEN then VALIDATED) and
``inventory_line`` (one product and batch counted in one bin, with the frozen expected quantity as a
stocktaking's line has it).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUANTITY = ID  # db.Quantity: BIGINT on PostgreSQL, INTEGER on SQLite


def _audit():
    return [
        sa.Column("added", ID, nullable=False),
        sa.Column("added_by_id", ID, nullable=True),
        sa.Column("changed", ID, nullable=False),
        sa.Column("changed_by_id", ID, nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
    ]


def upgrade():
    op.create_table(
        "inventory",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("warehouse_id", ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("validated_at", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_audit(),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_inventory_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_inventory_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_inventory_tenant_id"), "inventory", ["tenant_id"])
    op.create_index(op.f("ix_inventory_warehouse_id"), "inventory", ["warehouse_id"])
    op.create_table(
        "inventory_line",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("inventory_id", ID, nullable=False),
        sa.Column("bin_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("batch_id", ID, nullable=False),
        sa.Column("recorded_quantity", QUANTITY, nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("sn_list", sa.JSON(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_audit(),
        sa.Column("counted_quantity", sa.Integer(), nullable=False),
        sa.Column("expected_quantity", QUANTITY, nullable=False),
        sa.Column("level_at_finish", QUANTITY, nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_inventory_line_batch_id_batch")),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_inventory_line_bin_id_bin")),
        sa.ForeignKeyConstraint(
            ["inventory_id"],
            ["inventory.id"],
            name=op.f("fk_inventory_line_inventory_id_inventory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_inventory_line_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_inventory_line_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_line")),
        sa.UniqueConstraint(
            "inventory_id",
            "bin_id",
            "product_id",
            "batch_id",
            name=op.f("uq_inventory_line_inventory_id_bin_id_product_id_batch_id"),
        ),
    )
    op.create_index("ix_inventory_line_bin_id", "inventory_line", ["bin_id"])
    op.create_index(op.f("ix_inventory_line_product_id"), "inventory_line", ["product_id"])
    op.create_index(op.f("ix_inventory_line_batch_id"), "inventory_line", ["batch_id"])


def downgrade():
    op.drop_table("inventory_line")
    op.drop_table("inventory")
