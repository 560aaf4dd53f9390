"""reservations per bin and batch

A reservation promises stock of one bin and batch to one document line (CONTRACT section 5), so
``stock_reservation`` gets a batch, a required bin and line, and flags for what the line named; the table is
made anew, as nothing wrote to it before (it refuses to run if something did). ``bin_inventory_batch.reserved``
keeps what reservations hold beside the amount, so the stock rules read free stock in the query that reads the
level; 0 everywhere, as nothing is reserved yet.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _refuse_if_not_empty():
    rows = op.get_bind().execute(sa.text("SELECT count(*) FROM stock_reservation")).scalar_one()
    if rows:
        raise RuntimeError(
            f"stock_reservation holds {rows} row(s), which this migration cannot place in a bin and batch; "
            "release them first"
        )


def upgrade():
    _refuse_if_not_empty()
    op.drop_table("stock_reservation")
    op.create_table(
        "stock_reservation",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("bin_id", ID, nullable=False),
        sa.Column("batch_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=40), nullable=False),
        sa.Column("document_id", ID, nullable=False),
        sa.Column("document_line_id", ID, nullable=False),
        sa.Column("bin_named", sa.Boolean(), nullable=False),
        sa.Column("batch_named", sa.Boolean(), nullable=False),
        sa.Column("created", ID, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_reservation_quantity_positive")),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_stock_reservation_batch_id_batch")),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_stock_reservation_bin_id_bin")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_stock_reservation_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_stock_reservation_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservation")),
        sa.UniqueConstraint(
            "tenant_id",
            "document_type",
            "document_id",
            "document_line_id",
            "bin_id",
            "batch_id",
            name="uq_stock_reservation_line_place",
        ),
    )
    op.create_index("ix_stock_reservation_place", "stock_reservation", ["bin_id", "batch_id"], unique=False)
    op.create_index("ix_stock_reservation_tenant_product", "stock_reservation", ["tenant_id", "product_id"])
    # Plain ADD COLUMN (SQLite has it): a batch copy would rebuild the projection table.
    op.add_column("bin_inventory_batch", sa.Column("reserved", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    _refuse_if_not_empty()
    op.drop_column("bin_inventory_batch", "reserved")
    op.drop_table("stock_reservation")
    op.create_table(
        "stock_reservation",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("bin_id", ID, nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=40), nullable=False),
        sa.Column("document_id", ID, nullable=False),
        sa.Column("document_line_id", ID, nullable=True),
        sa.Column("created", ID, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_reservation_quantity_positive")),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_stock_reservation_bin_id_bin")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_stock_reservation_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_stock_reservation_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservation")),
    )
    op.create_index("ix_stock_reservation_document", "stock_reservation", ["tenant_id", "document_type", "document_id"])
    op.create_index("ix_stock_reservation_tenant_product", "stock_reservation", ["tenant_id", "product_id"])
