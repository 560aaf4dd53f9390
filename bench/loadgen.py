"""The load generator: a separate process that replays prepared requests with N client threads.

    python bench/loadgen.py JOB.json   ->  one JSON line on stdout

JOB: {"host", "port", "headers", "requests": [{"method", "path", "body"?}], "clients", "duration", "max_requests",
"warmup", "rate_per_client"?}. Each client thread takes the next prepared request in turn (round robin over the pool), sends it on its
own connection and times it. Bodies are prepared up front so the generator spends its CPU on sending, not on
building JSON: the machine has two cores and the server needs them. Every loop stops at ``duration`` seconds or
``max_requests`` requests, whichever comes first. stdlib http.client keeps the client cheap; gunicorn's sync
workers close the connection after each response, so every request opens a new loopback connection anyway.
"""

import http.client
import itertools
import json
import sys
import threading
import time


def run(job: dict) -> dict:
    pool = [(r["method"], r["path"], r.get("body", "").encode()) for r in job["requests"]]
    headers = {"Content-Type": "application/json", **job.get("headers", {})}
    counter = itertools.count()
    lock = threading.Lock()
    latencies, statuses, errors = [], {}, []
    max_requests = job["max_requests"]

    def one(method, path, body):
        conn = http.client.HTTPConnection(job["host"], job["port"], timeout=job.get("timeout", 60))
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            return response.status, payload
        finally:
            conn.close()

    for i in range(min(job.get("warmup", 0), len(pool))):
        one(*pool[i])

    deadline = time.monotonic() + job["duration"]

    interval = 1 / job["rate_per_client"] if job.get("rate_per_client") else 0

    def client(k):
        # Paced clients (think time, like a person scanning) send on a fixed schedule, their first sends spread
        # over one interval so that they do not arrive in bursts; the others send back to back.
        next_send = time.monotonic() + interval * k / job["clients"] - interval
        while time.monotonic() < deadline:
            if interval:
                next_send += interval
                time.sleep(max(0.0, next_send - time.monotonic()))
            n = next(counter)
            if n >= max_requests:
                return
            method, path, body = pool[n % len(pool)]
            start = time.perf_counter()
            try:
                status, payload = one(method, path, body)
            except OSError as exc:
                with lock:
                    errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 400 and len(errors) < 5:
                    errors.append(f"{status} {payload[:300]!r}")

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(job["clients"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(job["duration"] + job.get("timeout", 60) + 5)
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors[:5],
        "wall_s": round(wall, 3),
        "p50_ms": round(_quantile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(_quantile(latencies, 0.99) * 1000, 2),
        "max_ms": round((latencies[-1] if latencies else 0) * 1000, 2),
    }


def _quantile(values, q):
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(json.dumps(run(json.load(f))))
