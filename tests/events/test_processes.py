"""Delivery processes as operators run them: real ``wms-service outbox run`` subprocesses on PostgreSQL.

Two processes share the work (leases taken FOR UPDATE SKIP LOCKED): every event arrives, none twice, none while
another copy of it is in flight, each document's in order. A process killed with SIGKILL mid-run loses nothing:
its leases run out and another process delivers what it held.
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select, text

from wms_service.auth import service as auth
from wms_service.auth.models import Tenant
from wms_service.db import new_session
from wms_service.events import delivery, outbox
from wms_service.events.models import OutboxDelivery, Webhook

from ..conftest import make_tenant
from .receiver import Receiver

WMS_SERVICE = str(Path(sys.executable).with_name("wms-service"))
TIMEOUT = 60


@pytest.fixture
def postgresql(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several delivery processes are for PostgreSQL; on SQLite one is enough")
    return database_url


def emit_many(app, tenant_code, *, documents, per_document):
    """Events for ``documents`` orders, ``per_document`` each, interleaved; answers {document: [event ids]}."""
    session = new_session(app, write=True)
    try:
        tenant = auth.tenant_by_code(session, tenant_code)
        emitted = defaultdict(list)
        for step in range(per_document):
            for document in range(1, documents + 1):
                event = outbox.emit(
                    session,
                    tenant_id=tenant.id,
                    type="order.status_changed",
                    document_type="ORDER",
                    document_id=document,
                    data={"step": step},
                )
                emitted[document].append(event.event_id)
        session.commit()
        return dict(emitted)
    finally:
        session.close()


def start(database_url, *options):
    """A delivery process, once it says it is delivering (its SIGTERM handler is in place)."""
    process = subprocess.Popen(
        [WMS_SERVICE, "outbox", "run", "--timeout", "2", "--poll", "0.05", *options],
        env={**os.environ, "WMS_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout.readline().startswith("outbox: delivering as ")
    return process


def stop(process):
    """SIGTERM, then its count of deliveries (it finishes what is in flight and exits 0)."""
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, out
    return int(re.search(r"outbox: (\d+) delivered", out).group(1))


def wait_for(receiver, count):
    deadline = time.monotonic() + TIMEOUT
    while len(set(receiver.ids())) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def in_order(receiver, emitted):
    """Each document's events arrived in the order they were emitted (repeats aside)."""
    arrived = defaultdict(list)
    for body in receiver.bodies():
        if body["id"] not in arrived[body["documentId"]]:
            arrived[body["documentId"]].append(body["id"])
    return dict(arrived) == emitted


@pytest.fixture
def tenant_with_receiver(app, request):
    _tid, code, _user = make_tenant(app)
    receiver = Receiver().start()
    result = app.test_cli_runner().invoke(
        args=["webhook", "add", "--tenant", code, receiver.url, "--secret", "a-secret-for-two-processes"]
    )
    assert result.exit_code == 0, result.output
    yield code, receiver
    receiver.close()
    webhook_id = re.match(r"webhook (\d+) ", result.output).group(1)
    app.test_cli_runner().invoke(args=["webhook", "remove", webhook_id])


def test_two_processes_share_the_work_without_sending_an_event_twice(app, postgresql, tenant_with_receiver):
    code, receiver = tenant_with_receiver
    receiver.delay = 0.01  # a real receiver takes a moment; the processes overlap
    emitted = emit_many(app, code, documents=60, per_document=4)
    total = sum(len(ids) for ids in emitted.values())
    processes = [start(postgresql, "--lease", "20", "--threads", "4") for _ in range(2)]
    try:
        wait_for(receiver, total)
    finally:
        counts = [stop(process) for process in processes]
    ids = receiver.ids()
    assert set(ids) == {i for document in emitted.values() for i in document}  # none lost
    assert receiver.overlaps == []  # none sent while another copy of it was in flight
    assert len(ids) == total  # none sent twice
    assert sum(counts) == total and min(counts) > 0, counts  # both processes worked
    assert in_order(receiver, emitted)


def test_a_process_killed_mid_run_loses_nothing(app, postgresql, tenant_with_receiver):
    code, receiver = tenant_with_receiver
    receiver.delay = 0.1
    emitted = emit_many(app, code, documents=30, per_document=2)
    total = sum(len(ids) for ids in emitted.values())
    first = start(postgresql, "--lease", "6", "--threads", "4")
    deadline = time.monotonic() + TIMEOUT
    while len(receiver.ids()) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.kill()  # SIGKILL: no clean-up, its leases stay until they run out
    first.wait(timeout=TIMEOUT)
    assert len(set(receiver.ids())) < total  # it died with work left
    second = start(postgresql, "--lease", "6", "--threads", "4")
    try:
        wait_for(receiver, total)
    finally:
        stop(second)
    assert set(receiver.ids()) == {i for document in emitted.values() for i in document}
    assert in_order(receiver, emitted)
    status = app.test_cli_runner().invoke(args=["webhook", "list", "--tenant", code]).output
    assert "\tpending=0\tfailed=0" in status


def test_a_round_being_taken_is_skipped_not_taken_twice(app, postgresql, tenant_with_receiver):
    """What the two processes rely on, step by step: while one process's claim holds its rows (FOR UPDATE, not yet
    committed), another's claim skips them at once and takes the next ones; once the first commits its lease,
    those rows stay out of every claim until the lease runs out."""
    code, _receiver = tenant_with_receiver
    emit_many(app, code, documents=4, per_document=1)
    first, second = new_session(app, write=True), new_session(app, write=True)
    try:
        second.execute(text("SET lock_timeout = '2s'"))  # without SKIP LOCKED it would wait, then fail
        now = delivery.now_ms()
        mine = (
            select(OutboxDelivery.id)
            .where(delivery._claimable(now), OutboxDelivery.webhook_id == _webhook(first, code))
            .order_by(OutboxDelivery.event_id)
            .limit(2)
        )
        held = first.scalars(mine.with_for_update(skip_locked=True)).all()
        taken = delivery.claim(second, worker="second", lease_ms=60_000, webhooks=1, per_webhook=10)
        assert len(held) == 2 and {c.id for c in taken}.isdisjoint(held) and len(taken) == 2
        first.rollback()
        again = delivery.claim(first, worker="first", lease_ms=60_000, webhooks=1, per_webhook=10)
        assert sorted(c.id for c in again) == sorted(held)  # the leased ones are not offered again
        assert delivery.claim(second, worker="second", lease_ms=60_000, webhooks=1, per_webhook=10) == []
    finally:
        first.close()
        second.close()


def _webhook(db, code):
    return db.scalar(select(Webhook.id).join(Tenant, Tenant.id == Webhook.tenant_id).where(Tenant.code == code))
