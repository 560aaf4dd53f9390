"""Counts finishing while orders are cancelled and re-checked, against gunicorn with several workers (on each
backend). A cancel locks its order, then the bin it releases; a re-check locks its orders, then their bins; a
count's finish locks the orders holding its bin's reservations, then the bin (documents before bins). Every
request answers 200 (no deadlock, no 503), the ledger proves the totals, and every order's status agrees with
what it holds."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.gunicorn import Gunicorn
from tests.test_concurrency import (  # noqa: F401 (server, remote and position are fixtures)
    PASSWORD,
    TIMEOUT,
    assert_clean_log,
    assert_cli_ledger_verifies,
    assert_ledger_verifies,
    line,
    on_gunicorn,
    position,
    remote,
    statuses,
)

ROUNDS = 3


@pytest.fixture(scope="module")
def server(database_url):
    """More workers than the shared server's 3, so that counts, cancels and re-checks really run at once."""
    gunicorn = Gunicorn(database_url, workers=8).start()
    try:
        yield gunicorn.base, gunicorn.log
    finally:
        gunicorn.close()


BINS = 4
PER_BIN = 10
COUNTED = 6  # of 10: each count cuts the 4 newest reservations of its bin
CANCELS = 3  # per bin, among its newest orders: the ones the count cuts


@on_gunicorn
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_counts_racing_cancels_and_rechecks_never_deadlock(app, server, remote, position, round_):  # noqa: F811
    pos = position(active=True)
    bins = [pos["bin"]] + [
        remote.create("/bin", {"warehouseId": pos["warehouse"], "code": f"RACE-{i}", "active": True})["id"]
        for i in range(1, BINS)
    ]
    for bin_id in bins:
        remote.create("/bin-inventory-record", line(pos, PER_BIN, bin_id))
    planograma = {"Authorization": f"Bearer clerk:{PASSWORD}", "Host": f"{remote.headers['clientCode']}.wms.test"}

    def api(method, path, body=None, http=requests):
        response = http.request(method, remote.base + path, json=body, headers=planograma, timeout=TIMEOUT)
        return response

    def add(i):
        body = {
            "externalOrderId": f"RACE-{i}",
            "warehouseId": pos["warehouse"],
            "orderProducts": [{"productId": pos["product"], "quantity": 1}],
        }
        response = api("PUT", "/api/order/add", body)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    placed = [add(i) for i in range(BINS * PER_BIN)]  # bins in id order: orders 0-9 in the first bin, ...
    waiting = [add(1000 + i) for i in range(8)]
    assert {o["status"] for o in placed} == {"READY_FOR_PICKING"}
    assert {o["status"] for o in waiting} == {"WAITING_FOR_SUPPLY"}
    spare = remote.create("/bin", {"warehouseId": pos["warehouse"], "code": "RACE-SPARE", "active": True})["id"]
    remote.create("/bin-inventory-record", line(pos, 5, spare))  # free stock for the re-checks to hand out
    counts = []
    for bin_id in bins:
        count = remote.create("/stocktaking", {"binId": bin_id})
        counted = {"productId": pos["product"], "batchId": pos["batch"], "countedQuantity": COUNTED}
        assert remote.request("PUT", f"/stocktaking/{count['id']}/stocktaking-record", json=counted).status_code == 200
        counts.append(count["id"])
    cancels = [placed[b * PER_BIN + PER_BIN - 1 - k]["orderId"] for b in range(BINS) for k in range(CANCELS)]

    jobs = [("PUT", f"/stocktaking/{c}", {"finished": True}, True) for c in counts]
    jobs += [("PATCH", "/api/order/update-status", {"orderId": o, "status": "CANCELLED"}, False) for o in cancels]
    jobs += [("POST", "/api/order/check-orders-in-waiting-for-supply", {}, False) for _ in range(BINS)]
    barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)

    def run(job):
        method, path, body, native = job
        own = remote.clone()
        http = requests.Session()
        barrier.wait()
        if native:
            return own.request(method, path, json=body)
        return api(method, path, body, http=http)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        responses = [f.result(timeout=TIMEOUT * 3) for f in [pool.submit(run, job) for job in jobs]]

    assert statuses(responses) == {200: len(jobs)}, [r.text for r in responses if r.status_code != 200]
    orders = api("POST", "/api/order/read", {"limit": 1000}).json()["data"]
    by_status = {}
    for order in orders:
        (line_,) = order["orderProducts"]
        by_status.setdefault(order["status"], []).append(line_["reservedQuantity"])
    assert set(by_status) <= {"READY_FOR_PICKING", "WAITING_FOR_SUPPLY", "CANCELLED"}, by_status
    assert set(by_status["READY_FOR_PICKING"]) == {1}
    assert set(by_status.get("WAITING_FOR_SUPPLY", [])) <= {0}
    assert set(by_status["CANCELLED"]) == {0} and len(by_status["CANCELLED"]) == len(cancels)
    # 4 bins counted at 6 and the spare's 5: 29 units; every reserved one is an order that is ready.
    assert len(by_status["READY_FOR_PICKING"]) <= BINS * COUNTED + 5
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)
