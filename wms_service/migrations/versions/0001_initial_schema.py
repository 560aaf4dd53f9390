"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tenant",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("allow_negative_stock", sa.Boolean(), nullable=False),
        sa.Column("created", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant")),
        sa.UniqueConstraint("code", name=op.f("uq_tenant_code")),
    )
    op.create_table(
        "app_user",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("permissions", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_app_user_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("tenant_id", "username", name=op.f("uq_app_user_tenant_id_username")),
    )
    op.create_table(
        "idempotency_key",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_idempotency_key_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_idempotency_key_tenant_id_key")),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_key_created"), ["created"], unique=False)

    op.create_table(
        "product",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_product_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_product_tenant_id_code")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "tenant_host",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hostname", sa.String(length=253), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_tenant_host_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_host")),
        sa.UniqueConstraint("hostname", name=op.f("uq_tenant_host_hostname")),
    )
    with op.batch_alter_table("tenant_host", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenant_host_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "warehouse",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_warehouse_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_warehouse_tenant_id_code")),
    )
    with op.batch_alter_table("warehouse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warehouse_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "api_session",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expires", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_api_session_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_api_session_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_session_key_hash")),
    )
    with op.batch_alter_table("api_session", schema=None) as batch_op:
        batch_op.create_index("ix_api_session_expires", ["expires"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "batch",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_batch_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_batch_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batch_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "bin",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("preferred", sa.Boolean(), nullable=False),
        sa.Column("bin_order", sa.Integer(), nullable=False),
        sa.Column("allowed_product", sa.String(length=300), nullable=False),
        sa.Column("replenishment_minimum", sa.Integer(), nullable=False),
        sa.Column("maximum_amount", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_bin_tenant_id_tenant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_bin_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bin")),
    )
    with op.batch_alter_table("bin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bin_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bin_warehouse_id"), ["warehouse_id"], unique=False)
        batch_op.create_index(
            "uq_bin_warehouse_code",
            ["warehouse_id", "code"],
            unique=True,
            postgresql_where=sa.text("code <> ''"),
            sqlite_where=sa.text("code <> ''"),
        )

    op.create_table(
        "batch_code",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_batch_code_batch_id_batch"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_batch_code_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_code")),
    )
    with op.batch_alter_table("batch_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_code_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_batch_code_tenant_code", ["tenant_id", "code"], unique=False)

    op.create_table(
        "bin_inventory",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_bin_inventory_bin_id_bin")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_bin_inventory_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_bin_inventory_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bin_inventory")),
        sa.UniqueConstraint("bin_id", "product_id", name=op.f("uq_bin_inventory_bin_id_product_id")),
    )
    with op.batch_alter_table("bin_inventory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bin_inventory_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index("ix_bin_inventory_tenant_product", ["tenant_id", "product_id"], unique=False)

    op.create_table(
        "bin_inventory_record",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reference_type", sa.String(length=40), nullable=True),
        sa.Column("reference_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("prod_amort_type_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("document_row_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("orgper_id_dat", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("record_type", sa.String(length=40), nullable=True),
        sa.Column("reverses_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reversed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_bin_inventory_record_amount_nonzero")),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_bin_inventory_record_batch_id_batch")),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_bin_inventory_record_bin_id_bin")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_bin_inventory_record_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["bin_inventory_record.id"],
            name=op.f("fk_bin_inventory_record_reverses_id_bin_inventory_record"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_bin_inventory_record_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bin_inventory_record")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_bin_inventory_record_reverses_id")),
    )
    with op.batch_alter_table("bin_inventory_record", schema=None) as batch_op:
        batch_op.create_index("ix_bin_inventory_record_position", ["bin_id", "product_id", "batch_id"], unique=False)
        batch_op.create_index(
            "ix_bin_inventory_record_reference", ["tenant_id", "reference_type", "reference_id"], unique=False
        )
        batch_op.create_index("ix_bin_inventory_record_tenant_id", ["tenant_id", "id"], unique=False)

    op.create_table(
        "stocktaking",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("warehouse_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reference_type", sa.String(length=40), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("finished_at", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_stocktaking_bin_id_bin")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_stocktaking_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"], name=op.f("fk_stocktaking_warehouse_id_warehouse")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktaking")),
    )
    with op.batch_alter_table("stocktaking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stocktaking_bin_id"), ["bin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stocktaking_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "bin_inventory_batch",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bin_inventory_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bin_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_bin_inventory_batch_batch_id_batch")),
        sa.ForeignKeyConstraint(["bin_id"], ["bin.id"], name=op.f("fk_bin_inventory_batch_bin_id_bin")),
        sa.ForeignKeyConstraint(
            ["bin_inventory_id"],
            ["bin_inventory.id"],
            name=op.f("fk_bin_inventory_batch_bin_inventory_id_bin_inventory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_bin_inventory_batch_product_id_product")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_bin_inventory_batch_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bin_inventory_batch")),
        sa.UniqueConstraint(
            "bin_inventory_id", "batch_id", name=op.f("uq_bin_inventory_batch_bin_inventory_id_batch_id")
        ),
    )
    with op.batch_alter_table("bin_inventory_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bin_inventory_batch_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "stocktaking_record",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stocktaking_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("counted_quantity", sa.Integer(), nullable=False),
        sa.Column("expected_at_finish", sa.Integer(), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("added", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("added_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=op.f("fk_stocktaking_record_batch_id_batch")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_stocktaking_record_product_id_product")),
        sa.ForeignKeyConstraint(
            ["stocktaking_id"],
            ["stocktaking.id"],
            name=op.f("fk_stocktaking_record_stocktaking_id_stocktaking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_stocktaking_record_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktaking_record")),
        sa.UniqueConstraint(
            "stocktaking_id",
            "product_id",
            "batch_id",
            name=op.f("uq_stocktaking_record_stocktaking_id_product_id_batch_id"),
        ),
    )


def downgrade():
    op.drop_table("stocktaking_record")
    with op.batch_alter_table("bin_inventory_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bin_inventory_batch_batch_id"))

    op.drop_table("bin_inventory_batch")
    with op.batch_alter_table("stocktaking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stocktaking_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_stocktaking_bin_id"))

    op.drop_table("stocktaking")
    with op.batch_alter_table("bin_inventory_record", schema=None) as batch_op:
        batch_op.drop_index("ix_bin_inventory_record_tenant_id")
        batch_op.drop_index("ix_bin_inventory_record_reference")
        batch_op.drop_index("ix_bin_inventory_record_position")

    op.drop_table("bin_inventory_record")
    with op.batch_alter_table("bin_inventory", schema=None) as batch_op:
        batch_op.drop_index("ix_bin_inventory_tenant_product")
        batch_op.drop_index(batch_op.f("ix_bin_inventory_tenant_id"))

    op.drop_table("bin_inventory")
    with op.batch_alter_table("batch_code", schema=None) as batch_op:
        batch_op.drop_index("ix_batch_code_tenant_code")
        batch_op.drop_index(batch_op.f("ix_batch_code_batch_id"))

    op.drop_table("batch_code")
    with op.batch_alter_table("bin", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bin_warehouse_code", postgresql_where=sa.text("code <> ''"), sqlite_where=sa.text("code <> ''")
        )
        batch_op.drop_index(batch_op.f("ix_bin_warehouse_id"))
        batch_op.drop_index(batch_op.f("ix_bin_tenant_id"))

    op.drop_table("bin")
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_batch_product_id"))

    op.drop_table("batch")
    with op.batch_alter_table("api_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_session_user_id"))
        batch_op.drop_index("ix_api_session_expires")

    op.drop_table("api_session")
    with op.batch_alter_table("warehouse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warehouse_tenant_id"))

    op.drop_table("warehouse")
    with op.batch_alter_table("tenant_host", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_host_tenant_id"))

    op.drop_table("tenant_host")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_tenant_id"))

    op.drop_table("product")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_key_created"))

    op.drop_table("idempotency_key")
    op.drop_table("app_user")
    op.drop_table("tenant")
