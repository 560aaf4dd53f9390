"""Writing events: ``emit`` adds one to the caller's transaction, so it commits with the change it announces or
not at all (a rolled-back change announces nothing, and a committed one is never lost). With it go its
deliveries, one per webhook of the tenant that wants the event's type: a webhook hears the events emitted
after it was added."""

import json
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import PENDING, OutboxDelivery, OutboxEvent, Webhook


def emit(
    db: Session, *, tenant_id: int, type: str, document_type: str, document_id: int | None, data: dict
) -> OutboxEvent:
    """Queue one event (``type`` such as ``order.status_changed``) in the caller's transaction."""
    event = OutboxEvent(
        tenant_id=tenant_id,
        event_id=str(uuid.uuid4()),
        type=type,
        document_type=document_type,
        document_id=document_id,
        occurred=time.time_ns() // 1_000_000,
        data=json.dumps(data, separators=(",", ":"), sort_keys=True),
    )
    db.add(event)
    for webhook in _webhooks(db, tenant_id):
        if webhook.wants(type):
            db.add(
                OutboxDelivery(
                    event=event,
                    webhook_id=webhook.id,
                    document_type=document_type,
                    document_id=document_id,
                    state=PENDING,
                    attempts=0,
                    due=event.occurred,
                )
            )
    return event


_CACHE = "outbox.webhooks"


def _webhooks(db: Session, tenant_id: int) -> list[Webhook]:
    """The tenant's webhooks, read once per transaction: a transaction that emits many events (the re-check of
    waiting orders makes one per order it readies) reads them once. Webhooks are added and removed by the CLI,
    whose ``webhooks.add``/``remove`` call ``webhooks_changed`` for their own transaction; one another process adds
    while this transaction runs hears this transaction's events if it committed before this transaction's first
    emit, else none of them, and all of them commit together."""
    transaction = db.get_transaction()
    cached = db.info.get(_CACHE)
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        db.info[_CACHE] = cached
    found = cached[1].get(tenant_id)
    if found is None:
        # Plain copies outside the session: a savepoint rolled back later expires the session's objects, and
        # reloading one that was removed meanwhile would fail.
        rows = db.execute(select(Webhook.id, Webhook.events).where(Webhook.tenant_id == tenant_id).order_by(Webhook.id))
        found = [Webhook(id=webhook_id, events=events) for webhook_id, events in rows]
        cached[1][tenant_id] = found
    return found


def webhooks_changed(db: Session) -> None:
    """Forget the webhooks ``emit`` read in this session's transaction (a webhook was added or removed in it)."""
    db.info.pop(_CACHE, None)


def body(event: OutboxEvent) -> dict:
    """The event as receivers get it: ``{"id", "type", "documentType", "documentId", "occurredAt", "data"}``."""
    return {
        "id": event.event_id,
        "type": event.type,
        "documentType": event.document_type,
        "documentId": event.document_id,
        "occurredAt": datetime.fromtimestamp(event.occurred / 1000, UTC).isoformat(timespec="milliseconds"),
        "data": json.loads(event.data),
    }


def raw_body(event: OutboxEvent) -> bytes:
    """The bytes a webhook receives (and whose HMAC it checks): the body as compact JSON."""
    return json.dumps(body(event), separators=(",", ":"), sort_keys=True).encode()
