"""planograma catalog and reservations

Categories, measurement units and companies; the ProductInfo fields on product; and stock_reservation, which
stays empty until orders reserve stock.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

# wms_service.exact.ExactDecimal as it is stored: NUMERIC on PostgreSQL, canonical text on SQLite.
EXACT = sa.Numeric(precision=18, scale=4).with_variant(sa.String(length=40), "sqlite")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "category",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("external_reference", sa.String(length=100), nullable=True),
        sa.Column("third_party_reference", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_category_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("tenant_id", "external_reference", name=op.f("uq_category_tenant_id_external_reference")),
        sa.UniqueConstraint(
            "tenant_id", "third_party_reference", name=op.f("uq_category_tenant_id_third_party_reference")
        ),
    )
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_category_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "company",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("external_reference", sa.String(length=100), nullable=True),
        sa.Column("third_party_reference", sa.String(length=100), nullable=True),
        sa.Column("cui", sa.String(length=40), nullable=True),
        sa.Column("reg_no", sa.String(length=60), nullable=True),
        sa.Column("bank", sa.String(length=200), nullable=True),
        sa.Column("iban", sa.String(length=60), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_company_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
        sa.UniqueConstraint("tenant_id", "external_reference", name=op.f("uq_company_tenant_id_external_reference")),
        sa.UniqueConstraint(
            "tenant_id", "third_party_reference", name=op.f("uq_company_tenant_id_third_party_reference")
        ),
    )
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_cui"), ["cui"], unique=False)
        batch_op.create_index(batch_op.f("ix_company_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "measurement_unit",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("third_party_reference", sa.String(length=100), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_measurement_unit_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_unit")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_measurement_unit_tenant_id_code")),
        sa.UniqueConstraint(
            "tenant_id", "third_party_reference", name=op.f("uq_measurement_unit_tenant_id_third_party_reference")
        ),
    )
    with op.batch_alter_table("measurement_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measurement_unit_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "stock_reservation",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=40), nullable=False),
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("document_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_reservation_quantity_positive")),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_stock_reservation_bin_id_bin")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_stock_reservation_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_stock_reservation_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservation")),
    )
    with op.batch_alter_table("stock_reservation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_reservation_document", ["tenant_id", "document_type", "document_id"], unique=False
        )
        batch_op.create_index("ix_stock_reservation_tenant_product", ["tenant_id", "product_id"], unique=False)

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sku", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("third_party_reference", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("category_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("vat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.add_column(sa.Column("vat_percentage", EXACT, nullable=True))
        batch_op.add_column(sa.Column("purchase_price", EXACT, nullable=True))
        batch_op.add_column(sa.Column("selling_price", EXACT, nullable=True))
        batch_op.add_column(sa.Column("minimum_stock", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("requires_serial_number", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("requires_batch_code", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(
            sa.Column("requires_batch_details", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("requires_production_date", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("requires_expiration_date", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("width", EXACT, nullable=True))
        batch_op.add_column(sa.Column("height", EXACT, nullable=True))
        batch_op.add_column(sa.Column("length", EXACT, nullable=True))
        batch_op.add_column(sa.Column("weight", EXACT, nullable=True))
        batch_op.add_column(sa.Column("volume", EXACT, nullable=True))
        batch_op.add_column(sa.Column("diameter", EXACT, nullable=True))
        batch_op.add_column(sa.Column("material", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("color", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_product_category_id"), ["category_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_product_tenant_id_third_party_reference"), ["tenant_id", "third_party_reference"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_product_category_id_category"), "category", ["category_id"], ["id"])


def downgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_product_category_id_category"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_product_tenant_id_third_party_reference"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_product_category_id"))
        batch_op.drop_column("color")
        batch_op.drop_column("material")
        batch_op.drop_column("diameter")
        batch_op.drop_column("volume")
        batch_op.drop_column("weight")
        batch_op.drop_column("length")
        batch_op.drop_column("height")
        batch_op.drop_column("width")
        batch_op.drop_column("requires_expiration_date")
        batch_op.drop_column("requires_production_date")
        batch_op.drop_column("requires_batch_details")
        batch_op.drop_column("requires_batch_code")
        batch_op.drop_column("requires_serial_number")
        batch_op.drop_column("minimum_stock")
        batch_op.drop_column("selling_price")
        batch_op.drop_column("purchase_price")
        batch_op.drop_column("vat_percentage")
        batch_op.drop_column("vat_id")
        batch_op.drop_column("category_id")
        batch_op.drop_column("third_party_reference")
        batch_op.drop_column("sku")

    with op.batch_alter_table("stock_reservation", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_reservation_tenant_product")
        batch_op.drop_index("ix_stock_reservation_document")

    op.drop_table("stock_reservation")
    with op.batch_alter_table("measurement_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_unit_tenant_id"))

    op.drop_table("measurement_unit")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_company_cui"))

    op.drop_table("company")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_category_tenant_id"))

    op.drop_table("category")
