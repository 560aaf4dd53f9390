"""hardening: 64-bit stock totals, login throttling

The per-bin totals (bin_inventory, bin_inventory_batch: amount and reserved), the ledger's amounts, a
reservation's quantity and a count's expected quantity and level at finish become BIGINT on PostgreSQL: a bin holding more than 2**31 - 1 of a product was a 400 with a storage
message there, while SQLite, whose INTEGER is already 64 bits, accepted it. SQLite's columns stay as they are
(no table copy). On PostgreSQL each ALTER rewrites its table and indexes under an exclusive lock, during which
the service waits: 7.5 s for a million rows with three indexes on this (busy) 2-core machine; the ledger has more.

login_failure counts failed logins per tenant and username (auth/throttle.py), so that the count holds across
gunicorn workers and hosts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

QUANTITIES = (
    ("bin_inventory", "amount"),
    ("bin_inventory_batch", "amount"),
    ("bin_inventory_batch", "reserved"),
    ("bin_inventory_record", "amount"),
    ("stock_reservation", "quantity"),
    ("stocktaking_record", "expected_quantity"),
    ("stocktaking_record", "level_at_finish"),
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, column in QUANTITIES:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())
    op.create_table(
        "login_failure",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_failure_key_hash")),
    )
    op.create_index(op.f("ix_login_failure_window_start"), "login_failure", ["window_start"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_login_failure_window_start"), table_name="login_failure")
    op.drop_table("login_failure")
    # Fails, changing nothing, if a total no longer fits in 32 bits.
    if op.get_bind().dialect.name == "postgresql":
        for table, column in QUANTITIES:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
