"""The outbox's delivery: events per second to a local receiver, and the lag from commit to delivery.

A real ``wms-service outbox run`` process (default settings: 0.5 s poll, 8 threads) delivers to a receiver on a
loopback port (``tests/events/receiver.py``, answering 204 at once) on a fresh database:

- **throughput**: ``--events`` events of ``--documents`` orders are written first, then the process is started;
  events/s from its first delivery to its last, and from its start.
- **lag**: the process runs while this script makes order status changes at a steady ``--rate`` a second for
  ``--seconds`` (orders.add then orders.set_status CANCELLED, each in its own transaction, through the same
  service functions the API calls); each event's lag is from its transaction's commit to its arrival.

    .venv/bin/python bench/outbox.py [--backend sqlite|postgresql] [--events 3000] [--rate 20] [--seconds 30]

Writes ``bench/results/<time>-outbox-<backend>.md`` and ``.json`` with the machine (bench/env.py).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("WMS_PASSWORD_METHOD", "pbkdf2:sha256:1")

from bench import env  # noqa: E402
from tests.events.receiver import Receiver  # noqa: E402
from wms_service import create_app  # noqa: E402
from wms_service.auth import service as auth  # noqa: E402
from wms_service.auth.models import Tenant, User  # noqa: E402
from wms_service.catalog import service as catalog  # noqa: E402
from wms_service.catalog.entities import PRODUCT, WAREHOUSE  # noqa: E402
from wms_service.db import new_session  # noqa: E402
from wms_service.documents import orders  # noqa: E402
from wms_service.documents.order_models import OrderStatus  # noqa: E402
from wms_service.events import outbox  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def setup(app, receiver):
    """A tenant, its user, a warehouse and a product (no stock: every order waits for supply), and a webhook."""
    session = new_session(app, write=True)
    tenant = auth.create_tenant(session, code=f"bench{os.getpid()}")
    user = auth.create_user(session, tenant=tenant, username="bench", password="bench password", permissions=["ADMIN"])
    (warehouse,) = catalog.create(session, entity=WAREHOUSE, tenant=tenant, user=user, items=[{"code": "W1"}])
    catalog.create(session, entity=PRODUCT, tenant=tenant, user=user, items=[{"code": "P1", "name": "Widget"}])
    session.commit()
    session.close()
    result = app.test_cli_runner().invoke(
        args=["webhook", "add", "--tenant", tenant.code, receiver.url, "--secret", "bench-secret-0123456789"]
    )
    assert result.exit_code == 0, result.output
    return tenant.id, user.id, warehouse.id


def worker(url):
    return subprocess.Popen(
        [str(env.BIN / "wms-service"), "outbox", "run"],
        env=env.service_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def stop(process):
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=60)
    return out.strip()


def wait_for(receiver, count, limit):
    deadline = time.monotonic() + limit
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def throughput(app, url, tenant_id, events, documents):
    receiver = app.extensions["bench_receiver"]
    session = new_session(app, write=True)
    for i in range(events):
        outbox.emit(
            session,
            tenant_id=tenant_id,
            type="order.status_changed",
            document_type="ORDER",
            document_id=1_000_000 + i % documents,
            data={"step": i},
        )
        if i % 500 == 499:
            session.commit()
    session.commit()
    session.close()
    receiver.received.clear()
    started = time.time()
    process = worker(url)
    wait_for(receiver, events, 300)
    summary = stop(process)
    times = [at for *_rest, at in receiver.received]
    got = len({body["id"] for _h, _r, body, _at in receiver.received})
    return {
        "events": events,
        "documents": documents,
        "delivered": got,
        "events_per_s_first_to_last": round(got / max(times[-1] - times[0], 1e-9), 1),
        "events_per_s_from_start": round(got / (times[-1] - started), 1),
        "worker": summary,
    }


def lag(app, url, tenant_id, user_id, warehouse_id, rate, seconds):
    receiver = app.extensions["bench_receiver"]
    receiver.received.clear()
    committed = {}
    emitted = []
    real_emit = outbox.emit

    def recording_emit(*args, **kwargs):  # the status changes' events, to time them from their commit
        event = real_emit(*args, **kwargs)
        emitted.append(event)
        return event

    outbox.emit = recording_emit
    process = worker(url)
    time.sleep(2)  # the process is up and polling
    session = new_session(app, write=True)
    tenant = session.get(Tenant, tenant_id)
    user = session.get(User, user_id)
    interval = 1 / rate
    start = time.monotonic()
    changes = 0
    order = None
    while time.monotonic() - start < seconds:
        due = start + changes * interval
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        emitted.clear()
        if order is None:
            order = orders.add(
                session,
                tenant=tenant,
                user=user,
                values={
                    "external_order_id": f"B-{changes}",
                    "warehouse_id": warehouse_id,
                    "lines": [{"product_model": "P1", "quantity": 1}],
                },
            )
        else:
            order = orders.get(session, tenant=tenant, order_id=order.id, lock=True)
            orders.set_status(session, tenant=tenant, user=user, order=order, status=OrderStatus.CANCELLED)
            order = None
        session.commit()
        now = time.time()
        for event in emitted:
            committed[event.event_id] = now
        changes += 1
    session.close()
    outbox.emit = real_emit
    wait_for(receiver, len(committed), 60)
    summary = stop(process)
    lags = sorted(
        (at - committed[body["id"]]) * 1000 for _h, _r, body, at in receiver.received if body["id"] in committed
    )
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "status_changes": changes,
        "events": len(committed),
        "delivered": len(lags),
        "lag_ms_p50": round(statistics.median(lags), 1),
        "lag_ms_p99": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))], 1),
        "lag_ms_max": round(lags[-1], 1),
        "worker": summary,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    before = env.machine()
    receiver = Receiver().start()
    with env.database(args.backend) as url:
        app = create_app({"DATABASE_URL": url})
        app.extensions["bench_receiver"] = receiver
        tenant_id, user_id, warehouse_id = setup(app, receiver)
        result = {
            "backend": args.backend,
            "machine_before": before,
            "throughput": throughput(app, url, tenant_id, args.events, args.documents),
            "lag": lag(app, url, tenant_id, user_id, warehouse_id, args.rate, args.seconds),
        }
        app.extensions["wms_engine"].dispose()
    receiver.close()
    result["machine_after"] = env.machine()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    name = f"{stamp}-outbox-{args.backend}{'-' + args.label if args.label else ''}"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(result))
    print(markdown(result))


def markdown(r):
    t, lg = r["throughput"], r["lag"]
    m0, m1 = r["machine_before"], r["machine_after"]
    return f"""# Outbox delivery, {r["backend"]}

Machine: {m0["nproc"]} cores, {m0["cpu"]}, {m0["memory_total_gib"]} GiB; Python {m0["python"]}, SQLite {m0["sqlite"]},
PostgreSQL {m0["postgresql"]}. Load average before {m0["load_average"]}, after {m1["load_average"]}.

One `wms-service outbox run` (default settings) to a loopback receiver answering 204 at once.

| measure | value |
| --- | --- |
| throughput: events written first | {t["events"]} over {t["documents"]} documents |
| delivered | {t["delivered"]} |
| events/s, first delivery to last | {t["events_per_s_first_to_last"]} |
| events/s, from process start | {t["events_per_s_from_start"]} |
| lag: status changes | {lg["status_changes"]} at {lg["rate_per_s"]}/s for {lg["seconds"]} s ({lg["events"]} events) |
| delivered | {lg["delivered"]} |
| commit to delivery, p50 ms | {lg["lag_ms_p50"]} |
| commit to delivery, p99 ms | {lg["lag_ms_p99"]} |
| commit to delivery, max ms | {lg["lag_ms_max"]} |
"""


if __name__ == "__main__":
    main()
