"""orders

The Planograma orders: ``sales_order`` (the header; ``externalOrderId`` and ``thirdPartyReference`` unique per
tenant) and ``sales_order_line``. Their reservations are rows of ``stock_reservation`` (document type ORDER).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
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
        "sales_order",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("external_order_id", sa.String(length=100), nullable=False),
        sa.Column("third_party_reference", sa.String(length=100), nullable=True),
        sa.Column("warehouse_id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("order_type", sa.Integer(), nullable=True),
        sa.Column("requires_validation", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("awb_external_link", sa.String(length=2000), nullable=True),
        sa.Column("invoice_external_link", sa.String(length=2000), nullable=True),
        sa.Column("number_of_envelopes", sa.Integer(), nullable=True),
        sa.Column("number_of_packages", sa.Integer(), nullable=True),
        sa.Column("picker_id", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_audit(),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_sales_order_company_id_company")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_sales_order_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_sales_order_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order")),
        sa.UniqueConstraint("tenant_id", "external_order_id", name=op.f("uq_sales_order_tenant_id_external_order_id")),
        sa.UniqueConstraint(
            "tenant_id", "third_party_reference", name=op.f("uq_sales_order_tenant_id_third_party_reference")
        ),
    )
    op.create_index("ix_sales_order_tenant_status_added", "sales_order", ["tenant_id", "status", "added", "id"])
    op.create_index(op.f("ix_sales_order_warehouse_id"), "sales_order", ["warehouse_id"])
    op.create_index(op.f("ix_sales_order_company_id"), "sales_order", ["company_id"])
    op.create_table(
        "sales_order_line",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("external_line_id", sa.String(length=100), nullable=True),
        sa.Column("bin_id", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_sales_order_line_bin_id_bin")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["sales_order.id"],
            name=op.f("fk_sales_order_line_order_id_sales_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_sales_order_line_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_sales_order_line_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order_line")),
    )
    op.create_index(op.f("ix_sales_order_line_order_id"), "sales_order_line", ["order_id"])
    op.create_index(op.f("ix_sales_order_line_product_id"), "sales_order_line", ["product_id"])
    op.create_index(op.f("ix_sales_order_line_bin_id"), "sales_order_line", ["bin_id"])


def downgrade():
    op.drop_table("sales_order_line")
    op.drop_table("sales_order")
