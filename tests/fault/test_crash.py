"""Crash: kill -9 gunicorn (master and workers at once) in the middle of a posting load, start it again, and check
that every record acknowledged with 201 is in the ledger, no list is half applied, and ``ledger verify`` passes.

Each request carries a referenceId of its own, so the ledger tells which request every row came from: odd
references are lists of LIST records, even ones single records.
"""

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from wms_service import create_app
from wms_service.auth.models import Tenant
from wms_service.db import new_session
from wms_service.stock.models import BinInventoryRecord

from ..conftest import make_tenant
from ..gunicorn import ROOT, TIMEOUT
from .conftest import session_headers, slow_gunicorn, stock_positions

CLIENTS = 4
LIST = 25
ACKS_BEFORE_KILL = 30


def _size(reference):
    return LIST if reference % 2 else 1


def _load(base, headers, positions, stop):
    """Clients posting until ``stop`` (or a bounded time); returns (sent references, {acknowledged: size})."""
    references = itertools.count(1)
    sent, acked, lock = set(), {}, threading.Lock()
    deadline = time.monotonic() + 60

    def client(k):
        http = requests.Session()
        while not stop.is_set() and time.monotonic() < deadline:
            with lock:
                ref = next(references)
                sent.add(ref)
            lines = [
                {
                    "binId": positions[(k + i) % len(positions)][0],
                    "productId": positions[0][1],
                    "batchId": positions[0][2],
                    "amount": 1 + i % 3,
                    "referenceType": "PURCHASE_DOCUMENT",
                    "referenceId": ref,
                }
                for i in range(_size(ref))
            ]
            try:
                response = http.post(
                    base + "/bin-inventory-record",
                    json=lines if len(lines) > 1 else lines[0],
                    headers=headers,
                    timeout=TIMEOUT,
                )
            except requests.RequestException:
                continue  # the server is gone; this request may or may not have been applied
            if response.status_code == 201:
                with lock:
                    acked[ref] = _size(ref)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    return threads, sent, acked


def _ledger_by_reference(app, tenant_code):
    session = new_session(app)
    try:
        r = BinInventoryRecord
        rows = session.execute(
            select(r.reference_id, func.count())
            .join(Tenant, Tenant.id == r.tenant_id)
            .where(Tenant.code == tenant_code)
            .group_by(r.reference_id)
        ).all()
        return dict(rows)
    finally:
        session.close()


@slow_gunicorn
def test_kill_9_during_posting_keeps_every_acknowledged_record_and_no_half_list(own_database, gunicorn):
    app = create_app({"DATABASE_URL": own_database})
    _tid, code, _uid = make_tenant(app)
    server = gunicorn(own_database)
    headers = session_headers(server.base, code)
    positions = stock_positions(server.base, headers)

    stop = threading.Event()
    threads, sent, acked = _load(server.base, headers, positions, stop)
    deadline = time.monotonic() + TIMEOUT
    while len(acked) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(acked) >= ACKS_BEFORE_KILL, "the load never got going"
    server.kill9()  # requests are in flight: the clients keep posting until the socket refuses them
    stop.set()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads)

    restarted = gunicorn(own_database)
    ledger = _ledger_by_reference(app, code)
    assert {ref: ledger.get(ref) for ref in acked} == acked, "an acknowledged post is missing or partial"
    assert all(count == _size(ref) for ref, count in ledger.items()), "a list was half applied"
    assert set(ledger) <= sent

    verify = subprocess.run(
        [str(Path(sys.executable).parent / "wms-service"), "ledger", "verify"],
        cwd=ROOT,
        env=restarted.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "ledger verify: ok" in verify.stdout

    # The restarted service goes on where the ledger stands: the old session still works, the totals add up,
    # and posting goes on.
    line = {"binId": positions[0][0], "productId": positions[0][1], "batchId": positions[0][2], "amount": 1}
    assert (
        requests.post(restarted.base + "/bin-inventory-record", json=line, headers=headers, timeout=TIMEOUT).status_code
        == 201
    )
    response = requests.get(
        f"{restarted.base}/bin-inventory?productId={positions[0][1]}&pageSize=100", headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == 200
    total = sum(row["amount"] for row in response.json())
    session = new_session(app)
    try:
        r = BinInventoryRecord
        ledger_total = session.scalar(
            select(func.sum(r.amount)).join(Tenant, Tenant.id == r.tenant_id).where(Tenant.code == code)
        )
    finally:
        session.close()
    assert total == ledger_total
    app.extensions["wms_engine"].dispose()
