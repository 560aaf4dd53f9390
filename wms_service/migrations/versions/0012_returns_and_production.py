"""returns and production

Customer returns (``customer_return``: ``externalReference`` unique per tenant; ``customer_return_line``) and
production orders (``production_order``: ``thirdPartyReference`` unique per tenant; ``production_order_component``).
Their stock is the ledger's records that name them (recordType RETURN, PRODUCTION).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
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


def _fk(table, column, target, **kwargs):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kwargs)


def _indexes(table, *columns):
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade():
    op.create_table(
        "customer_return",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("external_reference", sa.String(length=100), nullable=False),
        sa.Column("external_client_id", sa.String(length=100), nullable=False),
        sa.Column("warehouse_id", ID, nullable=False),
        sa.Column("initial_order_id", ID, nullable=True),
        sa.Column("bin_id", ID, nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_audit(),
        _fk("customer_return", "bin_id", "bin"),
        _fk("customer_return", "initial_order_id", "sales_order"),
        _fk("customer_return", "tenant_id", "tenant", ondelete="CASCADE"),
        _fk("customer_return", "warehouse_id", "warehouse"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_return")),
        sa.UniqueConstraint(
            "tenant_id", "external_reference", name=op.f("uq_customer_return_tenant_id_external_reference")
        ),
        sqlite_autoincrement=True,
    )
    _indexes("customer_return", "bin_id", "initial_order_id", "warehouse_id")
    op.create_table(
        "customer_return_line",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("return_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        _fk("customer_return_line", "product_id", "product"),
        _fk("customer_return_line", "return_id", "customer_return", ondelete="CASCADE"),
        _fk("customer_return_line", "tenant_id", "tenant", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_return_line")),
    )
    _indexes("customer_return_line", "product_id", "return_id")
    op.create_table(
        "production_order",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("third_party_reference", sa.String(length=100), nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("warehouse_id", ID, nullable=False),
        sa.Column("bin_id", ID, nullable=True),
        sa.Column("batch_code", sa.String(length=100), nullable=True),
        sa.Column("expiration_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("closed_at", ID, nullable=True),
        sa.Column("closed_by_id", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_audit(),
        _fk("production_order", "bin_id", "bin"),
        _fk("production_order", "product_id", "product"),
        _fk("production_order", "tenant_id", "tenant", ondelete="CASCADE"),
        _fk("production_order", "warehouse_id", "warehouse"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_order")),
        sa.UniqueConstraint(
            "tenant_id", "third_party_reference", name=op.f("uq_production_order_tenant_id_third_party_reference")
        ),
        sqlite_autoincrement=True,
    )
    _indexes("production_order", "bin_id", "product_id", "warehouse_id")
    op.create_table(
        "production_order_component",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("production_order_id", ID, nullable=False),
        sa.Column("product_id", ID, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        _fk("production_order_component", "product_id", "product"),
        _fk("production_order_component", "production_order_id", "production_order", ondelete="CASCADE"),
        _fk("production_order_component", "tenant_id", "tenant", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_order_component")),
    )
    _indexes("production_order_component", "product_id", "production_order_id")


def downgrade():
    op.drop_table("production_order_component")
    op.drop_table("production_order")
    op.drop_table("customer_return_line")
    op.drop_table("customer_return")
