"""Turn a run's results into the markdown recorded in bench/results/, with each goal marked met or missed."""

POST_LIST_GOAL = 0.5  # lists of 1000: at least half the baseline's rows per second
SINGLE_P99_GOAL_MS = 50  # one record per request, 32 clients, PostgreSQL
READ_GROWTH_GOAL = 1.5  # 1M-record read within 1.5x the 10k-record read
VERIFY_GOAL_S = 30


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = [
        f"# Benchmark run {r['started']}" + (" (quick: smoke test, not numbers)" if r["options"].get("quick") else ""),
        "",
        f"- machine: {m['cpu']}, {m['nproc']} cores, {m['memory_total_gib']} GiB; {m['platform']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}",
        f"- load average before {m['load_average']}, after {r.get('load_average_after')} "
        f"(other work on the machine skews the numbers; compare ratios, not absolutes)",
        f"- gunicorn {r['options']['workers']} sync workers; load generator: bench/loadgen.py in its own process "
        f"on 127.0.0.1; posting runs {r['options']['duration']} s each; whole run {r.get('seconds')} s",
        "",
        "```",
        m.get("free_h", ""),
        "```",
        "",
    ]
    for backend, out in r["backends"].items():
        if "posting" in out:
            lines += _posting(backend, out["posting"])
        if "reading" in out:
            lines += _reading(backend, out["reading"])
    return "\n".join(lines) + "\n"


def _posting(backend, p):
    lines = [
        f"## {backend}: posting",
        "",
        "| records/request | clients | rows/s | ratio to baseline | p50 ms | p99 ms | statuses |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    verdicts = []
    for size, entry in p["lists"].items():
        base = entry["baseline"]
        lines.append(
            f"| {size} | baseline (Core, 1 process) | {base['rows_per_s']} | 1 | {base['p50_ms']} | "
            f"{base['p99_ms']} | {base['transactions']} transactions |"
        )
        for clients, run in entry["http"].items():
            lines.append(
                f"| {size} | {clients} | {run['rows_per_s']} | {run['ratio_to_baseline']} | {run['p50_ms']} | "
                f"{run['p99_ms']} | {run['statuses']} |"
            )
        if size == "1000":
            best = max(run["ratio_to_baseline"] or 0 for run in entry["http"].values())
            verdicts.append(
                f"lists of 1000 at best {best} of the baseline's rows/s (goal >= {POST_LIST_GOAL}): "
                + ("met" if best >= POST_LIST_GOAL else "MISSED")
            )
        for label in ("32", "32 paced 1/s"):
            if size == "1" and backend == "postgresql" and label in entry["http"]:
                p99 = entry["http"][label]["p99_ms"]
                floor = p.get("floor", {}).get(label)
                verdicts.append(
                    f"single records, {label} clients: p99 {p99} ms (goal < {SINGLE_P99_GOAL_MS} ms): "
                    + ("met" if p99 < SINGLE_P99_GOAL_MS else "MISSED")
                    + (f" (the floor, GET /health at {label} clients: p99 {floor['p99_ms']} ms)" if floor else "")
                )
    if p.get("floor"):
        lines += [
            "",
            "The floor: `GET /health` (one `SELECT 1`) with the same closed-loop clients, on the same server:",
            "",
            "| clients | requests/s | p50 ms | p99 ms |",
            "| ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {c} | {run['requests_per_s']} | {run['p50_ms']} | {run['p99_ms']} |" for c, run in p["floor"].items()
        ]
    lines += [
        "",
        *[f"- {v}" for v in verdicts],
        f"- worker RSS after the posting runs (MiB): {p.get('worker_rss_mib')} "
        f"(at start: {p.get('worker_rss_mib_start')}); without file-backed pages: {p.get('worker_anon_mib')} "
        f"(at start: {p.get('worker_anon_mib_start')})",
        "",
    ]
    return lines


def _reading(backend, by_size):
    sizes = sorted(by_size, key=int)
    small, big = sizes[0], sizes[-1]
    header = " | ".join(f"{s} p50 / p99 ms" for s in sizes)
    lines = [
        f"## {backend}: reading as the ledger grows",
        "",
        f"| request | {header} | p50 ratio {big}/{small} |",
        "| --- |" + " ---: |" * (len(sizes) + 1),
    ]
    verdicts = []
    for name in by_size[small]["reads"]:
        cells = []
        for s in sizes:
            run = by_size[s]["reads"][name]
            cells.append(f"{run['p50_ms']} / {run['p99_ms']}")
        a, b = by_size[small]["reads"][name]["p50_ms"], by_size[big]["reads"][name]["p50_ms"]
        ratio = round(b / a, 2) if a else None
        lines.append(f"| GET {name} | {' | '.join(cells)} | {ratio} |")
        if ratio is not None and "(page=)" in name:
            # Not the paging chosen for deep pages (afterId is): shown for what it costs, not judged.
            verdicts.append(f"{name}: {ratio}x (page= steps over every earlier row; deep pages use afterId)")
        elif ratio is not None:
            verdicts.append(f"{name}: {ratio}x " + ("met" if ratio <= READ_GROWTH_GOAL else "MISSED"))
    lines += [
        "",
        f"Goal: the {big}-record time within {READ_GROWTH_GOAL}x the {small}-record time. " + "; ".join(verdicts),
        "",
        "| ledger | seeded in s | `ledger verify` s | peak RSS MiB | peak RSS without file-backed pages MiB | exit |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in sizes:
        v = by_size[s]["verify"]
        lines.append(
            f"| {s} | {by_size[s]['seed_s']} | {v['seconds']} | {v['peak_rss_mib']} | {v.get('peak_anon_mib')} | "
            f"{v['exit']} |"
        )
    v = by_size[big]["verify"]
    lines += [
        "",
        f"- verify goal on {big} records: under {VERIFY_GOAL_S} s and memory flat: {v['seconds']} s, "
        f"{by_size[small]['verify'].get('peak_anon_mib')} -> {v.get('peak_anon_mib')} MiB without file-backed "
        f"pages ({by_size[small]['verify']['peak_rss_mib']} -> {v['peak_rss_mib']} MiB RSS): "
        + ("met" if v["seconds"] < VERIFY_GOAL_S and v["exit"] == 0 else "MISSED"),
        "",
    ]
    return lines
