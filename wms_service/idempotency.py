"""Idempotency-Key: a retried POST answers its first response again and writes nothing twice.

The key is claimed at the start of the request's transaction by inserting its row; the response is stored in
the same row and committed with the work. A concurrent request with the same key blocks on that row's unique
index (PostgreSQL) or on the write lock (SQLite) until the first commits, then answers the stored response.
"""
import hashlib
import json

import random

from flask import current_app, g, request
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, IdMixin, IdType, now
from .errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY = 200


class IdempotencyKey(IdMixin, Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(Text)
    created: Mapped[int] = mapped_column(IdType, index=True)


def _fingerprint() -> str:
    raw = request.method + " " + request.path + "\n" + request.get_data(cache=True).decode("utf-8", "replace")
    return hashlib.sha256(raw.encode()).hexdigest()


def claim(db, tenant_id: int):
    """Claim the request's key. Returns None to go on, or the stored (body, status) to answer instead."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY:
        raise ValidationFailed(f"{HEADER} must be 1 to {MAX_KEY} characters.")
    fingerprint = _fingerprint()
    stored = _stored(db, tenant_id, key, fingerprint)
    if stored is not None:
        return stored
    row = IdempotencyKey(tenant_id=tenant_id, key=key, request_hash=fingerprint, created=now())
    db.add(row)
    try:
        # On PostgreSQL this waits while another transaction holds the same key, then fails if it committed.
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        db.expunge(row)
        stored = _stored(db, tenant_id, key, fingerprint)
        if stored is None:
            raise Conflict("A request with this Idempotency-Key is still being processed; retry.")
        return stored
    g.idempotency_row = row
    if random.random() < 0.01:
        # Expiry rides along with an occasional claim, so no scheduler is needed.
        _expire(db, tenant_id, current_app.config["IDEMPOTENCY_TTL_SECONDS"])
    return None


def _stored(db, tenant_id, key, fingerprint):
    row = db.scalar(select(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Conflict(f"This {HEADER} was used with a different request.")
    if row.status is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry.")
    return json.loads(row.body), row.status


def remember(body, status: int) -> None:
    """Store the response with the claimed key; the caller's commit makes both durable together."""
    row = g.pop("idempotency_row", None)
    if row is not None:
        row.status = status
        row.body = json.dumps(body)


def _expire(db, tenant_id, ttl_seconds) -> int:
    """Drop the tenant's keys older than their lifetime (never less than 24 hours)."""
    cutoff = now() - max(ttl_seconds, 86400)
    result = db.execute(
        delete(IdempotencyKey).where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.created < cutoff)
    )
    return result.rowcount
