"""Receipts racing order writers on the same products and bins, against gunicorn with several workers (on each
backend). NIRs are validated into bins and returns received into the RETURNS bin, each bringing a product that
orders wait for, while orders holding reservations of another product in those very bins are cancelled and
changed. A receipt locks the waiting orders before its bins (``order_supply.lock_waiting``), a cancel or an
update locks its order before its bins: every request answers 200 or 409 (never a 503), every order's status
agrees with what it holds, and the ledger proves the totals.

Without the first lock (the re-check locking the orders after the receipt's post, as before) PostgreSQL found
deadlocks here and answered 503."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import unique_code
from tests.gunicorn import Gunicorn
from tests.test_concurrency import (  # noqa: F401 (server and remote are fixtures)
    PASSWORD,
    TIMEOUT,
    assert_clean_log,
    assert_cli_ledger_verifies,
    assert_ledger_verifies,
    on_gunicorn,
    remote,
    statuses,
)

ROUNDS = 3
BINS = 3  # plain bins, each holding STOCKED of product A; the RETURNS bin holds as much
STOCKED = 20
PER_BIN = 4  # waiting orders holding one A in each bin (the RETURNS bin included)
NIR_UNITS = 2  # of B, one NIR into each plain bin
RETURNS, RETURN_UNITS = 2, 2  # returns of B into the RETURNS bin


@pytest.fixture(scope="module")
def server(database_url):
    """More workers than the shared server's 3, so that receipts, cancels and updates really run at once."""
    gunicorn = Gunicorn(database_url, workers=8).start()
    try:
        yield gunicorn.base, gunicorn.log
    finally:
        gunicorn.close()


@on_gunicorn
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_receipts_racing_order_cancels_and_updates_never_deadlock(app, server, remote, round_):  # noqa: F811
    planograma = {"Authorization": f"Bearer clerk:{PASSWORD}", "Host": f"{remote.headers['clientCode']}.wms.test"}

    def api(method, path, body=None, http=requests):
        return http.request(method, remote.base + path, json=body, headers=planograma, timeout=TIMEOUT)

    def ok(method, path, body=None):
        response = api(method, path, body)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    warehouse = remote.create("/warehouse", {"code": unique_code("W"), "name": "Main"})["id"]
    a, b = (remote.create("/product", {"code": unique_code(p), "name": p}) for p in ("A-", "B-"))
    batch = remote.create("/batch", {"productId": a["id"], "expiryDate": "2030-01-31", "batchCode": [unique_code("L")]})
    codes = [f"RACE-{i}" for i in range(BINS)]
    for code in codes:
        bin_id = remote.create("/bin", {"warehouseId": warehouse, "code": code, "active": True})["id"]
        record = {"binId": bin_id, "productId": a["id"], "batchId": batch["id"], "amount": STOCKED}
        remote.create("/bin-inventory-record", record)

    def receive_return(product, quantity):
        body = {
            "externalReference": unique_code("RET-"),
            "externalClientId": "CLIENT-1",
            "warehouseId": warehouse,
            "returnedProducts": [{"code": product["code"], "quantity": quantity}],
        }
        return "PUT", "/api/return/add", body

    ok(*receive_return(a, STOCKED))  # makes the RETURNS bin, with A in it
    codes.append("RETURNS")

    def add(code):
        body = {
            "externalOrderId": unique_code("RACE-"),
            "warehouseId": warehouse,
            "orderProducts": [
                {"productModel": a["code"], "quantity": 1, "locationCode": code},
                {"productModel": b["code"], "quantity": 1},
            ],
        }
        return ok("PUT", "/api/order/add", body)

    placed = {code: [add(code) for _ in range(PER_BIN)] for code in codes}
    assert {o["status"] for orders in placed.values() for o in orders} == {"WAITING_FOR_SUPPLY"}
    supplier = ok(
        "PUT",
        "/api/company/add",
        {"name": "Supplier SRL", "externalReference": unique_code("SUP-"), "type": "SUPPLIER"},
    )["companyId"]
    nirs = [
        ok(
            "PUT",
            "/api/nir/add",
            {
                "externalReference": unique_code("NIR-"),
                "warehouseId": warehouse,
                "supplierId": supplier,
                "nirProducts": [{"code": b["code"], "quantity": NIR_UNITS, "locationCode": code}],
            },
        )["nirId"]
        for code in codes[:BINS]
    ]

    jobs = [("PATCH", "/api/nir/update", {"nirIds": [n], "updateFields": {"validated": True}}) for n in nirs]
    jobs += [receive_return(b, RETURN_UNITS) for _ in range(RETURNS)]
    cancelled = [orders[k]["orderId"] for orders in placed.values() for k in (0, 1)]
    jobs += [("PATCH", "/api/order/update-status", {"orderId": o, "status": "CANCELLED"}) for o in cancelled]
    for orders in placed.values():  # one more A for the newest order of each bin: its bin is locked again
        order = orders[-1]
        lines = [
            {"orderProductId": line["orderProductId"], "quantity": 2 if line["productModel"] == a["code"] else 1}
            for line in order["orderProducts"]
        ]
        jobs.append(
            ("POST", "/api/order/update", {"orderIds": [order["orderId"]], "updateFields": {"orderProducts": lines}})
        )
    barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)

    def run(job):
        http = requests.Session()
        barrier.wait()
        return api(*job, http=http)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        responses = [f.result(timeout=TIMEOUT * 3) for f in [pool.submit(run, job) for job in jobs]]

    assert set(statuses(responses)) <= {200, 409}, [r.text for r in responses if r.status_code not in (200, 409)]
    assert statuses(responses[: len(nirs) + RETURNS]) == {200: len(nirs) + RETURNS}  # receipts refuse nothing
    orders = ok("POST", "/api/order/read", {"limit": 1000})
    by_status, b_reserved = {}, 0
    for order in orders:
        held = {line["productModel"]: (line["quantity"], line["reservedQuantity"]) for line in order["orderProducts"]}
        by_status.setdefault(order["status"], []).append(held)
        b_reserved += held[b["code"]][1]
        if order["status"] == "CANCELLED":
            assert {r for _q, r in held.values()} == {0}, order
        elif order["status"] == "READY_FOR_PICKING":
            assert all(r == q for q, r in held.values()), order
        else:
            assert order["status"] == "WAITING_FOR_SUPPLY", order
            assert any(r < q for q, r in held.values()), order
            assert held[a["code"]][1] == held[a["code"]][0], order  # A is plentiful in every bin
    assert len(by_status["CANCELLED"]) == len(cancelled)
    # B arrived only through the receipts: every unit reserved is one of theirs.
    assert b_reserved <= BINS * NIR_UNITS + RETURNS * RETURN_UNITS
    assert b_reserved == len(by_status.get("READY_FOR_PICKING", []))
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)
