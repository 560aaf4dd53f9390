"""Orders: adds per second against single-record posts, the waiting re-check's cost, reads as orders pile up.

    .venv/bin/python bench/orders.py [--backend postgresql] [--only adds|recheck|read ...] [--duration 8]

Results go to bench/results/<time>-orders.md and .json with the machine and its load, as bench/run.py does.
See bench/README.md, "Orders".
"""

import argparse
import contextlib
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from bench import env, seed  # noqa: E402
from bench.scenarios import load, login  # noqa: E402
from wms_service import create_app  # noqa: E402
from wms_service.auth.models import Tenant, User  # noqa: E402
from wms_service.catalog.models import Warehouse  # noqa: E402
from wms_service.db import make_engine, new_session, now  # noqa: E402
from wms_service.documents import order_supply  # noqa: E402
from wms_service.documents.order_models import Order, OrderLine  # noqa: E402
from wms_service.stock import ledger  # noqa: E402

HOT = 20  # products every order draws from


def bearer(w) -> dict:
    return {"Host": f"{w.tenant_code}.wms.bench", "Authorization": f"Bearer {w.username}:{seed.PASSWORD}"}


def warehouse_of(url, w) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(Warehouse.id).where(Warehouse.tenant_id == w.tenant_id))
    finally:
        engine.dispose()


# --- adds ------------------------------------------------------------------------------------------------------


def adds(url, opts) -> dict:
    """PUT /api/order/add (2 lines of the 20 hot products, reserved at once) and POST /bin-inventory-record with
    one record, at each client count, on the same server, alternating ``--rounds`` times: requests per second over
    the rounds and their ratio."""
    w = seed.world(url, bins=64, products=HOT)
    warehouse_id = warehouse_of(url, w)
    out = {"clients": {}}
    with env.Server(url, workers=opts.workers) as server:
        native = login(server, w)
        # Each hot product in two bins of its own (as a warehouse shelves them), a million units each.
        stock = [
            {"binId": w.bin_ids[2 * k + j], "productId": p, "batchId": w.batch_of[p], "amount": 1_000_000}
            for k, p in enumerate(w.product_ids)
            for j in (0, 1)
        ]
        requests.post(server.base + "/bin-inventory-record", json=stock, headers=native, timeout=120).raise_for_status()
        rng = random.Random(9)
        records = [
            {
                "method": "POST",
                "path": "/bin-inventory-record",
                "body": json.dumps({"binId": b, "productId": p, "batchId": w.batch_of[p], "amount": 1}),
            }
            for b, p in ((rng.choice(w.bin_ids[2 * HOT :]), rng.choice(w.product_ids)) for _ in range(512))
        ]
        serial = iter(range(10**9))

        def orders(count):
            bodies = []
            for _ in range(count):
                lines = [
                    {"productId": p, "quantity": rng.randint(1, 3), "externalLineId": f"L{k}"}
                    for k, p in enumerate(rng.sample(w.product_ids, 2))
                ]
                body = {"externalOrderId": f"B-{next(serial)}", "warehouseId": warehouse_id, "orderProducts": lines}
                bodies.append({"method": "PUT", "path": "/api/order/add", "body": json.dumps(body)})
            return bodies

        # Every worker checks the Bearer password once (scrypt), then caches it: not part of what is measured.
        load(server, bearer(w), orders(40), clients=8, duration=5, max_requests=40)
        for clients in opts.clients:
            # Posts and adds alternate, ``--rounds`` times: the load of this shared machine drifts within a minute,
            # and a ratio of two runs minutes apart measures the drift as much as the code.
            rounds = {"record_posts": [], "order_adds": []}
            for _ in range(opts.rounds):
                rounds["record_posts"].append(
                    load(server, native, records, clients=clients, duration=opts.duration, max_requests=10**6)
                )
                rounds["order_adds"].append(
                    load(server, bearer(w), orders(4000), clients=clients, duration=opts.duration, max_requests=4000)
                )
            posted, added = _summed(rounds["record_posts"], "201"), _summed(rounds["order_adds"], "200")
            ratio = round(added["per_s"] / posted["per_s"], 3) if posted["per_s"] else None
            out["clients"][str(clients)] = {"record_posts": posted, "order_adds": added, "ratio": ratio}
            _progress(
                f"  clients={clients}: orders {added['per_s']}/s (p50 {added['p50_ms']} p99 {added['p99_ms']} ms "
                f"{added['statuses']}), records {posted['per_s']}/s (p50 {posted['p50_ms']} ms): ratio {ratio} "
                f"(rounds {added['rounds_per_s']} / {posted['rounds_per_s']})"
            )
    return out


def _summed(runs: list[dict], ok: str) -> dict:
    """Several runs of the same requests as one: answers per second over all of them, the median of their p50s and
    the highest p99, and each run's rate."""
    statuses: dict[str, int] = {}
    for run in runs:
        for code, n in run["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    wall = sum(run["wall_s"] for run in runs)
    return {
        "statuses": statuses,
        "wall_s": round(wall, 2),
        "per_s": round(statuses.get(ok, 0) / wall, 1),
        "p50_ms": round(statistics.median(run["p50_ms"] for run in runs), 2),
        "p99_ms": max(run["p99_ms"] for run in runs),
        "rounds_per_s": [round(run["statuses"].get(ok, 0) / run["wall_s"], 1) for run in runs],
        "runs": runs,
    }


# --- the re-check ----------------------------------------------------------------------------------------------


def bulk_orders(url, w, warehouse_id, specs, *, status="WAITING_FOR_SUPPLY", waiting=True) -> None:
    """Insert orders straight into the tables (as ``orders.add`` would leave orders that found no stock): ``specs``
    is a list of line lists [(product_id, quantity)]."""
    engine = make_engine(url)
    stamp = now()
    try:
        with engine.begin() as conn:
            first = (conn.scalar(text("SELECT coalesce(max(id), 0) FROM sales_order")) or 0) + 1
            line_id = (conn.scalar(text("SELECT coalesce(max(id), 0) FROM sales_order_line")) or 0) + 1
            header, lines = [], []
            for k, spec in enumerate(specs):
                order_id = first + k
                header.append(
                    {
                        "id": order_id,
                        "tenant_id": w.tenant_id,
                        "external_order_id": f"BULK-{order_id}",
                        "warehouse_id": warehouse_id,
                        "status": status,
                        "requires_validation": False,
                        "added": stamp + k,
                        "added_by_id": w.user_id,
                        "changed": stamp + k,
                        "changed_by_id": w.user_id,
                        "changed_by": w.username,
                    }
                )
                for product_id, quantity in spec:
                    lines.append(
                        {
                            "id": line_id,
                            "tenant_id": w.tenant_id,
                            "order_id": order_id,
                            "product_id": product_id,
                            "quantity": quantity,
                            "external_line_id": f"L{line_id}",
                            "waiting": waiting,
                        }
                    )
                    line_id += 1
            for i in range(0, len(header), 5000):
                conn.execute(insert(Order.__table__), header[i : i + 5000])
            for i in range(0, len(lines), 5000):
                conn.execute(insert(OrderLine.__table__), lines[i : i + 5000])
            if engine.dialect.name == "postgresql":
                for table in ("sales_order", "sales_order_line"):
                    conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
        seed._analyze(engine)
    finally:
        engine.dispose()


def recheck(url, opts) -> dict:
    """10 000 orders waiting for 500 products nobody receives, plus N waiting for one product that then receives
    enough for all N: the re-check's time at N = 100 and N = 1000, for the product (as a receipt calls it) and
    for the whole tenant (the endpoint, no products). Each timing runs in a transaction rolled back after it."""
    out = {}
    for others in opts.others:
        for n in opts.waiting:
            with env.database(opts.backend) as db_url:
                out[f"{others} others, {n} waiting"] = _recheck_once(db_url, others, n, opts)
    return out


def _recheck_once(url, others, n, opts) -> dict:
    w = seed.world(url, bins=16, products=HOT + 500)
    warehouse_id = warehouse_of(url, w)
    hot, starved = w.product_ids[0], w.product_ids[HOT:]
    rng = random.Random(3)
    specs = [[(rng.choice(starved), 1)] for _ in range(others)]
    mine = [[(hot, 1), (rng.choice(w.product_ids[1:HOT]), 1)] if k % 2 else [(hot, 1)] for k in range(n)]
    # Interleaved, so that the product's orders are spread among the others by age.
    everything = specs + mine
    rng.shuffle(everything)
    bulk_orders(url, w, warehouse_id, everything)
    app = create_app({"DATABASE_URL": url})
    session = new_session(app, write=True)
    tenant, user = session.get(Tenant, w.tenant_id), session.get(User, w.user_id)
    # Stock for every line of the product's orders, and for their second lines.
    lines = [ledger.Line(w.bin_ids[0], hot, w.batch_of[hot], n)]
    lines += [ledger.Line(w.bin_ids[1], p, w.batch_of[p], n) for p in w.product_ids[1:HOT]]
    ledger.post(session, tenant=tenant, user=user, lines=lines)
    session.commit()
    timings = {"products": [], "tenant": []}
    ready = {}
    for label, kwargs in (("products", {"product_ids": [hot]}), ("tenant", {})):
        for _ in range(opts.repeat):
            started = time.perf_counter()
            got = order_supply.recheck(session, tenant=tenant, user=user, **kwargs)
            timings[label].append(time.perf_counter() - started)
            ready[label] = len(got)
            session.rollback()
    session.close()
    with env.Server(url, workers=1) as server:
        started = time.perf_counter()
        response = requests.post(
            server.base + "/api/order/check-orders-in-waiting-for-supply", json={}, headers=bearer(w), timeout=300
        )
        endpoint_s = time.perf_counter() - started
        assert response.status_code == 200, response.text[:300]
        endpoint_ready = len(response.json()["data"])
    result = {
        "others": others,
        "waiting_for_product": n,
        "became_ready": ready,
        "products_ms": _ms(timings["products"]),
        "tenant_ms": _ms(timings["tenant"]),
        "endpoint_ms_first_call_incl_auth": round(endpoint_s * 1000, 1),
        "endpoint_ready": endpoint_ready,
    }
    _progress(f"  recheck {others} others, {n} waiting: {result}")
    return result


def _ms(values):
    return {"median": round(statistics.median(values) * 1000, 1), "min": round(min(values) * 1000, 1)}


# --- reads -----------------------------------------------------------------------------------------------------


def reading(url_factory, opts) -> dict:
    """POST /api/order/read, one page of 100, at 1 000 and at 100 000 orders (2 lines each), one client."""
    out = {}
    for total in opts.read_sizes:
        with url_factory() as url:
            w = seed.world(url, bins=16, products=HOT)
            warehouse_id = warehouse_of(url, w)
            rng = random.Random(5)
            specs = [[(p, rng.randint(1, 3)) for p in rng.sample(w.product_ids, 2)] for _ in range(total)]
            started = time.monotonic()
            bulk_orders(url, w, warehouse_id, specs, status="READY_FOR_PICKING", waiting=False)
            seeded = round(time.monotonic() - started, 1)
            with env.Server(url, workers=opts.workers) as server:
                reads = {
                    "page 1": {},
                    "page 1, statuses=[READY_FOR_PICKING]": {"statuses": ["READY_FOR_PICKING"]},
                    "page 1, warehouseIds": {"warehouseIds": [warehouse_id]},
                }
                out[str(total)] = {"seed_s": seeded, "reads": {}}
                for name, body in reads.items():
                    # The same request 8 times over, so the warm-up reaches every worker (each checks the Bearer
                    # password once, a scrypt of ~0.4 s, then caches it).
                    reqs = [
                        {"method": "POST", "path": "/api/order/read", "body": json.dumps({**body, "limit": 100})}
                    ] * 8
                    result = load(server, bearer(w), reqs, clients=1, duration=15, max_requests=300, warmup=8)
                    out[str(total)]["reads"][name] = result
                    _progress(
                        f"  read {name} @ {total}: p50 {result['p50_ms']} p99 {result['p99_ms']} {result['statuses']}"
                    )
    return out


def reading_interleaved(opts) -> dict:
    """The same read in process (Flask's test client, no HTTP) against both databases, in alternating rounds of 40,
    so that the machine's load hits both sizes alike: median and p90 ms, the first round dropped (warm-up)."""
    with contextlib.ExitStack() as stack:
        clients = {}
        for total in opts.read_sizes:
            url = stack.enter_context(env.database(opts.backend))
            w = seed.world(url, bins=16, products=HOT)
            warehouse_id = warehouse_of(url, w)
            rng = random.Random(5)
            specs = [[(p, rng.randint(1, 3)) for p in rng.sample(w.product_ids, 2)] for _ in range(total)]
            bulk_orders(url, w, warehouse_id, specs, status="READY_FOR_PICKING", waiting=False)
            clients[total] = (create_app({"DATABASE_URL": url}).test_client(), bearer(w))
        times: dict[int, list[float]] = {total: [] for total in clients}
        for _round in range(8):
            for total, (client, headers) in clients.items():
                for _ in range(40):
                    started = time.perf_counter()
                    response = client.post("/api/order/read", json={"limit": 100}, headers=headers)
                    assert response.status_code == 200 and len(response.get_json()["data"]) == 100
                    times[total].append(time.perf_counter() - started)
    out = {}
    for total, values in times.items():
        values = sorted(values[40:])
        out[str(total)] = {
            "median_ms": round(statistics.median(values) * 1000, 2),
            "p90_ms": round(values[int(len(values) * 0.9)] * 1000, 2),
            "reads": len(values),
        }
    _progress(f"  interleaved reads: {out}")
    return out


# --- main ------------------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--only", action="append", choices=["adds", "recheck", "read", "read-interleaved"])
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3, help="adds: posts and adds alternate this many times")
    parser.add_argument("--others", default="0,10000", help="orders waiting for other products")
    parser.add_argument("--waiting", default="100,1000", help="orders waiting for the product that gets stock")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--read-sizes", default="1000,100000")
    parser.add_argument("--label", default="orders")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    opts = parser.parse_args(argv)
    opts.only = opts.only or ["adds", "recheck", "read", "read-interleaved"]
    opts.clients = [int(x) for x in opts.clients.split(",")]
    opts.others = [int(x) for x in opts.others.split(",")]
    opts.waiting = [int(x) for x in opts.waiting.split(",")]
    opts.read_sizes = [int(x) for x in opts.read_sizes.split(",")]
    started = time.monotonic()
    results = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": env.machine(),
        "options": {k: v for k, v in vars(opts).items() if k != "out"},
    }
    _progress(f"load average {results['machine']['load_average']}")
    if "adds" in opts.only:
        _progress(f"{opts.backend}: order adds against single-record posts")
        with env.database(opts.backend) as url:
            results["adds"] = adds(url, opts)
    if "recheck" in opts.only:
        _progress(f"{opts.backend}: the waiting re-check")
        results["recheck"] = recheck(None, opts)
    if "read" in opts.only:
        _progress(f"{opts.backend}: /api/order/read as orders pile up")
        results["read"] = reading(lambda: env.database(opts.backend), opts)
    if "read-interleaved" in opts.only:
        _progress(f"{opts.backend}: /api/order/read in process, the sizes interleaved")
        results["read_interleaved"] = reading_interleaved(opts)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = round(time.monotonic() - started, 1)
    folder = Path(opts.out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{opts.label}"
    (folder / f"{stem}.json").write_text(json.dumps(results, indent=1) + "\n")
    (folder / f"{stem}.md").write_text(markdown(results))
    _progress(f"results: {folder / stem}.md")
    print(markdown(results))


def markdown(r) -> str:
    m = r["machine"]
    lines = [
        f"# Orders benchmark {r['started']} ({r['options']['backend']})",
        "",
        f"- machine: {m['cpu']}, {m['nproc']} cores, {m['memory_total_gib']} GiB; Python {m['python']}, "
        f"PostgreSQL {m['postgresql']}, SQLite {m['sqlite']}",
        f"- load average before {m['load_average']}, after {r.get('load_average_after')}; run {r.get('seconds')} s; "
        f"gunicorn {r['options']['workers']} sync workers",
        "",
    ]
    if "adds" in r:
        lines += [
            "## Order adds against single-record posts (same server, same run)",
            "",
            "| clients | order adds/s | p50 / p99 ms | record posts/s | p50 / p99 ms | ratio (goal >= 0.5) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for clients, c in r["adds"]["clients"].items():
            a, p = c["order_adds"], c["record_posts"]
            lines.append(
                f"| {clients} | {a['per_s']} | {a['p50_ms']} / {a['p99_ms']} | {p['per_s']} | "
                f"{p['p50_ms']} / {p['p99_ms']} | {c['ratio']} |"
            )
        lines.append("")
    if "recheck" in r:
        lines += [
            "## The waiting re-check (in process, median of the runs, ms; each run rolled back)",
            "",
            "| others waiting | waiting for the product | became ready | product_ids=[it] | whole tenant | "
            "endpoint, first call (HTTP, auth) |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for c in r["recheck"].values():
            lines.append(
                f"| {c['others']} | {c['waiting_for_product']} | {c['became_ready']['products']} | "
                f"{c['products_ms']['median']} | {c['tenant_ms']['median']} | "
                f"{c['endpoint_ms_first_call_incl_auth']} |"
            )
        lines.append("")
    if "read" in r:
        sizes = sorted(r["read"], key=int)
        lines += [
            "## POST /api/order/read, one page of 100, one client",
            "",
            "| read | " + " | ".join(f"{s} orders p50 / p99 ms" for s in sizes) + " | ratio of p50 (goal <= 1.5) |",
            "| --- |" + " ---: |" * (len(sizes) + 1),
        ]
        for name in r["read"][sizes[0]]["reads"]:
            cells = [r["read"][s]["reads"][name] for s in sizes]
            ratio = round(cells[-1]["p50_ms"] / cells[0]["p50_ms"], 2) if cells[0]["p50_ms"] else None
            lines.append(f"| {name} | " + " | ".join(f"{c['p50_ms']} / {c['p99_ms']}" for c in cells) + f" | {ratio} |")
        lines.append("")
    if "read_interleaved" in r:
        sizes = sorted(r["read_interleaved"], key=int)
        first, last = r["read_interleaved"][sizes[0]], r["read_interleaved"][sizes[-1]]
        ratio = round(last["median_ms"] / first["median_ms"], 2) if first["median_ms"] else None
        lines += [
            "## POST /api/order/read (page 1 of 100) in process, the sizes in alternating rounds",
            "",
            "| orders | median ms | p90 ms | reads |",
            "| ---: | ---: | ---: | ---: |",
            *[
                f"| {s} | {r['read_interleaved'][s]['median_ms']} | {r['read_interleaved'][s]['p90_ms']} | "
                f"{r['read_interleaved'][s]['reads']} |"
                for s in sizes
            ],
            "",
            f"Ratio of the medians {sizes[-1]} / {sizes[0]}: {ratio} (goal <= 1.5)",
            "",
        ]
    return "\n".join(lines) + "\n"


def _progress(message):
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
