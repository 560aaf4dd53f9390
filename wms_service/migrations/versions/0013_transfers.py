"""transfers

The Planograma transfers: ``transfer`` (the header: one warehouse, a status) and ``transfer_line`` (one product
and batch from a source bin to a destination bin, with its SSCC and serial numbers). Their reservations are rows
of ``stock_reservation`` (document type TRANSFER).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
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
        "transfer",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("warehouse_id", ID, nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_audit(),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_transfer_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_transfer_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_transfer_tenant_id"), "transfer", ["tenant_id"])
    op.create_index(op.f("ix_transfer_warehouse_id"), "transfer", ["warehouse_id"])
    op.create_table(
        "transfer_line",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("transfer_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("batch_id", ID, nullable=False),
        sa.Column("source_bin_id", ID, nullable=False),
        sa.Column("destination_bin_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("sscc_code", sa.String(length=100), nullable=True),
        sa.Column("sn", sa.Text(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_transfer_line_batch_id_batch")),
        sa.ForeignKeyConstraint(
            ["destination_bin_id"], ["bin.id"], name=op.f("fk_transfer_line_destination_bin_id_bin")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_transfer_line_product_id_product")),
        sa.ForeignKeyConstraint(["source_bin_id"], ["bin.id"], name=op.f("fk_transfer_line_source_bin_id_bin")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_transfer_line_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfer.id"], name=op.f("fk_transfer_line_transfer_id_transfer"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_line")),
    )
    for column in ("transfer_id", "product_id", "batch_id", "source_bin_id", "destination_bin_id"):
        op.create_index(op.f(f"ix_transfer_line_{column}"), "transfer_line", [column])


def downgrade():
    op.drop_table("transfer_line")
    op.drop_table("transfer")
