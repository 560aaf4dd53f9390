"""Build what a benchmark needs: a tenant with bins, products and batches, and a big ledger in seconds.

The catalog goes through the service (in process, Flask's test client) so it is exactly what clients create. The
ledger is bulk-inserted straight into the tables (PostgreSQL COPY, SQLite executemany) together with a projection
computed from the same rows, so ``ledger verify`` passes on it; a million records through HTTP would take an hour.
"""

import random
from dataclasses import dataclass, field

from sqlalchemy import insert, text

from wms_service import create_app
from wms_service.auth import service as auth
from wms_service.db import make_engine, new_session, now
from wms_service.stock.models import BinInventory, BinInventoryBatch

PASSWORD = "bench-password-1"
RECORD_COLUMNS = (
    "tenant_id",
    "bin_id",
    "product_id",
    "batch_id",
    "amount",
    "reference_type",
    "reference_id",
    "added",
    "added_by_id",
    "changed",
    "changed_by_id",
    "changed_by",
)


@dataclass
class World:
    tenant_id: int
    tenant_code: str
    user_id: int
    username: str
    bin_ids: list[int]
    product_ids: list[int]
    batch_of: dict[int, int]  # product id -> its batch id
    positions: list[tuple[int, int, int]] = field(default_factory=list)  # (bin, product, batch)


def world(url: str, *, bins: int, products: int, code: str = "bench") -> World:
    """A tenant with one warehouse, ``bins`` bins and ``products`` products with one batch each."""
    app = create_app({"DATABASE_URL": url})
    session = new_session(app, write=True)
    try:
        tenant = auth.create_tenant(session, code=code)
        user = auth.create_user(session, tenant=tenant, username="bench", password=PASSWORD, permissions=["ADMIN"])
        session.commit()
        tenant_id, user_id = tenant.id, user.id
    finally:
        session.close()
    client = app.test_client()
    key = client.post("/v1/session", json={"clientCode": code, "username": "bench", "password": PASSWORD}).get_json()
    headers = {"clientCode": code, "sessionKey": key["sessionKey"]}

    def create(path, body):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    warehouse = create("/warehouse", {"code": "MAIN", "name": "Main"})
    product_ids = [
        p["id"] for p in create("/product", [{"code": f"SKU-{i}", "name": f"Item {i}"} for i in range(products)])
    ]
    batches = create(
        "/batch", [{"productId": p, "expiryDate": "2030-12-31", "batchCode": [f"LOT-{p}"]} for p in product_ids]
    )
    bin_ids = []
    for start in range(0, bins, 1000):
        chunk = [
            {"warehouseId": warehouse["id"], "code": f"B-{i:05d}", "active": True}
            for i in range(start, min(bins, start + 1000))
        ]
        bin_ids += [b["id"] for b in create("/bin", chunk)]
    app.extensions["wms_engine"].dispose()
    return World(tenant_id, code, user_id, "bench", bin_ids, product_ids, {b["productId"]: b["id"] for b in batches})


def positions(w: World, per_bin: int) -> list[tuple[int, int, int]]:
    """``per_bin`` products in every bin: the fixed set of places the ledger moves stock between."""
    out = []
    for i, bin_id in enumerate(w.bin_ids):
        for j in range(per_bin):
            product = w.product_ids[(i + j) % len(w.product_ids)]
            out.append((bin_id, product, w.batch_of[product]))
    return out


def ledger(url: str, w: World, n: int, places: list[tuple[int, int, int]], seed: int = 4) -> None:
    """Append ``n`` records over ``places`` and the matching projection, straight into the tables.

    Every place gets a record first, so a 10 000 and a 1 000 000 record ledger have the same projection size
    and only the ledger's length differs between them.
    """
    rng = random.Random(seed)
    levels = dict.fromkeys(places, 0)
    stamp = now()

    def rows():
        for i in range(n):
            place = places[i] if i < len(places) else places[rng.randrange(len(places))]
            amount = rng.randint(1, 20)
            if levels[place] > 0 and rng.random() < 0.3:
                amount = -rng.randint(1, levels[place])
            levels[place] += amount
            kind = "PURCHASE_DOCUMENT" if amount > 0 else "SALES_DOCUMENT"
            yield (w.tenant_id, *place, amount, kind, i // 10 + 1, stamp, w.user_id, stamp, w.user_id, w.username)

    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            _copy_records(engine, rows())
        else:
            _insert_records(engine, rows())
        _projection(engine, w, levels, stamp)
        _analyze(engine)
    finally:
        engine.dispose()


def _copy_records(engine, rows):
    raw = engine.raw_connection()
    try:
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY bin_inventory_record ({', '.join(RECORD_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _insert_records(engine, rows):
    sql = (
        f"INSERT INTO bin_inventory_record ({', '.join(RECORD_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"
    )
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 50_000:
                cur.executemany(sql, chunk)
                chunk = []
        if chunk:
            cur.executemany(sql, chunk)
        cur.execute("COMMIT")
    finally:
        raw.close()


def _projection(engine, w, levels, stamp):
    per_product = {}
    for (bin_id, product, _batch), amount in levels.items():
        per_product[(bin_id, product)] = per_product.get((bin_id, product), 0) + amount
    with engine.begin() as conn:
        created = conn.execute(
            insert(BinInventory).returning(
                BinInventory.id, BinInventory.bin_id, BinInventory.product_id, sort_by_parameter_order=True
            ),
            [
                {"tenant_id": w.tenant_id, "bin_id": b, "product_id": p, "amount": a, "added": stamp, "changed": stamp}
                for (b, p), a in per_product.items()
            ],
        ).all()
        ids = {(b, p): i for i, b, p in created}
        conn.execute(
            insert(BinInventoryBatch),
            [
                {
                    "tenant_id": w.tenant_id,
                    "bin_inventory_id": ids[(b, p)],
                    "bin_id": b,
                    "product_id": p,
                    "batch_id": bt,
                    "amount": a,
                }
                for (b, p, bt), a in levels.items()
            ],
        )
        # The bins' record counters, as migration 0003 fills them (none of the seeded records is reversed).
        conn.execute(
            text(
                "UPDATE bin SET record_count = (SELECT count(*) FROM bin_inventory_record r WHERE r.bin_id = bin.id), "
                "visible_record_count = (SELECT count(*) FROM bin_inventory_record r "
                "WHERE r.bin_id = bin.id AND r.reversed_by_id IS NULL) WHERE tenant_id = :tenant"
            ),
            {"tenant": w.tenant_id},
        )


def _analyze(engine):
    if engine.dialect.name == "postgresql":
        # VACUUM sets the visibility map, which index-only scans (the COUNT behind X-Total-Count) rely on;
        # autovacuum would do the same a little later on a real server.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:  # committed: statistics gathered in a rolled-back transaction are lost
            conn.exec_driver_sql("ANALYZE")
