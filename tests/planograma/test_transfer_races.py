"""Requests racing on one transfer, against gunicorn with several workers (on each backend): two validations, and a
validation against a cancel. Exactly one wins, the other is a 409 naming the status it found, and the stock moved
once or not at all.

What makes it hold is the transfer's row lock, taken by every change (``transfers.get(..., lock=True)``): without
it, on PostgreSQL, both requests read OPEN, and both answer 200 (the second validation moves nothing, as the first
consumed the reservations, but announces VALIDATED again; a cancel after a validation marks moved stock
CANCELLED). On SQLite the write lock taken at BEGIN (``web/transaction.py``) already serializes them.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

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
from wms_service.db import new_session
from wms_service.events.models import OutboxEvent

from ..conftest import PASSWORD, unique_code

ROUNDS = 6


class Scanner:
    """A Planograma client over real HTTP (Bearer, the tenant's host); each thread makes its own."""

    def __init__(self, native):
        self.base = native.base
        self.headers = {"Authorization": f"Bearer clerk:{PASSWORD}", "Host": f"{native.headers['clientCode']}.wms.test"}
        self.http = requests.Session()

    def call(self, method, path, body=None):
        return self.http.request(method, self.base + path, json=body, headers=self.headers, timeout=TIMEOUT)


def _a_transfer(native, make_position):
    """A bin holding 10, an empty one, and an open transfer of 3 from the first to the second."""
    pos = make_position()
    native.create("/bin-inventory-record", line(pos, 10))
    source = native.request("GET", f"/bin/{pos['bin']}").json()["code"]
    destination = native.create("/bin", {"warehouseId": pos["warehouse"], "code": unique_code("B-"), "active": True})
    body = {
        "productId": pos["product"],
        "quantity": 3,
        "sourceLocationCode": source,
        "destinationLocationCode": destination["code"],
        "warehouseId": pos["warehouse"],
    }
    scanned = Scanner(native).call("POST", "/api/transfer-product/add-transfer-product", body)
    assert scanned.status_code == 200, scanned.text
    return pos, destination["id"], scanned.json()["data"]["documentId"]


def _race(native, paths):
    """POST each path from its own thread and connection, all released at once; the responses in order."""
    barrier = threading.Barrier(len(paths), timeout=TIMEOUT)

    def send(path):
        own = Scanner(native)
        barrier.wait()
        return own.call("POST", path)

    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        futures = [pool.submit(send, path) for path in paths]
        return [f.result(timeout=TIMEOUT * 2) for f in futures]


def _status_events(app, transfer_id, to):
    session = new_session(app)
    try:
        query = select(func.count(OutboxEvent.id)).where(
            OutboxEvent.type == "transfer.status_changed",
            OutboxEvent.document_id == transfer_id,
            OutboxEvent.data.contains(f'"to":"{to}"'),
        )
        return session.scalar(query)
    finally:
        session.close()


def _moved(native, pos, destination, transfer_id):
    """(in the source, in the destination, the transfer's records)."""
    records = native.request("GET", f"/bin-inventory-record?recordType=TRANSFER&referenceId={transfer_id}").json()
    return native.amount(pos["bin"], pos["product"]), native.amount(destination, pos["product"]), len(records)


@on_gunicorn
def test_two_validations_racing_move_the_stock_once(app, server, remote, position):  # noqa: F811
    for _ in range(ROUNDS):
        pos, destination, transfer_id = _a_transfer(remote, position)

        responses = _race(remote, [f"/api/transfer/validate-transfer/{transfer_id}"] * 2)

        assert statuses(responses) == {200: 1, 409: 1}, [r.text for r in responses]
        (refused,) = [r.json() for r in responses if r.status_code == 409]
        assert refused["errorMessage"] == f"Transfer {transfer_id} is validated and cannot be changed."
        assert _moved(remote, pos, destination, transfer_id) == (7, 3, 2)
        assert _status_events(app, transfer_id, "VALIDATED") == 1
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)


@on_gunicorn
def test_a_validation_racing_a_cancel_either_moves_or_releases(app, server, remote, position):  # noqa: F811
    winners = set()
    for _ in range(ROUNDS):
        pos, destination, transfer_id = _a_transfer(remote, position)
        paths = [
            f"/api/transfer/validate-transfer/{transfer_id}",
            f"/api/transfer/change-transfer-status/{transfer_id}/CANCELLED",
        ]

        validated, cancelled = _race(remote, paths)

        assert sorted([validated.status_code, cancelled.status_code]) == [200, 409], [validated.text, cancelled.text]
        final = Scanner(remote).call("GET", f"/api/transfer/{transfer_id}").json()["data"]
        if validated.status_code == 200:
            winners.add("validate")
            assert cancelled.json()["errorMessage"] == f"Transfer {transfer_id} is validated and cannot be changed."
            assert final["status"] == "VALIDATED"
            assert _moved(remote, pos, destination, transfer_id) == (7, 3, 2)
        else:
            winners.add("cancel")
            assert validated.json()["errorMessage"] == f"Transfer {transfer_id} is cancelled and cannot be changed."
            assert final["status"] == "CANCELLED"
            assert _moved(remote, pos, destination, transfer_id) == (10, 0, 0)
        assert [p["reservedQuantity"] for p in final["transferProducts"]] == [0]
        # Nothing is left reserved: everything in the source can be taken.
        left = 10 if final["status"] == "CANCELLED" else 7
        assert remote.request("POST", "/bin-inventory-record", json=line(pos, -left)).status_code == 201
    assert winners  # which one wins is the server's business; that one does is the test's
    assert_ledger_verifies(app, remote.headers["clientCode"])
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)
