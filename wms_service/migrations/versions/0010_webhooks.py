"""webhooks

Events out (CONTRACT section 8): the webhooks a tenant registers, one delivery row per event and webhook (state,
attempts, when it is due, the lease of the process sending it), and the notifications users send each other.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "webhook",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("created", ID, nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_webhook_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
    )
    op.create_index(op.f("ix_webhook_tenant_id"), "webhook", ["tenant_id"], unique=False)

    op.create_table(
        "outbox_delivery",
        sa.Column("event_id", ID, nullable=False),
        sa.Column("webhook_id", ID, nullable=False),
        sa.Column("document_type", sa.String(length=30), nullable=False),
        sa.Column("document_id", ID, nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due", ID, nullable=False),
        sa.Column("lease_until", ID, nullable=True),
        sa.Column("leased_by", sa.String(length=100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["outbox_event.id"], name=op.f("fk_outbox_delivery_event_id_outbox_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhook.id"], name=op.f("fk_outbox_delivery_webhook_id_webhook"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_delivery")),
        sa.UniqueConstraint("event_id", "webhook_id", name=op.f("uq_outbox_delivery_event_id_webhook_id")),
    )
    op.create_index(
        "ix_outbox_delivery_document",
        "outbox_delivery",
        ["webhook_id", "document_type", "document_id", "event_id"],
        unique=False,
    )
    op.create_index("ix_outbox_delivery_due", "outbox_delivery", ["state", "due"], unique=False)

    op.create_table(
        "notification",
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("recipient_id", ID, nullable=False),
        sa.Column("sender_id", ID, nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created", ID, nullable=False),
        sa.Column("read_at", ID, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["app_user.id"], name=op.f("fk_notification_recipient_id_app_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["app_user.id"], name=op.f("fk_notification_sender_id_app_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_notification_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_recipient", "notification", ["recipient_id", "id"], unique=False)
    op.create_index(op.f("ix_notification_sender_id"), "notification", ["sender_id"], unique=False)
    op.create_index(op.f("ix_notification_tenant_id"), "notification", ["tenant_id"], unique=False)


def downgrade():
    op.drop_table("notification")
    op.drop_table("outbox_delivery")
    op.drop_table("webhook")
