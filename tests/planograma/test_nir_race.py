"""Two (or more) validations of one NIR racing through real gunicorn workers: the stock moves exactly once.

``PATCH /api/nir/update`` with ``validated: true`` locks the NIR's row (SELECT ... FOR UPDATE) before it reads its
status, so the validations queue on the row: the first posts and commits, the others then read VALIDATED and
answer 409. Without that lock this fails on PostgreSQL: every client reads PENDING before any commits, each
posts the NIR's records, and the bin gets the goods several times. (On SQLite the write transaction takes the
database's write lock at BEGIN, which serializes them too.)
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from ..conftest import PASSWORD
from ..gunicorn import TIMEOUT
from ..test_concurrency import (  # noqa: F401 (server is a fixture: 3 gunicorn workers on this backend)
    assert_clean_log,
    assert_cli_ledger_verifies,
    on_gunicorn,
    server,
)
from .nir_helpers import add_nir, assert_ledger_verifies, held, line, records, world

CLIENTS, ROUNDS = 6, 3


def _validate_in_parallel(base, tenant_code, nir_id):
    headers = {"Authorization": f"Bearer clerk:{PASSWORD}", "Host": f"{tenant_code}.wms.test"}
    body = {"nirIds": [nir_id], "updateFields": {"validated": True}}
    barrier = threading.Barrier(CLIENTS, timeout=TIMEOUT)

    def send(_):
        http = requests.Session()
        barrier.wait()
        return http.patch(base + "/api/nir/update", json=body, headers=headers, timeout=TIMEOUT)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(send, range(CLIENTS)))


@on_gunicorn
def test_racing_validations_move_the_stock_exactly_once(app, server, pg):  # noqa: F811
    w = world(pg)
    shelf = pg.native.bin(w["warehouse"]["id"])
    for round_ in range(1, ROUNDS + 1):
        nir = add_nir(pg, w, line(w["bolt"], 5, locationCode=shelf["code"]))

        responses = _validate_in_parallel(server[0], pg.tenant_code, nir["nirId"])

        codes = sorted(r.status_code for r in responses)
        assert codes == [200] + [409] * (CLIENTS - 1), [r.text for r in responses]
        refused = [r.json()["errorMessage"] for r in responses if r.status_code == 409]
        assert set(refused) == {f"NIR {nir['nirId']} is validated and cannot be changed."}
        assert [r[3] for r in records(pg, nir["nirId"])] == [5]
        assert held(pg, shelf["id"], w["bolt"]["id"]) == 5 * round_
    assert_ledger_verifies(app, pg.tenant_code)
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)


@on_gunicorn
def test_receipts_of_the_same_products_in_opposite_orders_never_deadlock(app, server, pg):  # noqa: F811
    w = world(pg)
    bolt, nut = w["bolt"], w["nut"]
    nirs = [
        add_nir(pg, w, *((line(bolt, 1), line(nut, 1)) if i % 2 else (line(nut, 1), line(bolt, 1))))
        for i in range(CLIENTS)
    ]
    headers = {"Authorization": f"Bearer clerk:{PASSWORD}", "Host": f"{pg.tenant_code}.wms.test"}
    barrier = threading.Barrier(CLIENTS, timeout=TIMEOUT)

    def send(nir):
        http = requests.Session()
        barrier.wait()
        body = {"nirIds": [nir["nirId"]], "updateFields": {"validated": True}}
        return http.patch(server[0] + "/api/nir/update", json=body, headers=headers, timeout=TIMEOUT)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        responses = list(pool.map(send, nirs))

    assert [r.status_code for r in responses] == [200] * CLIENTS, [r.text for r in responses]
    page = pg.ok("post", "/api/stock/all", {})
    assert {(row["productCode"], row["remainingQuantity"]) for row in page["content"]} == {
        (bolt["code"], CLIENTS),
        (nut["code"], CLIENTS),
    }
    assert_ledger_verifies(app, pg.tenant_code)
    assert_clean_log(server)
