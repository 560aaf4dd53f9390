"""Where does a POST /bin-inventory-record spend its time? In process, no network, one fresh database.

    .venv/bin/python bench/profile_post.py [--backend sqlite|postgresql] [--lines 1000] [--requests 30] [--pyinstrument]

Prints milliseconds per request and per ledger step (``stock/ledger.py``'s helpers, body loading, dumping);
with --pyinstrument also the full call tree. This is how the fixes in bench/README.md were found.
"""

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env, scenarios, seed  # noqa: E402
from wms_service import create_app  # noqa: E402
from wms_service.erply import common, fast  # noqa: E402
from wms_service.stock import ledger, ledger_sql, projection  # noqa: E402

# Each step where post looks it up: ledger_sql's and projection's through their modules, lock_bins by name.
STEPS = [
    (ledger_sql, "rows"),
    (ledger, "lock_bins"),
    (ledger, "_check_references"),
    (projection, "read_totals"),
    (ledger, "_check_rules"),
    (ledger_sql, "bulk_insert"),
    (projection, "move_totals"),
    (common, "load_one_or_many"),
    (fast, "dump_many"),
]


def timed(spent):
    for module, name in STEPS:
        original = getattr(module, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_name] = spent.get(_name, 0) + time.perf_counter() - start

        setattr(module, name, wrapper)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--no-freeze", action="store_true", help="leave the warmed-up objects to the garbage collector")
    opts = parser.parse_args()
    spent = {}
    timed(spent)
    with env.database(opts.backend) as url:
        w = seed.world(url, bins=256, products=16)
        app = create_app({"DATABASE_URL": url})
        client = app.test_client()
        login = {"clientCode": w.tenant_code, "username": w.username, "password": seed.PASSWORD}
        headers = {
            "clientCode": w.tenant_code,
            "sessionKey": client.post("/v1/session", json=login).get_json()["sessionKey"],
        }
        bodies = [
            json.dumps(lines if opts.lines > 1 else lines[0])
            for lines in scenarios.record_lists(w, opts.lines, opts.requests + 3)
        ]
        for body in bodies[:3]:  # warm up: first requests pay for imports and caches
            assert (
                client.post(
                    "/bin-inventory-record", data=body, headers=headers, content_type="application/json"
                ).status_code
                == 201
            )
        if not opts.no_freeze:
            gc.freeze()  # as gunicorn.conf.py does once a worker has loaded the app
        spent.clear()
        profiler = None
        if opts.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        start = time.perf_counter()
        for body in bodies[3:]:
            assert (
                client.post(
                    "/bin-inventory-record", data=body, headers=headers, content_type="application/json"
                ).status_code
                == 201
            )
        elapsed = time.perf_counter() - start
        if profiler:
            profiler.stop()
        app.extensions["wms_engine"].dispose()
    n = len(bodies) - 3
    print(f"{opts.backend}, {opts.lines} line(s) per request: {elapsed / n * 1000:.1f} ms per request")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:20s} {seconds / n * 1000:7.2f} ms")
    if profiler:
        print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
