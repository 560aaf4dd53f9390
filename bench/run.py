"""Run the benchmarks and record the results with the machine they ran on.

    .venv/bin/python bench/run.py [--quick] [--backend sqlite|postgresql ...] [--ledger-sizes 10000,1000000]
                                  [--only posting|reading] [--out bench/results]

See bench/README.md for what is measured and the goals.
"""

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import env, report, scenarios  # noqa: E402


def options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs and small ledgers: a smoke test, not numbers")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"], help="repeatable; default both")
    parser.add_argument("--only", action="append", choices=["posting", "reading"], help="repeatable; default both")
    parser.add_argument("--ledger-sizes", default=None, help="comma separated; default 10000,1000000")
    parser.add_argument("--list-sizes", default="1,100,1000")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per posting run (default 8)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    opts = parser.parse_args(argv)
    opts.backend = opts.backend or ["sqlite", "postgresql"]
    opts.only = opts.only or ["posting", "reading"]
    opts.ledger_sizes = [
        int(x) for x in (opts.ledger_sizes or ("1000,20000" if opts.quick else "10000,1000000")).split(",")
    ]
    opts.list_sizes = [int(x) for x in opts.list_sizes.split(",")]
    opts.clients = [int(x) for x in opts.clients.split(",")]
    opts.duration = opts.duration or (1.5 if opts.quick else 8.0)
    opts.max_requests = 200_000
    opts.read_duration = 3 if opts.quick else 15
    opts.read_requests = 60 if opts.quick else 400
    return opts


def main(argv=None):
    opts = options(argv)
    started = time.monotonic()
    results = {
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": env.machine(),
        "options": {k: v for k, v in vars(opts).items() if k != "out"},
        "backends": {},
    }
    print(
        f"machine: {results['machine']['cpu']} x{results['machine']['nproc']}, "
        f"load {results['machine']['load_average']}",
        file=sys.stderr,
    )
    for backend in opts.backend:
        out = results["backends"][backend] = {}
        if "posting" in opts.only:
            print(f"{backend}: posting", file=sys.stderr)
            with env.database(backend) as url:
                out["posting"] = scenarios.posting(url, opts)
        if "reading" in opts.only:
            out["reading"] = {}
            for size in opts.ledger_sizes:
                print(f"{backend}: reading at {size} records", file=sys.stderr)
                with env.database(backend) as url:
                    out["reading"][str(size)] = scenarios.reading(url, size, opts)
    results["load_average_after"] = [round(x, 2) for x in __import__("os").getloadavg()]
    results["seconds"] = round(time.monotonic() - started, 1)
    folder = Path(opts.out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if opts.quick else "")
    (folder / f"{stem}.json").write_text(json.dumps(results, indent=1) + "\n")
    (folder / f"{stem}.md").write_text(report.markdown(results))
    print(f"results: {folder / stem}.md", file=sys.stderr)
    print(report.markdown(results))


if __name__ == "__main__":
    main()
