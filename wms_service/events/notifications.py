"""Notifications (``/api/notifies``): a message to one user of the tenant, stored with its
``notification.created`` event in one transaction; its recipient lists theirs and marks them read."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Tenant, User
from ..db import MAX_ID, now
from ..errors import NotFound
from . import outbox
from .models import Notification

DOCUMENT_TYPE = "NOTIFICATION"


def send(db: Session, *, tenant: Tenant, sender: User, recipient_id: int, title: str, message: str) -> Notification:
    """Store a notification for ``recipient_id``, a user of the tenant (404 otherwise), and queue its event."""
    recipient = db.scalar(select(User.id).where(User.id == recipient_id, User.tenant_id == tenant.id))
    if recipient is None:
        raise NotFound(f"User {recipient_id} not found.")
    notification = Notification(
        tenant_id=tenant.id, recipient_id=recipient_id, sender_id=sender.id, title=title, message=message, created=now()
    )
    db.add(notification)
    db.flush()
    outbox.emit(
        db,
        tenant_id=tenant.id,
        type="notification.created",
        document_type=DOCUMENT_TYPE,
        document_id=notification.id,
        data={"title": title, "message": message, "recipientId": recipient_id, "senderId": sender.id},
    )
    return notification


def inbox(db: Session, *, user: User, unread_only: bool = False, page: int = 1, limit: int = 100) -> list[Notification]:
    """The user's notifications, newest first."""
    query = select(Notification).where(Notification.recipient_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.scalars(query.order_by(Notification.id.desc()).offset((page - 1) * limit).limit(limit)))


def mark_read(db: Session, *, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (once: a second time changes nothing); another's is a 404."""
    notification = None
    if 0 < notification_id <= MAX_ID:
        notification = db.scalar(
            select(Notification)
            .where(Notification.id == notification_id, Notification.recipient_id == user.id)
            .with_for_update()
        )
    if notification is None:
        raise NotFound(f"Notification {notification_id} not found.")
    if notification.read_at is None:
        notification.read_at = now()
        db.flush()
    return notification
