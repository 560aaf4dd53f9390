"""count frozen expected

A stocktaking line keeps what the ledger held when it was counted (``expected_quantity``), so that finishing
posts ``counted - expected`` and stock that moved after the count is kept. ``expected_at_finish`` becomes
``level_at_finish``: what the ledger held when the count was finished, before its own records (the line's
``movedSinceCount`` once finished).

Existing lines: a finished line's expected is its level at the finish (what the old finish compared the count
with, so its difference is still what was posted); an open line's is the ledger's level now, the value it showed
until today.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("stocktaking_record", sa.Column("expected_quantity", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE stocktaking_record SET expected_quantity = COALESCE(expected_at_finish, (SELECT b.amount "
        "FROM bin_inventory_batch b JOIN stocktaking s ON s.bin_id = b.bin_id "
        "WHERE s.id = stocktaking_record.stocktaking_id AND b.batch_id = stocktaking_record.batch_id), 0)"
    )
    # stocktaking_record is no other table's parent, so SQLite's batch copy of it breaks no reference.
    with op.batch_alter_table("stocktaking_record", schema=None) as batch_op:
        batch_op.alter_column("expected_quantity", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("expected_at_finish", new_column_name="level_at_finish", existing_type=sa.Integer())


def downgrade():
    with op.batch_alter_table("stocktaking_record", schema=None) as batch_op:
        batch_op.alter_column("level_at_finish", new_column_name="expected_at_finish", existing_type=sa.Integer())
        batch_op.drop_column("expected_quantity")
