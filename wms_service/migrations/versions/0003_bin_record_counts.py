"""bin record counts

Per-bin counters of ledger records (all, and not reversed) that the ledger keeps in step, so the record
listing's exact total is a sum over bins instead of a count over the ledger. Filled from the ledger here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("visible_record_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE bin SET "
        "record_count = (SELECT count(*) FROM bin_inventory_record r WHERE r.bin_id = bin.id), "
        "visible_record_count = (SELECT count(*) FROM bin_inventory_record r "
        "WHERE r.bin_id = bin.id AND r.reversed_by_id IS NULL)"
    )


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite has it since 3.35): a batch copy would drop and recreate bin, which
    # the foreign keys of its stock rows refuse.
    op.drop_column("bin", "visible_record_count")
    op.drop_column("bin", "record_count")
