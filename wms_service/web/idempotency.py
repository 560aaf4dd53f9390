"""Idempotency-Key: a retried POST answers its first response again and writes nothing twice.

The key is claimed at the start of the request's transaction by inserting its row with ``ON CONFLICT DO NOTHING``;
the response is stored in the same row and committed with the work. A concurrent request with the same key waits:
on PostgreSQL its insert blocks on the unique index until the first transaction ends, on SQLite it already waited
for the write lock at ``BEGIN IMMEDIATE``. If the first committed, the second answers the stored response; if the
first failed (and so stored nothing), the second claims the key and does the work itself.
"""

import hashlib
import json
import random

from flask import current_app, g, request
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, IdMixin, IdType, now
from ..errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY = 200
MIN_TTL_SECONDS = 24 * 3600  # the contract promises clients at least a day to retry
EXPIRE_CHANCE = 0.01
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}

# The header as the spec documents it on every operation that honours it.
OPENAPI_HEADER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
    "description": "Retry-safe create: the same key and body answer the first response again and write nothing; "
    "the same key with another body is a 409.",
}


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
    """Method, path and body; a JSON body is compared by content, so key order and spacing do not matter."""
    body = canonical_body(request.get_data(cache=True))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def canonical_body(raw: bytes) -> str:
    """A JSON body with sorted keys and no spacing; anything else (or nested deeper than Python recurses, which
    the parser accepted) as its text, compared byte for byte."""
    try:
        return json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return raw.decode("utf-8", "replace")


def requested_key() -> str | None:
    """The request's key, None without one; a 400 if it is empty or too long."""
    key = request.headers.get(HEADER)
    if key is not None and (not key or len(key) > MAX_KEY):
        raise ValidationFailed(
            f"{HEADER} must be 1 to {MAX_KEY} characters.", {HEADER: [f"1 to {MAX_KEY} characters."]}
        )
    return key


def claim(db, tenant_id: int):
    """Claim the request's key. Returns None to go on, or the stored (body, status) to answer instead."""
    key = requested_key()
    if key is None:
        return None
    fingerprint = _fingerprint()
    insert = _INSERT[db.get_bind().dialect.name]
    key_id = db.scalar(
        insert(IdempotencyKey)
        .values(tenant_id=tenant_id, key=key, request_hash=fingerprint, created=now())
        .on_conflict_do_nothing(index_elements=["tenant_id", "key"])
        .returning(IdempotencyKey.id)
    )
    if key_id is None:
        # Someone committed this key first (on PostgreSQL the insert above waited for them to finish).
        return _stored(db, tenant_id, key, fingerprint)
    g.idempotency_claim = (db, key_id)
    if random.random() < EXPIRE_CHANCE:
        # Expiry rides along with an occasional claim, so no scheduler is needed.
        _expire(db, tenant_id, current_app.config["IDEMPOTENCY_TTL_SECONDS"])
    return None


def _stored(db, tenant_id, key, fingerprint):
    row = db.execute(
        select(IdempotencyKey.request_hash, IdempotencyKey.status, IdempotencyKey.body).where(
            IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.key == key
        )
    ).first()
    if row is not None and row.request_hash != fingerprint:
        raise Conflict(f"This {HEADER} was used with a different request.")
    if row is None or row.status is None:
        # Not reached while every create commits once, with its response: kept so a change there fails safe.
        raise Conflict(f"A request with this {HEADER} is still being processed; retry.")
    return json.loads(row.body), row.status


def claimed() -> bool:
    """Whether this request claimed a key, so its answer must be stored (``remember``) before the commit."""
    return "idempotency_claim" in g


def remember(body, status: int) -> None:
    """Store the response with the claimed key; the unit of work's commit makes both durable together."""
    claimed = g.pop("idempotency_claim", None)
    if claimed is not None:
        db, key_id = claimed
        db.execute(
            update(IdempotencyKey).where(IdempotencyKey.id == key_id).values(status=status, body=json.dumps(body))
        )


def _expire(db, tenant_id, ttl_seconds) -> int:
    """Drop the tenant's keys older than their lifetime (never less than 24 hours); returns how many."""
    cutoff = now() - max(ttl_seconds, MIN_TTL_SECONDS)
    # Rows another transaction holds (its own expiry, or a retry of an old key) are left for a later pass, so an
    # expiry never waits on, or deadlocks with, a concurrent one on PostgreSQL.
    stale = (
        select(IdempotencyKey.id)
        .where(IdempotencyKey.tenant_id == tenant_id, IdempotencyKey.created < cutoff)
        .with_for_update(skip_locked=True)
    )
    return db.execute(delete(IdempotencyKey).where(IdempotencyKey.id.in_(stale))).rowcount
