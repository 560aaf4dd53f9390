"""Returns against one order racing on real gunicorn workers (3), on each backend: together they never bring back
more than the order picked. The cap is read under the order row's lock (``documents/returns.py``); without it,
on PostgreSQL, several returns read the same "left to return" and all post."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .conftest import PASSWORD, make_tenant, unique_code
from .gunicorn import TIMEOUT
from .test_concurrency import (  # noqa: F401 (server is a fixture: 3 gunicorn workers on this backend)
    assert_clean_log,
    assert_cli_ledger_verifies,
    assert_ledger_verifies,
    server,
    statuses,
)


class Client:
    """Both faces of one tenant over real HTTP (a requests.Session per thread)."""

    def __init__(self, base, code, session_key):
        self.base, self.code = base, code
        self.native = {"clientCode": code, "sessionKey": session_key}
        self.planograma = {"Authorization": f"Bearer clerk:{PASSWORD}", "Host": f"{code}.wms.test"}

    def create(self, path, body):
        response = requests.post(self.base + path, json=body, headers=self.native, timeout=TIMEOUT)
        assert response.status_code == 201, response.text
        return response.json()

    def api(self, method, path, body, http=requests):
        return http.request(method, self.base + path, json=body, headers=self.planograma, timeout=TIMEOUT)

    def ok(self, method, path, body):
        response = self.api(method, path, body)
        assert response.status_code == 200, response.text
        return response.json()["data"]


@pytest.fixture
def remote(server, app):  # noqa: F811
    base, _log = server
    _tid, code, _uid = make_tenant(app)
    response = requests.post(
        base + "/v1/session", json={"clientCode": code, "username": "clerk", "password": PASSWORD}, timeout=TIMEOUT
    )
    assert response.status_code == 200, response.text
    return Client(base, code, response.json()["sessionKey"])


@pytest.mark.slow
@pytest.mark.xdist_group("gunicorn")
def test_returns_racing_against_one_order_never_pass_what_it_picked(app, server, remote):  # noqa: F811
    warehouse = remote.create("/warehouse", {"code": unique_code("W"), "name": "Main"})
    product = remote.create("/product", {"code": unique_code("P"), "name": "Widget"})
    batch = remote.create(
        "/batch", {"productId": product["id"], "expiryDate": "2030-01-31", "batchCode": [unique_code("B")]}
    )
    bin_ = remote.create("/bin", {"warehouseId": warehouse["id"], "code": unique_code("A-"), "active": True})
    remote.create(
        "/bin-inventory-record", {"binId": bin_["id"], "productId": product["id"], "batchId": batch["id"], "amount": 10}
    )
    line = {"productModel": product["code"], "quantity": 6}
    order = remote.ok(
        "put", "/api/order/add", {"externalOrderId": "O-1", "warehouseId": warehouse["id"], "orderProducts": [line]}
    )
    for to in ("PICKING", "PICKED"):
        remote.ok("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": to})

    def body(i):
        returned = [{"code": product["code"], "quantity": 2}]
        return {"externalReference": f"R-{i}", "externalClientId": "C", "initialExternalOrderId": "O-1",
                "returnedProducts": returned}  # fmt: skip

    bodies = [body(i) for i in range(8)]
    barrier = threading.Barrier(len(bodies), timeout=TIMEOUT)

    def send(payload):
        http = requests.Session()
        barrier.wait()
        return remote.api("put", "/api/return/add", payload, http=http)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        responses = [f.result(timeout=TIMEOUT * 2) for f in [pool.submit(send, b) for b in bodies]]

    assert statuses(responses) == {200: 3, 409: 5}, [r.text for r in responses]
    assert all("cannot be returned" in r.json()["errorMessage"] for r in responses if r.status_code == 409)
    returned = remote.ok("post", "/api/return/read", {"initialExternalOrderIds": ["O-1"]})
    assert sum(line["quantity"] for r in returned for line in r["returnedProducts"]) == 6
    (returns_bin,) = [
        b
        for b in requests.get(
            remote.base + f"/bin?warehouseId={warehouse['id']}", headers=remote.native, timeout=TIMEOUT
        ).json()
        if b["code"] == "RETURNS"
    ]
    rows = requests.get(
        remote.base + f"/bin-inventory?binId={returns_bin['id']}", headers=remote.native, timeout=TIMEOUT
    ).json()
    assert [(r["productId"], r["amount"]) for r in rows] == [(product["id"], 6)]
    assert_ledger_verifies(app, remote.code)
    assert_cli_ledger_verifies(app)
    assert_clean_log(server)
