"""Login throttling (CONTRACT section 9): failed logins counted per tenant and username, in the database.

Every password check, on /v1/session and over Bearer, first reads the pair's count: past ``limit`` failures in
the current window the attempt is refused (``TooManyRequests``, a 429 with Retry-After) before any hashing, the
right password included, until the window that began with the first failure has passed. A failure adds one in a
single upsert, so concurrent workers and hosts count together; a success deletes the count.

The count is read before the password is checked and written after, so attempts already past the read when the
limit is reached still finish: at most one per concurrent request (a worker each) beyond the limit.

Unknown tenants and unknown users are counted like any other pair (their wrong passwords cost a full hash too,
auth/service.py), so neither the timing nor a 429 tells which exist.
"""

import hashlib
import random
from dataclasses import dataclass

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db import now
from ..errors import TooManyRequests
from .models import LoginFailure

# CONTRACT section 9: at least 3 failures are always allowed, and at most 10 before the 429s begin.
MIN_LIMIT, MAX_LIMIT = 3, 10
EXPIRE_CHANCE = 0.05
EXTENSION = "wms_login_throttle"  # where the app keeps its Throttle (create_app)
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def key(tenant_code: str, username: str) -> str:
    """The pair's key: a known tenant is named by its code on both faces (a host resolves to it)."""
    pair = f"{tenant_code}\x00{username}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(pair).hexdigest()


@dataclass(frozen=True)
class Throttle:
    limit: int = MAX_LIMIT
    window_seconds: int = 300

    def __post_init__(self):
        if not MIN_LIMIT <= self.limit <= MAX_LIMIT:
            raise ValueError(f"the login failure limit is {MIN_LIMIT} to {MAX_LIMIT}, not {self.limit}")
        if self.window_seconds < 1:
            raise ValueError("the login throttle window is at least 1 second")

    def check(self, db: Session, pair: str) -> int:
        """The pair's failures in the current window; ``TooManyRequests`` if they reached the limit."""
        row = db.execute(
            select(LoginFailure.failures, LoginFailure.window_start).where(LoginFailure.key_hash == pair)
        ).first()
        if row is None:
            return 0
        ends = row.window_start + self.window_seconds
        moment = now()
        if ends <= moment:
            return 0
        if row.failures >= self.limit:
            seconds = ends - moment
            raise TooManyRequests(
                f"Too many failed logins for this user; retry in {seconds} seconds.", retry_after=seconds
            )
        return row.failures

    def record_failure(self, db: Session, pair: str) -> None:
        """Count one failure: the first in a window (or after it ended) starts a new one."""
        moment = now()
        insert = _INSERT[db.get_bind().dialect.name](LoginFailure).values(
            key_hash=pair, failures=1, window_start=moment
        )
        ended = LoginFailure.window_start + self.window_seconds <= moment
        db.execute(
            insert.on_conflict_do_update(
                index_elements=["key_hash"],
                set_={
                    "failures": case((ended, 1), else_=LoginFailure.failures + 1),
                    "window_start": case((ended, moment), else_=LoginFailure.window_start),
                },
            )
        )
        if random.random() < EXPIRE_CHANCE:
            # Ended windows ride out with an occasional failure, so no scheduler is needed.
            db.execute(delete(LoginFailure).where(LoginFailure.window_start < moment - self.window_seconds))

    def reset(self, db: Session, pair: str) -> None:
        db.execute(delete(LoginFailure).where(LoginFailure.key_hash == pair))
