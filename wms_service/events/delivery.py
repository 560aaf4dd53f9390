"""The delivery state of the outbox: taking due deliveries under a lease, and recording what became of them.

A delivery is taken (``claim``) when it is pending, due, not leased by a live process, and every earlier event of
its document to its webhook was delivered: so a document's events reach a webhook in order, and a failed one holds
back the ones after it until it is retried. On PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED``
and leased in the same short transaction, so several processes share the work and never take the same delivery
while its lease runs; a process that dies leaves leases that simply run out. On SQLite the transaction holds the
database's write lock, so claims are serialized the same way; one delivery process is enough there.

Every time is milliseconds since the epoch, read from the delivery process's clock.
"""

import random
import time
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from ..auth.models import Tenant
from ..errors import NotFound
from . import outbox
from .models import DELIVERED, FAILED, PENDING, OutboxDelivery, OutboxEvent, Webhook


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Claimed:
    """A leased delivery, with everything needed to send it (no database access while sending)."""

    id: int
    webhook_id: int
    url: str
    secret: str
    event_id: str
    event_type: str
    body: bytes
    attempts: int
    lease_until: int


@dataclass(frozen=True)
class Backoff:
    """Delay before retry ``n`` (n from 1): ``base * 2**(n-1)`` seconds capped at ``cap``, times a random factor in
    [0.5, 1] (jitter, so that receivers coming back are not hit by every process at once)."""

    base: float
    cap: float
    max_attempts: int

    def delay_ms(self, attempt: int) -> int:
        growth = 2 ** min(attempt - 1, 60)  # past 2**60 any base has long passed any cap (and floats would overflow)
        return int(min(self.cap, self.base * growth) * random.uniform(0.5, 1.0) * 1000)


def _claimable(now: int):
    earlier = aliased(OutboxDelivery)
    blocked = (
        select(earlier.id)
        .where(
            earlier.webhook_id == OutboxDelivery.webhook_id,
            earlier.document_type == OutboxDelivery.document_type,
            earlier.document_id == OutboxDelivery.document_id,
            earlier.event_id < OutboxDelivery.event_id,
            earlier.state != DELIVERED,
        )
        .exists()
    )
    return and_(
        OutboxDelivery.state == PENDING,
        OutboxDelivery.due <= now,
        or_(OutboxDelivery.lease_until.is_(None), OutboxDelivery.lease_until < now),
        ~blocked,
    )


def claim(
    db: Session, *, worker: str, lease_ms: int, webhooks: int, per_webhook: int, busy: Collection[int] = ()
) -> list[Claimed]:
    """Lease the due deliveries of at most ``webhooks`` webhooks not in ``busy`` (``per_webhook`` each, oldest event
    first) to ``worker`` until now + ``lease_ms``, and commit."""
    now = now_ms()
    query = select(OutboxDelivery.id, OutboxDelivery.webhook_id).where(_claimable(now))
    if busy:
        query = query.where(OutboxDelivery.webhook_id.not_in(list(busy)))
    query = query.order_by(OutboxDelivery.event_id, OutboxDelivery.id).limit(webhooks * per_webhook)
    rows = db.execute(query.with_for_update(skip_locked=True, of=OutboxDelivery)).all()
    taken: dict[int, list[int]] = {}
    for delivery_id, webhook_id in rows:
        ids = taken.get(webhook_id)
        if ids is None:
            if len(taken) == webhooks:
                continue
            ids = taken[webhook_id] = []
        if len(ids) < per_webhook:
            ids.append(delivery_id)
    chosen = [delivery_id for ids in taken.values() for delivery_id in ids]
    if not chosen:
        db.commit()
        return []
    until = now + lease_ms
    db.execute(update(OutboxDelivery).where(OutboxDelivery.id.in_(chosen)).values(lease_until=until, leased_by=worker))
    deliveries = db.scalars(
        select(OutboxDelivery).where(OutboxDelivery.id.in_(chosen)).order_by(OutboxDelivery.event_id)
    ).all()
    claimed = [
        Claimed(
            id=d.id,
            webhook_id=d.webhook_id,
            url=d.webhook.url,
            secret=d.webhook.secret,
            event_id=d.event.event_id,
            event_type=d.event.type,
            body=outbox.raw_body(d.event),
            attempts=d.attempts,
            lease_until=until,
        )
        for d in deliveries
    ]
    db.commit()
    return claimed


def delivered(db: Session, *, deliveries: list[Claimed]) -> None:
    """Record 2xx answers (whoever holds the lease now: the receiver has the events) and commit."""
    if not deliveries:
        return
    db.execute(
        update(OutboxDelivery)
        .where(OutboxDelivery.id.in_([d.id for d in deliveries]), OutboxDelivery.state != DELIVERED)
        .values(
            state=DELIVERED,
            attempts=OutboxDelivery.attempts + 1,
            delivered_at=now_ms(),
            lease_until=None,
            leased_by=None,
            last_error=None,
        )
    )
    db.commit()


def attempt_failed(db: Session, *, delivery: Claimed, worker: str, error: str, backoff: Backoff) -> str:
    """Record a failed attempt and commit: due again after the backoff, or failed once the attempts are spent.
    Answers the delivery's state (unchanged if the lease was lost to another process meanwhile)."""
    attempt = delivery.attempts + 1
    state = FAILED if attempt >= backoff.max_attempts else PENDING
    result = db.execute(
        update(OutboxDelivery)
        .where(OutboxDelivery.id == delivery.id, OutboxDelivery.leased_by == worker, OutboxDelivery.state == PENDING)
        .values(
            state=state,
            attempts=attempt,
            due=now_ms() + backoff.delay_ms(attempt),
            last_error=error[:1000],
            lease_until=None,
            leased_by=None,
        )
    )
    db.commit()
    return state if result.rowcount else PENDING


def release(db: Session, *, deliveries: list[Claimed], worker: str) -> None:
    """Give back leased deliveries that were not attempted (due as they were) and commit."""
    if deliveries:
        db.execute(
            update(OutboxDelivery)
            .where(OutboxDelivery.id.in_([d.id for d in deliveries]), OutboxDelivery.leased_by == worker)
            .values(lease_until=None, leased_by=None)
        )
    db.commit()


@dataclass(frozen=True)
class Status:
    pending: int
    failed: int
    oldest_pending_ms: int | None  # when the oldest event with a pending delivery occurred


def status(db: Session) -> Status:
    """How many deliveries are pending and failed, and when the oldest pending one's event occurred."""
    counts = dict(
        db.execute(
            select(OutboxDelivery.state, func.count())
            .where(OutboxDelivery.state.in_((PENDING, FAILED)))
            .group_by(OutboxDelivery.state)
        ).all()
    )
    oldest = db.scalar(
        select(func.min(OutboxEvent.occurred))
        .join(OutboxDelivery, OutboxDelivery.event_id == OutboxEvent.id)
        .where(OutboxDelivery.state == PENDING)
    )
    return Status(pending=counts.get(PENDING, 0), failed=counts.get(FAILED, 0), oldest_pending_ms=oldest)


def failed(db: Session) -> list[tuple[OutboxDelivery, str]]:
    """The failed deliveries, oldest event first, with their tenant's code."""
    query = (
        select(OutboxDelivery, Tenant.code)
        .join(OutboxEvent, OutboxEvent.id == OutboxDelivery.event_id)
        .join(Webhook, Webhook.id == OutboxDelivery.webhook_id)
        .join(Tenant, Tenant.id == Webhook.tenant_id)
        .where(OutboxDelivery.state == FAILED)
        .order_by(OutboxDelivery.event_id, OutboxDelivery.id)
    )
    return [tuple(row) for row in db.execute(query)]


def retry(db: Session, *, event_id: str | None = None) -> int:
    """Make the failed deliveries of event ``event_id`` (its public id; every failed one if None) pending and due
    now, with their attempts counted afresh; answers how many. An event with none is a 404."""
    query = update(OutboxDelivery).where(OutboxDelivery.state == FAILED)
    if event_id is not None:
        query = query.where(
            OutboxDelivery.event_id == select(OutboxEvent.id).where(OutboxEvent.event_id == event_id).scalar_subquery()
        )
    count = db.execute(query.values(state=PENDING, attempts=0, due=now_ms(), lease_until=None, leased_by=None)).rowcount
    if event_id is not None and not count:
        raise NotFound(f"Event {event_id} has no failed delivery.")
    return count
