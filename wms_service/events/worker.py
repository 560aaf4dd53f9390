"""The delivery process (``wms-service outbox run``): takes due deliveries under a lease and POSTs them.

Each webhook's deliveries go out one after another on a thread of a pool, oldest event first, so a slow or hanging
receiver holds one thread for at most the request timeout per attempt while the others carry on; the loop only
takes new work for webhooks that have no thread busy. After a failure the webhook's remaining deliveries of the
round are given back untried (the receiver is likely down; each will get its own attempt and backoff). A delivery
is not started when its request could outlast the lease, so no other process takes it while it is in flight.
"""

import concurrent.futures as cf
import hashlib
import hmac
import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from . import delivery
from .delivery import Backoff, Claimed
from .models import FAILED

log = logging.getLogger(__name__)
SIGNATURE = "X-WMS-Signature"


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the body under the secret>``, the X-WMS-Signature header's value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Settings:
    timeout: float = 10.0  # seconds, per request phase (connect, write, each read)
    lease: float = 60.0  # seconds a process holds what it took; at least three times the timeout
    backoff: Backoff = Backoff(base=10.0, cap=3600.0, max_attempts=12)
    poll: float = 0.5  # seconds between looks at the outbox when idle
    threads: int = 8  # webhooks served at once
    per_webhook: int = 20  # deliveries one webhook's thread takes per round


class Worker:
    def __init__(self, sessions: Callable[[], Session], settings: Settings, client: httpx.Client | None = None):
        if settings.timeout <= 0 or settings.poll <= 0 or settings.threads < 1 or settings.backoff.max_attempts < 1:
            raise ValueError("The timeout and the poll interval must be positive, threads and attempts at least 1.")
        if settings.lease < 3 * settings.timeout:
            # A delivery starts only while twice the timeout is left of its lease (a request may spend the timeout
            # connecting and again reading), and a round should get further than its first delivery.
            raise ValueError("The lease must be at least three times the request timeout.")
        self.sessions = sessions
        self.settings = settings
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]
        self.client = client or httpx.Client(
            timeout=settings.timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.threads * 2, max_keepalive_connections=settings.threads),
            headers={"User-Agent": "wms-service-outbox"},
        )
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def run(self, *, stop: threading.Event, once: bool = False) -> Counter[str]:
        """Deliver until ``stop`` is set (then finish what is in flight), or with ``once`` until nothing is due.
        Answers how many deliveries were delivered, retrying (failed attempts) and failed."""
        inflight: dict[int, cf.Future] = {}
        with cf.ThreadPoolExecutor(self.settings.threads, thread_name_prefix="outbox") as pool:
            while not stop.is_set():
                for webhook_id, future in list(inflight.items()):
                    if future.done():
                        del inflight[webhook_id]
                        if future.exception() is not None:
                            log.error(
                                "outbox: delivering to webhook %s failed", webhook_id, exc_info=future.exception()
                            )
                try:
                    claimed = self._claim(busy=set(inflight))
                except Exception:  # the database away or busy: look again later, lose nothing
                    log.exception("outbox: taking due deliveries failed")
                    stop.wait(self.settings.poll)
                    continue
                for webhook_id, items in _by_webhook(claimed).items():
                    inflight[webhook_id] = pool.submit(self._deliver, items)
                if claimed:
                    continue
                if inflight:
                    cf.wait(list(inflight.values()), timeout=self.settings.poll, return_when=cf.FIRST_COMPLETED)
                elif once:
                    break
                else:
                    stop.wait(self.settings.poll)
            cf.wait(list(inflight.values()))
        return self.counts

    def _claim(self, busy: set[int]) -> list[Claimed]:
        free = self.settings.threads - len(busy)
        if free <= 0:
            return []
        with self.sessions() as db:
            return delivery.claim(
                db,
                worker=self.name,
                lease_ms=int(self.settings.lease * 1000),
                webhooks=free,
                per_webhook=self.settings.per_webhook,
                busy=busy,
            )

    def _deliver(self, items: list[Claimed]) -> None:
        """Send a webhook's round in order. The 2xx answers are recorded together when the round ends (or before a
        failure is), in one transaction instead of one each; the webhook takes no new round until then, so its
        documents' order holds. A process that dies first sends them again: at least once."""
        margin_ms = int(self.settings.timeout * 1000) * 2  # connect + read could each take the timeout
        done: list[Claimed] = []
        try:
            for index, item in enumerate(items):
                if delivery.now_ms() + margin_ms > item.lease_until:
                    self._release(items[index:])
                    return
                error = self._post(item)
                if error is None:
                    done.append(item)
                    continue
                self._delivered(done)
                done = []
                with self.sessions() as db:
                    state = delivery.attempt_failed(
                        db, delivery=item, worker=self.name, error=error, backoff=self.settings.backoff
                    )
                self._count("failed" if state == FAILED else "retrying")
                log.warning("outbox: %s %s to %s: %s", item.event_type, item.event_id, item.url, error)
                self._release(items[index + 1 :])
                return
        finally:
            self._delivered(done)

    def _delivered(self, done: list[Claimed]) -> None:
        if done:
            with self.sessions() as db:
                delivery.delivered(db, deliveries=done)
            for _ in done:
                self._count("delivered")

    def _post(self, item: Claimed) -> str | None:
        """Send one event; None on a 2xx answer, else what went wrong."""
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: signature(item.secret, item.body),
            "X-WMS-Event": item.event_type,
            "X-WMS-Event-Id": item.event_id,
        }
        try:
            response = self.client.post(item.url, content=item.body, headers=headers)
        except httpx.TimeoutException as exc:
            return f"timeout ({type(exc).__name__}) after {self.settings.timeout:g} s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:200]}"

    def _release(self, items: list[Claimed]) -> None:
        if items:
            with self.sessions() as db:
                delivery.release(db, deliveries=items, worker=self.name)

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1


def _by_webhook(claimed: list[Claimed]) -> dict[int, list[Claimed]]:
    groups: dict[int, list[Claimed]] = {}
    for item in claimed:
        groups.setdefault(item.webhook_id, []).append(item)
    return groups
