"""The webhooks a tenant registers (``wms-service webhook add/list/remove``): where its events are POSTed, and the
secret their bodies are signed with."""

import secrets
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth.models import Tenant
from ..db import now
from ..errors import NotFound, ValidationFailed
from . import outbox
from .models import FAILED, PENDING, OutboxDelivery, Webhook

EVENT_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._")


def add(
    db: Session, *, tenant: Tenant, url: str, secret: str | None = None, events: list[str] | None = None
) -> Webhook:
    """Register ``url`` for the tenant's events (every type, or those in ``events``); without ``secret`` one is
    made (64 hex digits). The caller shows the secret once; it is never listed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise ValidationFailed("The URL must be an http:// or https:// URL of at most 2000 characters.")
    if secret is not None and not 16 <= len(secret) <= 200:
        raise ValidationFailed("A secret has 16 to 200 characters.")
    types = sorted({t.strip().lower() for t in events or [] if t.strip()})
    bad = [t for t in types if not set(t) <= EVENT_TYPE_CHARS or "." not in t or len(t) > 60]
    if bad:
        raise ValidationFailed(f"Not an event type: {', '.join(bad)} (such as order.status_changed).")
    webhook = Webhook(
        tenant_id=tenant.id,
        url=url,
        secret=secret or secrets.token_hex(32),
        events=" ".join(types),
        created=now(),
    )
    db.add(webhook)
    db.flush()
    outbox.webhooks_changed(db)
    return webhook


def listed(db: Session, *, tenant: Tenant | None = None) -> list[tuple[Webhook, str, int, int]]:
    """Every webhook (of ``tenant``, if given) with its tenant's code and its pending and failed deliveries."""
    counts = (
        select(
            OutboxDelivery.webhook_id,
            func.count().filter(OutboxDelivery.state == PENDING).label("pending"),
            func.count().filter(OutboxDelivery.state == FAILED).label("failed"),
        )
        .where(OutboxDelivery.state.in_((PENDING, FAILED)))
        .group_by(OutboxDelivery.webhook_id)
        .subquery()
    )
    query = (
        select(Webhook, Tenant.code, func.coalesce(counts.c.pending, 0), func.coalesce(counts.c.failed, 0))
        .join(Tenant, Tenant.id == Webhook.tenant_id)
        .outerjoin(counts, counts.c.webhook_id == Webhook.id)
        .order_by(Webhook.id)
    )
    if tenant is not None:
        query = query.where(Webhook.tenant_id == tenant.id)
    return [tuple(row) for row in db.execute(query)]


def remove(db: Session, *, webhook_id: int, tenant: Tenant | None = None) -> int:
    """Remove a webhook and its deliveries (the events stay in the outbox); answers how many of them were not yet
    delivered."""
    query = select(Webhook).where(Webhook.id == webhook_id)
    if tenant is not None:
        query = query.where(Webhook.tenant_id == tenant.id)
    webhook = db.scalar(query.with_for_update())
    if webhook is None:
        raise NotFound(f"Webhook {webhook_id} not found.")
    undelivered = db.scalar(
        select(func.count())
        .select_from(OutboxDelivery)
        .where(OutboxDelivery.webhook_id == webhook_id, OutboxDelivery.state.in_((PENDING, FAILED)))
    )
    db.execute(OutboxDelivery.__table__.delete().where(OutboxDelivery.webhook_id == webhook_id))
    db.delete(webhook)
    db.flush()
    outbox.webhooks_changed(db)
    return undelivered
