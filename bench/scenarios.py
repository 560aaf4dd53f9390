"""The measurements: posting throughput, reads as the ledger grows, the proof's cost, worker memory."""

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests

from . import baseline, env, seed

LOADGEN = Path(__file__).resolve().parent / "loadgen.py"


def login(server, w) -> dict:
    body = {"clientCode": w.tenant_code, "username": w.username, "password": seed.PASSWORD, "sessionLength": 86400}
    response = requests.post(server.base + "/v1/session", json=body, timeout=30)
    response.raise_for_status()
    return {"clientCode": w.tenant_code, "sessionKey": response.json()["sessionKey"]}


def load(server, headers, reqs, *, clients, duration, max_requests, warmup=0, rate_per_client=None) -> dict:
    """Run the load generator in its own process and return its summary."""
    job = {
        "host": "127.0.0.1",
        "port": server.port,
        "headers": headers,
        "requests": reqs,
        "clients": clients,
        "duration": duration,
        "max_requests": max_requests,
        "warmup": warmup,
        "timeout": 120,
        "rate_per_client": rate_per_client,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(job, f)
        f.flush()
        out = subprocess.run(
            [sys.executable, str(LOADGEN), f.name], capture_output=True, text=True, timeout=duration + 300, check=True
        )
    return json.loads(out.stdout)


# --- posting ---------------------------------------------------------------------------------------------------

GROUP = 8  # bins per list: a scanner's list moves stock in a handful of bins, not across the warehouse


def record_lists(w, size: int, count: int) -> list[list[dict]]:
    """``count`` lists of ``size`` positive lines; consecutive lists touch different groups of bins."""
    rng = random.Random(size)
    groups = [w.bin_ids[i : i + GROUP] for i in range(0, len(w.bin_ids), GROUP)]
    lists = []
    for k in range(count):
        bins = [w.bin_ids[k % len(w.bin_ids)]] if size == 1 else groups[k % len(groups)]
        lines = []
        for j in range(size):
            product = w.product_ids[(k + j) % len(w.product_ids)]
            lines.append(
                {
                    "binId": bins[j % len(bins)],
                    "productId": product,
                    "batchId": w.batch_of[product],
                    "amount": rng.randint(1, 5),
                    "referenceType": "PURCHASE_DOCUMENT",
                    "referenceId": k + 1,
                }
            )
        lists.append(lines)
    return lists


def posting(url, opts) -> dict:
    """Records per second through POST /bin-inventory-record, against the Core baseline on the same database."""
    w = seed.world(url, bins=256, products=16)
    out = {"lists": {}, "worker_rss_mib": None}
    with env.Server(url, workers=opts.workers) as server:
        headers = login(server, w)
        # One record per place first, so the projection rows exist for the baseline's UPDATEs as for the service.
        prime = [
            {"binId": b, "productId": p, "batchId": w.batch_of[p], "amount": 1}
            for b in w.bin_ids
            for p in w.product_ids
        ]
        for i in range(0, len(prime), 1000):
            requests.post(
                server.base + "/bin-inventory-record", json=prime[i : i + 1000], headers=headers, timeout=120
            ).raise_for_status()
        out["worker_rss_mib_start"], out["worker_anon_mib_start"] = server.worker_memory_mib()
        # The floor: the cheapest request the server answers (GET /health, one SELECT 1) under the same clients.
        # Closed-loop latency is clients / throughput, so no request that does real work can beat this one's.
        out["floor"] = {}
        for clients in opts.clients:
            result = load(
                server,
                {},
                [{"method": "GET", "path": "/health"}],
                clients=clients,
                duration=opts.duration,
                max_requests=opts.max_requests,
            )
            result["requests_per_s"] = round(result["requests"] / result["wall_s"], 1) if result["wall_s"] else 0
            out["floor"][str(clients)] = result
            _progress(
                f"  floor GET /health clients={clients}: {result['requests_per_s']} req/s "
                f"p50={result['p50_ms']} p99={result['p99_ms']} ms"
            )
        for size in opts.list_sizes:
            pool = record_lists(w, size, {1: 512, 100: 64}.get(size, 32))
            base = baseline.run(url, w, pool, duration=opts.duration, max_lists=opts.max_requests)
            runs = {}
            reqs = [
                {
                    "method": "POST",
                    "path": "/bin-inventory-record",
                    "body": json.dumps(lines[0] if size == 1 else lines),
                }
                for lines in pool
            ]
            if size == 1:
                # Closed-loop clients measure saturation; scanners have think time. 32 of them scanning once a
                # second each is the load the p99 goal is read against as well; measured first, on a calm server.
                paced = load(
                    server,
                    headers,
                    reqs,
                    clients=32,
                    duration=opts.duration,
                    max_requests=opts.max_requests,
                    rate_per_client=1.0,
                )
                paced["rows_per_s"] = round(paced["statuses"].get("201", 0) / paced["wall_s"], 1)
                paced["ratio_to_baseline"] = None
                runs["32 paced 1/s"] = paced
                _progress(
                    f"  post list=1 clients=32 paced 1/s: p50={paced['p50_ms']} p99={paced['p99_ms']} ms "
                    f"{paced['statuses']}"
                )
            for clients in opts.clients:
                result = load(
                    server, headers, reqs, clients=clients, duration=opts.duration, max_requests=opts.max_requests
                )
                created = result["statuses"].get("201", 0)
                result["rows_per_s"] = round(created * size / result["wall_s"], 1) if result["wall_s"] else 0
                result["ratio_to_baseline"] = (
                    round(result["rows_per_s"] / base["rows_per_s"], 3) if base["rows_per_s"] else None
                )
                runs[str(clients)] = result
                _progress(
                    f"  post list={size} clients={clients}: {result['rows_per_s']} rows/s "
                    f"p50={result['p50_ms']} p99={result['p99_ms']} ms (baseline {base['rows_per_s']} rows/s) "
                    f"{result['statuses']}"
                )
            out["lists"][str(size)] = {"baseline": base, "http": runs}
        out["worker_rss_mib"], out["worker_anon_mib"] = server.worker_memory_mib()
    return out


# --- reading ---------------------------------------------------------------------------------------------------


def read_targets(w, total: int, page_size: int = 100) -> dict[str, list[str]]:
    """The reads clients make all day, with paths that depend only on the ledger's length where they must."""
    rng = random.Random(7)
    last_page = max(1, -(-total // page_size))
    return {
        "bin-inventory one bin": [f"/bin-inventory?binId={rng.choice(w.bin_ids)}" for _ in range(64)],
        "bin page 1": [f"/bin?pageSize={page_size}"],
        "bin-inventory-record page 1": [f"/bin-inventory-record?pageSize={page_size}"],
        "bin-inventory-record last page (page=)": [f"/bin-inventory-record?pageSize={page_size}&page={last_page}"],
        "bin-inventory-record last page (afterId=)": [
            f"/bin-inventory-record?pageSize={page_size}&afterId={max(0, total - page_size)}"
        ],
        # 25 rows (the default page): at 10k records a bin holds about 50, so a page of 100 would compare 50
        # rows answered with 100.
        "bin-inventory-record one bin page 1": [f"/bin-inventory-record?pageSize=25&binId={w.bin_ids[0]}"],
    }


def reading(url, size: int, opts) -> dict:
    """Median and p99 of each read on a ledger of ``size`` records, one client after the other."""
    w = seed.world(url, bins=200, products=20)
    places = seed.positions(w, per_bin=5)
    t0 = time.monotonic()
    seed.ledger(url, w, size, places)
    out = {"seed_s": round(time.monotonic() - t0, 1), "reads": {}}
    _progress(f"  seeded {size} records in {out['seed_s']} s")
    with env.Server(url, workers=opts.workers) as server:
        headers = login(server, w)
        for name, paths in read_targets(w, size).items():
            reqs = [{"method": "GET", "path": p} for p in paths]
            result = load(
                server,
                headers,
                reqs,
                clients=1,
                duration=opts.read_duration,
                max_requests=opts.read_requests,
                warmup=min(len(reqs), 8),
            )
            out["reads"][name] = result
            _progress(f"  read {name} @ {size}: p50={result['p50_ms']} p99={result['p99_ms']} ms {result['statuses']}")
    out["verify"] = verify(url)
    _progress(f"  ledger verify @ {size}: {out['verify']}")
    return out


# --- proof -----------------------------------------------------------------------------------------------------


def verify(url) -> dict:
    """Seconds and peak resident memory of ``wms-service ledger verify``, all of it and without file-backed pages
    (psutil polls it every 20 ms)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(env.BIN / "wms-service"), "ledger", "verify"],
        env=env.service_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    watched, peak, peak_anon = psutil.Process(proc.pid), 0, 0
    deadline = started + 600
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            info = watched.memory_info()
            peak = max(peak, info.rss)
            # Without the file-backed pages (SQLite maps the database, db.py): what the process itself allocates.
            peak_anon = max(peak_anon, info.rss - info.shared)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
    output = proc.communicate()[0].decode(errors="replace").strip()
    return {
        "seconds": round(time.monotonic() - started, 2),
        "peak_rss_mib": round(peak / 2**20, 1),
        "peak_anon_mib": round(peak_anon / 2**20, 1),
        "exit": proc.returncode,
        "output": output[-200:],
    }


def _progress(message):
    print(message, file=sys.stderr, flush=True)
