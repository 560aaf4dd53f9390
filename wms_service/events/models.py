"""The outbox: one row per event, written in the transaction of the change it announces.

``id`` orders the events (a document's events are written under its row lock, so they are ordered per document);
``event_id`` is the event's public, unique id, the one receivers use to drop repeats.
"""

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
