"""hardening: 64-bit stock totals

The per-bin totals (bin_inventory, bin_inventory_batch), the ledger's amounts and a count's frozen expected
quantity become BIGINT on PostgreSQL: a bin holding more than 2**31 - 1 of a product was a 400 with a storage
message there, while SQLite, whose INTEGER is already 64 bits, accepted it. SQLite's columns stay as they are
(no table copy). On PostgreSQL each ALTER rewrites its table under an exclusive lock: about a second per million
ledger records, during which the service waits.

Revision ID: 0007
Revises: 0004 (on the hardening branch; re-chained after 0006 when merged)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None

QUANTITIES = (
    ("bin_inventory", "amount"),
    ("bin_inventory_batch", "amount"),
    ("bin_inventory_record", "amount"),
    ("stocktaking_record", "expected_at_finish"),
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, column in QUANTITIES:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    # Fails, changing nothing, if a total no longer fits in 32 bits.
    if op.get_bind().dialect.name == "postgresql":
        for table, column in QUANTITIES:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
