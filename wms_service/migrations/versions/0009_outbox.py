"""outbox

The outbox (CONTRACT section 8): ``outbox_event``, one row per event, written in the transaction of the change it
announces. Delivery state lives beside it (later revisions).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "outbox_event",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("document_type", sa.String(length=30), nullable=False),
        sa.Column("document_id", ID, nullable=True),
        sa.Column("occurred", ID, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_outbox_event_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_event_id")),
    )
    op.create_index(op.f("ix_outbox_event_tenant_id"), "outbox_event", ["tenant_id"], unique=False)
    op.create_index(
        "ix_outbox_event_document", "outbox_event", ["tenant_id", "document_type", "document_id", "id"], unique=False
    )


def downgrade():
    op.drop_index("ix_outbox_event_document", table_name="outbox_event")
    op.drop_index(op.f("ix_outbox_event_tenant_id"), table_name="outbox_event")
    op.drop_table("outbox_event")
