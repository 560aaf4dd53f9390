"""receiving

The receiving documents (CONTRACT section 7): ``nir`` and ``nir_line`` (goods receipts; ``externalReference``
unique per tenant), ``purchase_order``, its ``purchase_order_line`` (ordered quantities) and the NIRs linked to
it (``purchase_order_nir``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
QUANTITY = ID  # db.Quantity: BIGINT on PostgreSQL, INTEGER on SQLite


def upgrade():
    op.create_table(
        "nir",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("external_reference", sa.String(length=100), nullable=False),
        sa.Column("third_party_reference", sa.String(length=100), nullable=True),
        sa.Column("warehouse_id", ID, nullable=False),
        sa.Column("supplier_id", ID, nullable=True),
        sa.Column("packaging_type", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("validated_at", ID, nullable=True),
        sa.Column("validated_by_id", ID, nullable=True),
        sa.Column("validated_by", sa.String(length=100), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("added", ID, nullable=False),
        sa.Column("added_by_id", ID, nullable=True),
        sa.Column("changed", ID, nullable=False),
        sa.Column("changed_by_id", ID, nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["company.id"], name=op.f("fk_nir_supplier_id_company")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_nir_tenant_id_tenant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_nir_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nir")),
        sa.UniqueConstraint("tenant_id", "external_reference", name=op.f("uq_nir_tenant_id_external_reference")),
        sa.UniqueConstraint("tenant_id", "third_party_reference", name=op.f("uq_nir_tenant_id_third_party_reference")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_nir_supplier_id"), "nir", ["supplier_id"], unique=False)
    op.create_index(op.f("ix_nir_warehouse_id"), "nir", ["warehouse_id"], unique=False)

    op.create_table(
        "purchase_order",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("supplier_id", ID, nullable=False),
        sa.Column("warehouse_id", ID, nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("added", ID, nullable=False),
        sa.Column("added_by_id", ID, nullable=True),
        sa.Column("changed", ID, nullable=False),
        sa.Column("changed_by_id", ID, nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["company.id"], name=op.f("fk_purchase_order_supplier_id_company")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_purchase_order_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_purchase_order_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_purchase_order_supplier_id"), "purchase_order", ["supplier_id"], unique=False)
    op.create_index(op.f("ix_purchase_order_tenant_id"), "purchase_order", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_purchase_order_warehouse_id"), "purchase_order", ["warehouse_id"], unique=False)

    op.create_table(
        "purchase_order_line",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("purchase_order_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_purchase_order_line_product_id_product")),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_purchase_order_line_purchase_order_id_purchase_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_purchase_order_line_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_line")),
        sa.UniqueConstraint(
            "purchase_order_id", "product_id", name=op.f("uq_purchase_order_line_purchase_order_id_product_id")
        ),
    )
    op.create_index(op.f("ix_purchase_order_line_product_id"), "purchase_order_line", ["product_id"], unique=False)
    op.create_index(
        op.f("ix_purchase_order_line_purchase_order_id"), "purchase_order_line", ["purchase_order_id"], unique=False
    )

    op.create_table(
        "purchase_order_nir",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("purchase_order_id", ID, nullable=False),
        sa.Column("nir_id", ID, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["nir_id"], ["nir.id"], name=op.f("fk_purchase_order_nir_nir_id_nir"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_purchase_order_nir_purchase_order_id_purchase_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_purchase_order_nir_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_nir")),
        sa.UniqueConstraint("purchase_order_id", "nir_id", name=op.f("uq_purchase_order_nir_purchase_order_id_nir_id")),
    )
    op.create_index(op.f("ix_purchase_order_nir_nir_id"), "purchase_order_nir", ["nir_id"], unique=False)
    op.create_index(
        op.f("ix_purchase_order_nir_purchase_order_id"), "purchase_order_nir", ["purchase_order_id"], unique=False
    )

    op.create_table(
        "nir_line",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("nir_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("external_line_id", sa.String(length=100), nullable=True),
        sa.Column("batch_code", sa.String(length=100), nullable=True),
        sa.Column("expiration_date", sa.Date(), nullable=True),
        sa.Column("production_date", sa.Date(), nullable=True),
        sa.Column("bin_id", ID, nullable=True),
        sa.Column("put_bin_id", ID, nullable=True),
        sa.Column("batch_id", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_nir_line_batch_id_batch")),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_nir_line_bin_id_bin")),
        sa.ForeignKeyConstraint(["nir_id"], ["nir.id"], name=op.f("fk_nir_line_nir_id_nir"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_nir_line_product_id_product")),
        sa.ForeignKeyConstraint(["put_bin_id"], ["bin.id"], name=op.f("fk_nir_line_put_bin_id_bin")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_nir_line_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nir_line")),
    )
    op.create_index(op.f("ix_nir_line_batch_id"), "nir_line", ["batch_id"], unique=False)
    op.create_index(op.f("ix_nir_line_bin_id"), "nir_line", ["bin_id"], unique=False)
    op.create_index(op.f("ix_nir_line_nir_id"), "nir_line", ["nir_id"], unique=False)
    op.create_index(op.f("ix_nir_line_product_id"), "nir_line", ["product_id"], unique=False)
    op.create_index(op.f("ix_nir_line_put_bin_id"), "nir_line", ["put_bin_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_nir_line_put_bin_id"), table_name="nir_line")
    op.drop_index(op.f("ix_nir_line_product_id"), table_name="nir_line")
    op.drop_index(op.f("ix_nir_line_nir_id"), table_name="nir_line")
    op.drop_index(op.f("ix_nir_line_bin_id"), table_name="nir_line")
    op.drop_index(op.f("ix_nir_line_batch_id"), table_name="nir_line")

    op.drop_table("nir_line")
    op.drop_index(op.f("ix_purchase_order_nir_purchase_order_id"), table_name="purchase_order_nir")
    op.drop_index(op.f("ix_purchase_order_nir_nir_id"), table_name="purchase_order_nir")

    op.drop_table("purchase_order_nir")
    op.drop_index(op.f("ix_purchase_order_line_purchase_order_id"), table_name="purchase_order_line")
    op.drop_index(op.f("ix_purchase_order_line_product_id"), table_name="purchase_order_line")

    op.drop_table("purchase_order_line")
    op.drop_index(op.f("ix_purchase_order_warehouse_id"), table_name="purchase_order")
    op.drop_index(op.f("ix_purchase_order_tenant_id"), table_name="purchase_order")
    op.drop_index(op.f("ix_purchase_order_supplier_id"), table_name="purchase_order")

    op.drop_table("purchase_order")
    op.drop_index(op.f("ix_nir_warehouse_id"), table_name="nir")
    op.drop_index(op.f("ix_nir_supplier_id"), table_name="nir")

    op.drop_table("nir")
