"""/api/return through HTTP: received at add into the RETURNS bin (made on first use), capped by the initial
order and earlier returns, back into the batches the order took, the waiting re-check, read and validation-info,
tenants and permissions; every movement read back through the native ledger, which verifies."""

import pytest

from wms_service.auth import service as auth
from wms_service.db import new_session
from wms_service.stock import proof

from ..conftest import unique_code
from ..events.test_status_events import events_of
from .conftest import Planograma, add_user
from .test_orders import add as add_order
from .test_orders import status


def ret(pg, lines, **fields):
    body = {
        "externalReference": unique_code("RET-"),
        "externalClientId": "CLIENT-1",
        "returnedProducts": lines,
        **fields,
    }
    return pg.ok("put", "/api/return/add", body)


def records(pg, return_id):
    """The return's records as the native API lists them: (bin, batch, amount, recordType)."""
    rows = pg.native.get(f"/bin-inventory-record?referenceType=SALES_DOCUMENT&referenceId={return_id}").get_json()
    return [(r["binId"], r["productId"], r["batchId"], r["amount"]) for r in rows if r["recordType"] == "RETURN"]


def returns_bins(pg, warehouse_id):
    return [b for b in pg.native.get(f"/bin?warehouseId={warehouse_id}").get_json() if b["code"] == "RETURNS"]


def picked_order(pg, shelf, quantity):
    order = add_order(pg, shelf, quantity)
    status(pg, order, "PICKING")
    status(pg, order, "PICKED")
    return order


@pytest.fixture
def verified(app, pg):
    """After the test, the tenant's ledger verifies (``ledger verify`` restricted to it)."""
    yield
    session = new_session(app)
    try:
        tenant_id = auth.tenant_by_code(session, pg.tenant_code).id
        assert [m for m in proof.verify(session) if m.tenant_id == tenant_id] == []
    finally:
        session.close()


def test_a_return_without_an_order_goes_to_the_plain_batch_of_the_returns_bin(app, pg, shelf, verified):
    warehouse, product = shelf["warehouse"], shelf["product"]
    assert returns_bins(pg, warehouse["id"]) == []
    info = ret(pg, [{"code": product["code"], "quantity": 2}], warehouseId=warehouse["id"])
    (bin_,) = returns_bins(pg, warehouse["id"])
    assert bin_["active"] is True
    assert info.pop("dateAdded").endswith("Z")
    assert info == {
        "returnId": info["returnId"],
        "externalReference": info["externalReference"],
        "externalClientId": "CLIENT-1",
        "warehouseId": warehouse["id"],
        "warehouseName": "Main",
        "warehouseCode": warehouse["code"],
        "initialExternalOrderId": None,
        "status": "RECEIVED",
        "validated": True,
        "locationCode": "RETURNS",
        "returnedProducts": [
            {
                "returnProductId": info["returnedProducts"][0]["returnProductId"],
                "productId": product["id"],
                "code": product["code"],
                "productName": "Widget",
                "quantity": 2,
            }
        ],
    }
    ((bin_id, product_id, batch_id, amount),) = records(pg, info["returnId"])
    assert (bin_id, product_id, amount) == (bin_["id"], product["id"], 2)
    batch = pg.native.get(f"/batch/{batch_id}").get_json()
    assert (batch["productId"], batch["batchCode"], batch["expiryDate"]) == (product["id"], [], None)
    # The second return finds the same bin and batch; one with a code and an expiry makes that lot.
    again = ret(pg, [{"code": product["code"], "quantity": 1}], warehouseId=warehouse["id"])
    assert records(pg, again["returnId"]) == [(bin_["id"], product["id"], batch_id, 1)]
    lot = ret(
        pg,
        [{"code": product["code"], "quantity": 1, "batchCode": "LOT-R", "expirationDate": "31.12.2031"}],
        warehouseId=warehouse["id"],
    )
    ((_, _, lot_batch, _),) = records(pg, lot["returnId"])
    lot_row = pg.native.get(f"/batch/{lot_batch}").get_json()
    assert (lot_row["batchCode"], lot_row["expiryDate"]) == (["LOT-R"], "2031-12-31")
    assert len(returns_bins(pg, warehouse["id"])) == 1
    assert pg.native.inventory(bin_["id"], product["id"])["amount"] == 4
    events = events_of(app, pg.tenant_code, info["returnId"])
    assert [(e["type"], e["documentType"], e["data"]["to"]) for e in events if e["documentType"] == "RETURN"] == [
        ("return.status_changed", "RETURN", "RECEIVED")
    ]


def test_returns_are_capped_by_what_the_order_picked_and_go_back_into_its_batches(pg, shelf, verified):
    api, product, warehouse = pg.native, shelf["product"], shelf["warehouse"]
    early = api.batch(product["id"], expiryDate="2029-06-30")
    other = api.bin(warehouse["id"])
    assert api.record({**shelf, "bin": other, "batch": early}, 2).status_code == 201
    order = picked_order(pg, shelf, 4)  # FEFO: the 2 of the early batch, then 2 of the shelf's
    line = {"code": product["code"]}
    first = ret(pg, [{**line, "quantity": 3}], initialExternalOrderId=order["externalOrderId"])
    assert (first["initialExternalOrderId"], first["warehouseId"]) == (order["externalOrderId"], warehouse["id"])
    (bin_,) = returns_bins(pg, warehouse["id"])
    assert records(pg, first["returnId"]) == [
        (bin_["id"], product["id"], early["id"], 2),
        (bin_["id"], product["id"], shelf["batch"]["id"], 1),
    ]
    body = {
        "externalReference": "RET-TOO-MANY",
        "externalClientId": "C",
        "initialExternalOrderId": order["externalOrderId"],
        "returnedProducts": [{**line, "quantity": 1}, {**line, "quantity": 1}],
    }
    message = pg.fail("put", "/api/return/add", body, status=409)
    assert message.startswith(
        f"Order {order['externalOrderId']!r} picked 4 of product {product['code']}, 3 of it returned before; "
        "2 cannot be returned"
    )
    last = ret(pg, [{**line, "quantity": 1}], initialExternalOrderId=order["externalOrderId"])
    assert records(pg, last["returnId"]) == [(bin_["id"], product["id"], shelf["batch"]["id"], 1)]
    body["returnedProducts"] = [{**line, "quantity": 1}]
    assert "4 of it returned before; 1 cannot" in pg.fail("put", "/api/return/add", body, status=409)
    assert pg.ok("post", "/api/return/read", {"externalReferences": ["RET-TOO-MANY"]}) == []
    assert api.inventory(bin_["id"], product["id"])["amount"] == 4


def test_what_an_order_did_not_pick_cannot_come_back_with_it(pg, shelf, verified):
    ready = add_order(pg, shelf, 1)
    stranger_product = pg.product()
    line = {"code": shelf["product"]["code"], "quantity": 1}
    message = pg.fail(
        "put",
        "/api/return/add",
        {
            "externalReference": "R1",
            "externalClientId": "C",
            "initialExternalOrderId": ready["externalOrderId"],
            "returnedProducts": [line],
        },
        status=409,
    )
    assert "picked 0 of product" in message
    picked = picked_order(pg, shelf, 1)
    body = {
        "externalReference": "R2",
        "externalClientId": "C",
        "initialExternalOrderId": picked["externalOrderId"],
        "returnedProducts": [line, {"code": stranger_product["productCode"], "quantity": 1}],
    }
    assert f"picked 0 of product {stranger_product['productCode']}" in pg.fail(
        "put", "/api/return/add", body, status=409
    )
    body["returnedProducts"] = [{**line, "batchCode": "X"}]
    assert "batchCode: Not allowed with an initialExternalOrderId" in pg.fail(
        "put", "/api/return/add", body, status=400
    )
    body["initialExternalOrderId"] = "NO-SUCH-ORDER"
    body["returnedProducts"] = [line]
    assert "NO-SUCH-ORDER" in pg.fail("put", "/api/return/add", body, status=404)
    del body["initialExternalOrderId"]
    assert "warehouseId" in pg.fail("put", "/api/return/add", body, status=400)
    body["warehouseId"] = 2**40
    pg.fail("put", "/api/return/add", body, status=404)
    body["warehouseId"] = shelf["warehouse"]["id"]
    body["returnedProducts"] = [{"code": "NOPE", "quantity": 1}]
    assert "NOPE" in pg.fail("put", "/api/return/add", body, status=404)
    body["returnedProducts"] = [{"code": "NOPE", "quantity": 0}]
    pg.fail("put", "/api/return/add", body, status=400)
    assert pg.ok("post", "/api/return/read", {}) == []
    assert returns_bins(pg, shelf["warehouse"]["id"]) == []


def test_the_external_reference_is_unique_and_a_keyed_retry_makes_one_return(pg, shelf, verified):
    line = [{"code": shelf["product"]["code"], "quantity": 1}]
    first = ret(pg, line, warehouseId=shelf["warehouse"]["id"], externalReference="RET-1")
    body = {
        "externalReference": "RET-1",
        "externalClientId": "C",
        "warehouseId": shelf["warehouse"]["id"],
        "returnedProducts": line,
    }
    message = pg.fail("put", "/api/return/add", body, status=409)
    assert message.startswith(f"Return {first['returnId']} already has externalReference 'RET-1'")
    body["externalReference"] = "RET-2"
    again = [pg.call("put", "/api/return/add", body, headers={"Idempotency-Key": "r-1"}).get_json() for _ in "12"]
    assert again[0] == again[1] and again[0]["status"] == 200
    assert [r["externalReference"] for r in pg.ok("post", "/api/return/read", {})] == ["RET-1", "RET-2"]
    (bin_,) = returns_bins(pg, shelf["warehouse"]["id"])
    assert pg.native.inventory(bin_["id"], shelf["product"]["id"])["amount"] == 2


def test_a_return_makes_a_waiting_order_ready(pg, shelf, verified):
    waiting = add_order(pg, shelf, 7)
    assert waiting["status"] == "WAITING_FOR_SUPPLY"
    ret(pg, [{"code": shelf["product"]["code"], "quantity": 2}], warehouseId=shelf["warehouse"]["id"])
    (order,) = pg.ok("post", "/api/order/read", {"orderIds": [waiting["orderId"]]})
    assert (order["status"], order["orderProducts"][0]["reservedQuantity"]) == ("READY_FOR_PICKING", 7)


def test_read_filters_and_validation_info(pg, shelf, verified):
    order = picked_order(pg, shelf, 2)
    code, warehouse_id = shelf["product"]["code"], shelf["warehouse"]["id"]
    a = ret(pg, [{"code": code, "quantity": 1}], warehouseId=warehouse_id, externalClientId="CA")
    b = ret(pg, [{"code": code, "quantity": 2}], initialExternalOrderId=order["externalOrderId"])
    c = ret(pg, [{"code": code, "quantity": 1}], warehouseId=warehouse_id)

    def ids(**body):
        return [r["returnId"] for r in pg.ok("post", "/api/return/read", body)]

    assert ids() == [a["returnId"], b["returnId"], c["returnId"]]
    assert ids(page=2, limit=2) == [c["returnId"]]
    assert ids(externalClientIds=["CA"]) == [a["returnId"]]
    assert ids(initialExternalOrderIds=[order["externalOrderId"]]) == [b["returnId"]]
    assert ids(returnIds=[c["returnId"], a["returnId"]], warehouseIds=[warehouse_id]) == [a["returnId"], c["returnId"]]
    assert ids(externalReferences=[b["externalReference"]]) == [b["returnId"]]
    assert ids(warehouseIds=[2**40]) == []
    info = pg.ok("post", "/api/return/validation-info", {"externalReference": b["externalReference"]})
    assert info.pop("validationDate") == b["dateAdded"]
    assert info == {
        "returnId": b["returnId"],
        "externalReference": b["externalReference"],
        "validated": True,
        "status": "RECEIVED",
        "userId": pg.native.user_id,
        "userUsername": "clerk",
        "scanInfoList": [
            {
                "returnProductId": b["returnedProducts"][0]["returnProductId"],
                "productId": shelf["product"]["id"],
                "code": code,
                "expectedQuantity": 2,
                "receivedQuantity": 2,
                "locationCode": "RETURNS",
            }
        ],
    }
    assert pg.ok("post", "/api/return/validation-info", {"returnId": b["returnId"]})["returnId"] == b["returnId"]
    pg.fail("post", "/api/return/validation-info", {"returnId": 2**40}, status=404)
    pg.fail("post", "/api/return/validation-info", {}, status=400)


def test_tenants_never_see_each_others_returns(pg, shelf, make_api, client, verified):
    order = picked_order(pg, shelf, 1)
    mine = ret(pg, [{"code": shelf["product"]["code"], "quantity": 1}], initialExternalOrderId=order["externalOrderId"])
    stranger = Planograma(client, make_api().tenant_code)
    assert stranger.ok("post", "/api/return/read", {}) == []
    stranger.fail("post", "/api/return/validation-info", {"returnId": mine["returnId"]}, status=404)
    body = {
        "externalReference": mine["externalReference"],
        "externalClientId": "C",
        "initialExternalOrderId": order["externalOrderId"],
        "returnedProducts": [{"code": shelf["product"]["code"], "quantity": 1}],
    }
    assert "No product has the code" in stranger.fail("put", "/api/return/add", body, status=404)
    body["returnedProducts"] = [{"code": stranger.product()["productCode"], "quantity": 1}]
    assert "No order has the externalOrderId" in stranger.fail("put", "/api/return/add", body, status=404)


def test_adding_needs_the_orders_permission_and_reading_does_not(app, client, pg, shelf, verified):
    add_user(app, pg.tenant_code, "stocker", permissions=("CATALOG", "STOCK"))
    stocker = Planograma(client, pg.tenant_code, username="stocker")
    body = {
        "externalReference": "R",
        "externalClientId": "C",
        "warehouseId": shelf["warehouse"]["id"],
        "returnedProducts": [{"code": shelf["product"]["code"], "quantity": 1}],
    }
    assert stocker.fail("put", "/api/return/add", body, status=403) == "The ORDERS permission is required."
    assert stocker.ok("post", "/api/return/read", {}) == []
    assert returns_bins(pg, shelf["warehouse"]["id"]) == []
    add_user(app, pg.tenant_code, "orders", permissions=("ORDERS",))
    clerk = Planograma(client, pg.tenant_code, username="orders")
    made = clerk.ok("put", "/api/return/add", body)
    assert stocker.ok("post", "/api/return/validation-info", {"returnId": made["returnId"]})["userUsername"] == "orders"
