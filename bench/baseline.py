"""The baseline: the same rows written straight to the same database with SQLAlchemy Core, in one process.

Per list, one transaction that does the least a consistent stock write must do: insert the ledger rows and add
their amounts to the projection (one UPDATE per touched batch total and product total). No HTTP, no JSON, no
validation, no locks, no stock rules: the database's own limit that the service is measured against.
"""

import time

from sqlalchemy import bindparam, insert, update

from wms_service.db import make_engine, now
from wms_service.stock.models import BinInventory, BinInventoryBatch, BinInventoryRecord


def run(url: str, world, lists: list[list[dict]], *, duration: float, max_lists: int) -> dict:
    """Write ``lists`` (round robin) for ``duration`` seconds; rows per second and per-transaction latency."""
    engine = make_engine(url)
    r, p, pb = BinInventoryRecord, BinInventory, BinInventoryBatch
    add_batch = (
        update(pb)
        .where(
            pb.bin_id == bindparam("b_bin"),
            pb.product_id == bindparam("b_product"),
            pb.batch_id == bindparam("b_batch"),
        )
        .values(amount=pb.amount + bindparam("delta"))
    )
    add_product = (
        update(p)
        .where(p.bin_id == bindparam("b_bin"), p.product_id == bindparam("b_product"))
        .values(amount=p.amount + bindparam("delta"), changed=bindparam("moment"))
    )
    latencies, rows = [], 0
    deadline = time.monotonic() + duration
    started = time.monotonic()
    try:
        for i in range(max_lists):
            if time.monotonic() >= deadline:
                break
            lines = lists[i % len(lists)]
            t0 = time.perf_counter()
            moment = now()
            per_batch, per_product = {}, {}
            for line in lines:
                key = (line["binId"], line["productId"], line["batchId"])
                per_batch[key] = per_batch.get(key, 0) + line["amount"]
                per_product[key[:2]] = per_product.get(key[:2], 0) + line["amount"]
            with engine.begin() as conn:
                conn.execute(
                    insert(r),
                    [
                        {
                            "tenant_id": world.tenant_id,
                            "bin_id": line["binId"],
                            "product_id": line["productId"],
                            "batch_id": line["batchId"],
                            "amount": line["amount"],
                            "added": moment,
                            "changed": moment,
                            "added_by_id": world.user_id,
                            "changed_by_id": world.user_id,
                            "changed_by": world.username,
                        }
                        for line in lines
                    ],
                )
                conn.execute(
                    add_batch,
                    [
                        {"b_bin": b, "b_product": pr, "b_batch": bt, "delta": d}
                        for (b, pr, bt), d in sorted(per_batch.items())
                    ],
                )
                conn.execute(
                    add_product,
                    [
                        {"b_bin": b, "b_product": pr, "delta": d, "moment": moment}
                        for (b, pr), d in sorted(per_product.items())
                    ],
                )
            latencies.append(time.perf_counter() - t0)
            rows += len(lines)
    finally:
        engine.dispose()
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "transactions": len(latencies),
        "rows": rows,
        "rows_per_s": round(rows / wall, 1) if wall else 0,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2) if latencies else 0,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000, 2) if latencies else 0,
    }
