"""The outbox: one row per event, written in the transaction of the change it announces; the webhooks a tenant
registered; one delivery row per event and webhook (its state, attempts, when it is due, who holds its lease);
and the notifications users send each other.

``id`` orders the events (a document's events are written under its row lock, so they are ordered per document);
``event_id`` is the event's public, unique id, the one receivers use to drop repeats. Times are milliseconds since
the epoch.
"""

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, IdMixin, IdType


class OutboxEvent(IdMixin, Base):
    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_document", "tenant_id", "document_type", "document_id", "id"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    document_type: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[int | None] = mapped_column(IdType)
    # Milliseconds since the epoch (the audit fields keep seconds; events need finer); the body shows it as ISO 8601 UTC.
    occurred: Mapped[int] = mapped_column(IdType)
    # The event's ``data`` object, as JSON text.
    data: Mapped[str] = mapped_column(Text)


class Webhook(IdMixin, Base):
    """A receiver of a tenant's events: every event (``events`` empty) or those whose type it lists."""

    __tablename__ = "webhook"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Kept as given: the worker signs every body with it (a hash could not sign).
    secret: Mapped[str] = mapped_column(String(200))
    # Space-separated event types; empty for all.
    events: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[int] = mapped_column(IdType)

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events.split()


PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class OutboxDelivery(IdMixin, Base):
    """One event for one webhook: pending until a 2xx answer (delivered) or until the attempts run out (failed).

    The document's type and id are copied from the event, so "no earlier event of this document to this webhook is
    undelivered" is one index lookup. A delivery process that takes a row sets ``lease_until``; nobody else takes
    it before then.
    """

    __tablename__ = "outbox_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "webhook_id"),
        Index("ix_outbox_delivery_due", "state", "due"),
        Index("ix_outbox_delivery_document", "webhook_id", "document_type", "document_id", "event_id"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"))
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    document_type: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[int | None] = mapped_column(IdType)
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due: Mapped[int] = mapped_column(IdType)
    lease_until: Mapped[int | None] = mapped_column(IdType)
    leased_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[int | None] = mapped_column(IdType)

    event: Mapped[OutboxEvent] = relationship(lazy="joined")
    webhook: Mapped[Webhook] = relationship(lazy="joined")


class Notification(IdMixin, Base):
    """A message to one user of the tenant (``POST /api/notifies``), unread until they mark it read."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_recipient", "recipient_id", "id"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    created: Mapped[int] = mapped_column(IdType)
    read_at: Mapped[int | None] = mapped_column(IdType)
