"""Inventories under real parallel clients, against gunicorn with several workers (on each backend).

- Validations of one inventory racing each other: exactly one posts the differences, the others are a 409, and
  the ledger proves the totals. What decides it: every stock-adjustment locks the inventory's row first
  (``documents/inventory.py``), so the second validation waits and then sees VALIDATED. Without that lock
  PostgreSQL let several validations read OPEN and post the write-off again.
- A stocktaking and an inventory scan opening a count of the same bin at once: one gets the bin, the other a
  409. Both check under the bin's lock (``counting.hold``); without it PostgreSQL let both in.

SQLite's write lock at BEGIN IMMEDIATE serializes the requests on its own, so there both pass either way.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.test_concurrency import (  # noqa: F401 (server, remote and position are fixtures)
    TIMEOUT,
    assert_clean_log,
    assert_cli_ledger_verifies,
    assert_ledger_verifies,
    line,
    on_gunicorn,
    position,
    remote,
    server,
    statuses,
)

from ..conftest import PASSWORD
from .conftest import HOST_SUFFIX

RACERS = 6
ADJUST = "/api/inventory/stock-adjustment"


def planograma(native):
    """A Planograma session on the same server and tenant as the ``native`` client."""
    http = requests.Session()
    http.headers.update(
        {"Host": f"{native.headers['clientCode']}.{HOST_SUFFIX}", "Authorization": f"Bearer clerk:{PASSWORD}"}
    )
    return http


@on_gunicorn
def test_two_validations_of_one_inventory_post_once(app, server, remote, position):  # noqa: F811
    pos = position()
    remote.create("/bin-inventory-record", line(pos, 10))
    bin_code = remote.request("GET", f"/bin/{pos['bin']}").json()["code"]
    model = remote.request("GET", f"/product/{pos['product']}").json()["code"]
    opened = planograma(remote).post(
        remote.base + ADJUST, json={"locationCode": bin_code, "model": model, "quantity": 7}, timeout=TIMEOUT
    )
    assert opened.status_code == 200, opened.text
    inventory_id = opened.json()["data"]["inventoryId"]

    start = threading.Barrier(RACERS, timeout=TIMEOUT)

    def validate():
        own = planograma(remote)
        start.wait()
        return own.post(remote.base + ADJUST, json={"inventoryId": inventory_id, "validate": True}, timeout=TIMEOUT)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        responses = [f.result(timeout=TIMEOUT * 2) for f in [pool.submit(validate) for _ in range(RACERS)]]

    assert statuses(responses) == {200: 1, 409: RACERS - 1}, [r.text for r in responses]
    refused = {r.json()["errorMessage"] for r in responses if r.status_code == 409}
    assert refused == {f"Inventory {inventory_id} is validated and cannot be changed."}
    records = remote.request("GET", f"/bin-inventory-record?referenceId={inventory_id}&binId={pos['bin']}").json()
    assert [(r["amount"], r["referenceType"], r["recordType"]) for r in records] == [
        (-3, "INVENTORY_WRITE_OFF", "INVENTORY")
    ]
    assert remote.amount(pos["bin"], pos["product"]) == 7
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)


ROUNDS = 20


@on_gunicorn
def test_a_stocktaking_and_an_inventory_racing_for_a_bin_get_one_count(app, server, remote, position):  # noqa: F811
    pos = position()
    warehouse = remote.request("GET", f"/bin/{pos['bin']}").json()["warehouseId"]
    model = remote.request("GET", f"/product/{pos['product']}").json()["code"]
    bins = [remote.create("/bin", {"warehouseId": warehouse, "code": f"R-{i}", "active": True}) for i in range(ROUNDS)]

    def race(bin_):
        """A stocktaking and an inventory scan of ``bin_`` released at once, each on its own connection."""
        start = threading.Barrier(2, timeout=TIMEOUT)

        def stocktaking():
            own = remote.clone()
            start.wait()
            return own.request("POST", "/stocktaking", json={"binId": bin_["id"]})

        def inventory():
            own = planograma(remote)
            start.wait()
            body = {"locationCode": bin_["code"], "model": model, "quantity": 1}
            return own.post(remote.base + ADJUST, json=body, timeout=TIMEOUT)

        with ThreadPoolExecutor(max_workers=2) as pool:
            counted, scanned = pool.submit(stocktaking), pool.submit(inventory)
            return counted.result(timeout=TIMEOUT * 2), scanned.result(timeout=TIMEOUT * 2)

    outcomes = [race(bin_) for bin_ in bins]
    for bin_, (counted, scanned) in zip(bins, outcomes, strict=True):
        # Exactly one of the two counts the bin; the other is a 409 naming it.
        assert sorted([counted.status_code, scanned.status_code]) in ([201, 409], [200, 409]), (
            counted.text,
            scanned.text,
        )
        if counted.status_code == 201:
            assert scanned.json()["errorMessage"].startswith(f"Bin {bin_['id']} already has an open stocktaking")
        else:
            assert counted.json()["message"].startswith(f"Bin {bin_['id']} already has an open inventory")
    open_counts = remote.request("GET", "/stocktaking?finished=false&pageSize=100").json()
    assert len(open_counts) == sum(1 for counted, _ in outcomes if counted.status_code == 201)
    assert_clean_log(server)
