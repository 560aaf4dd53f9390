"""record bin index

One bin's records in id order: ix_bin_inventory_record_bin_id on (bin_id, id) replaces the (bin_id, product_id,
batch_id) index. A bin's page of the record listing then stops after pageSize rows instead of reading and sorting
the bin's whole history. Nothing looked records up by position (the projection keeps per-position totals), so the
ledger keeps the same number of indexes to update on every insert.

Building the index takes about a second per million records; PostgreSQL blocks writes to the ledger meanwhile.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE/DROP INDEX on both engines: a batch copy would rebuild the ledger table.
    op.create_index("ix_bin_inventory_record_bin_id", "bin_inventory_record", ["bin_id", "id"], unique=False)
    op.drop_index("ix_bin_inventory_record_position", table_name="bin_inventory_record")


def downgrade():
    op.create_index(
        "ix_bin_inventory_record_position", "bin_inventory_record", ["bin_id", "product_id", "batch_id"], unique=False
    )
    op.drop_index("ix_bin_inventory_record_bin_id", table_name="bin_inventory_record")
