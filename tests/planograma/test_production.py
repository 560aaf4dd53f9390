"""/api/production through HTTP: add (the warehouse rule), close with and without components (the records read
back through the native ledger), short components (409, nothing posted), the waiting re-check, a closed order
being final, read, tenants and permissions."""

import pytest

from wms_service.auth import service as auth
from wms_service.db import new_session
from wms_service.stock import proof

from ..conftest import unique_code
from ..events.test_status_events import events_of
from .conftest import Planograma, add_user
from .test_orders import add as add_order


def add(pg, product_id, quantity, **fields):
    body = {"productId": product_id, "quantity": quantity, "thirdPartyReference": unique_code("PO-"), **fields}
    (info,) = pg.ok("put", "/api/production/add", body)
    return info


def close(pg, order):
    (info,) = pg.ok("post", f"/api/production/close-simplified-production/order/{order['productionOrderId']}")
    return info


def records(pg, order_id, reference_type):
    rows = pg.native.get(f"/bin-inventory-record?referenceType={reference_type}&referenceId={order_id}").get_json()
    return [(r["binId"], r["productId"], r["batchId"], r["amount"]) for r in rows if r["recordType"] == "PRODUCTION"]


def bins_named(pg, warehouse_id, code):
    return [b for b in pg.native.get(f"/bin?warehouseId={warehouse_id}").get_json() if b["code"] == code]


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


@pytest.fixture
def kit(pg, shelf):
    """A product to make (none on hand) and a second component beside the shelf's: 10 in one more bin."""
    api = pg.native
    made = api.product(name="Gadget")
    other = api.product(name="Screw")
    pos = {"bin": api.bin(shelf["warehouse"]["id"]), "product": other, "batch": api.batch(other["id"])}
    assert api.record(pos, 10).status_code == 201
    return {"made": made, "screws": pos, "widgets": shelf}


def test_closing_without_components_posts_the_output_into_the_production_bin(app, pg, shelf, verified):
    warehouse, made = shelf["warehouse"], pg.native.product(name="Gadget")
    info = add(pg, made["id"], 4, warehouseId=warehouse["id"], thirdPartyReference="PO-1")
    assert info.pop("dateAdded").endswith("Z")
    assert info == {
        "productionOrderId": info["productionOrderId"],
        "thirdPartyReference": "PO-1",
        "productId": made["id"],
        "productCode": made["code"],
        "productName": "Gadget",
        "quantity": 4,
        "warehouseId": warehouse["id"],
        "locationCode": None,
        "batchCode": None,
        "expirationDate": None,
        "status": "OPEN",
        "dateClosed": None,
        "closedById": None,
        "components": [],
    }
    assert bins_named(pg, warehouse["id"], "PRODUCTION") == []
    closed = close(pg, info)
    assert (closed["status"], closed["closedById"]) == ("CLOSED", pg.native.user_id)
    assert closed["dateClosed"].endswith("Z")
    (bin_,) = bins_named(pg, warehouse["id"], "PRODUCTION")
    ((bin_id, product_id, batch_id, amount),) = records(pg, info["productionOrderId"], "INVENTORY_REGISTRATION")
    assert (bin_id, product_id, amount) == (bin_["id"], made["id"], 4)
    assert pg.native.get(f"/batch/{batch_id}").get_json()["batchCode"] == []
    assert pg.native.inventory(bin_["id"], made["id"])["amount"] == 4
    path = f"/api/production/close-simplified-production/order/{info['productionOrderId']}"
    message = pg.fail("post", path, status=409)
    assert message == f"Production order {info['productionOrderId']} is closed and cannot be changed."
    assert pg.native.inventory(bin_["id"], made["id"])["amount"] == 4
    events = [e for e in events_of(app, pg.tenant_code, info["productionOrderId"]) if e["documentType"] == "PRODUCTION"]
    assert [(e["type"], e["data"]["from"], e["data"]["to"]) for e in events] == [
        ("production.status_changed", None, "OPEN"),
        ("production.status_changed", "OPEN", "CLOSED"),
    ]


def test_closing_consumes_the_components_in_allocation_order(pg, kit, verified):
    api, widgets, screws = pg.native, kit["widgets"], kit["screws"]
    warehouse_id = widgets["warehouse"]["id"]
    early = api.batch(widgets["product"]["id"], expiryDate="2029-06-30")
    assert api.record({**widgets, "batch": early}, 1).status_code == 201  # the shelf: 5 late, 1 early
    target = api.bin(warehouse_id)
    components = [
        {"productId": widgets["product"]["id"], "quantity": 1},
        {"productId": screws["product"]["id"], "quantity": 3},
    ]
    order = add(
        pg,
        kit["made"]["id"],
        2,
        locationCode=target["code"],
        components=components,
        batchCode="LOT-9",
        expirationDate="2031-01-31",
    )
    assert (order["warehouseId"], order["locationCode"]) == (warehouse_id, target["code"])
    assert [(c["productCode"], c["quantity"], c["totalQuantity"]) for c in order["components"]] == [
        (widgets["product"]["code"], 1, 2),
        (screws["product"]["code"], 3, 6),
    ]
    close(pg, order)
    order_id = order["productionOrderId"]
    assert records(pg, order_id, "ASSIGNMENT") == [
        (widgets["bin"]["id"], widgets["product"]["id"], early["id"], -1),
        (widgets["bin"]["id"], widgets["product"]["id"], widgets["batch"]["id"], -1),
        (screws["bin"]["id"], screws["product"]["id"], screws["batch"]["id"], -6),
    ]
    ((bin_id, product_id, batch_id, amount),) = records(pg, order_id, "INVENTORY_REGISTRATION")
    assert (bin_id, product_id, amount) == (target["id"], kit["made"]["id"], 2)
    batch = api.get(f"/batch/{batch_id}").get_json()
    assert (batch["batchCode"], batch["expiryDate"]) == (["LOT-9"], "2031-01-31")
    assert api.inventory(widgets["bin"]["id"], widgets["product"]["id"])["amount"] == 4
    assert api.inventory(screws["bin"]["id"], screws["product"]["id"])["amount"] == 4
    assert bins_named(pg, warehouse_id, "PRODUCTION") == []


def test_short_components_are_a_409_and_nothing_is_posted(pg, kit, verified):
    widgets, screws = kit["widgets"], kit["screws"]
    add_order(pg, widgets, 4)  # reserves 4 of the shelf's 5: only 1 widget is free
    components = [
        {"productId": widgets["product"]["id"], "quantity": 1},
        {"productId": screws["product"]["id"], "quantity": 4},
    ]
    order = add(pg, kit["made"]["id"], 3, warehouseId=widgets["warehouse"]["id"], components=components)
    path = f"/api/production/close-simplified-production/order/{order['productionOrderId']}"
    message = pg.fail("post", path, status=409)
    assert message == (
        f"Production order {order['productionOrderId']} cannot be closed: short of components in warehouse "
        f"{widgets['warehouse']['id']}: product {widgets['product']['code']} needs 3, 1 free; "
        f"product {screws['product']['code']} needs 12, 10 free."
    )
    for reference_type in ("ASSIGNMENT", "INVENTORY_REGISTRATION"):
        assert records(pg, order["productionOrderId"], reference_type) == []
    assert pg.native.inventory(screws["bin"]["id"], screws["product"]["id"])["amount"] == 10
    (read,) = pg.ok("post", "/api/production/read", {"productionOrderIds": [order["productionOrderId"]]})
    assert read["status"] == "OPEN"
    assert bins_named(pg, widgets["warehouse"]["id"], "PRODUCTION") == []
    (product,) = pg.ok("post", "/api/product/read", {"productIds": [widgets["product"]["id"]]})
    assert product["totalReservedQuantity"] == 4  # the order's, and nothing of the refused close


def test_production_makes_a_waiting_order_ready(pg, kit, verified):
    made = kit["made"]
    shelf_of_made = {**kit["widgets"], "product": made}
    waiting = add_order(pg, shelf_of_made, 3)
    assert waiting["status"] == "WAITING_FOR_SUPPLY"
    close(pg, add(pg, made["id"], 3, warehouseId=kit["widgets"]["warehouse"]["id"]))
    (order,) = pg.ok("post", "/api/order/read", {"orderIds": [waiting["orderId"]]})
    assert (order["status"], order["orderProducts"][0]["reservedQuantity"]) == ("READY_FOR_PICKING", 3)


def test_add_refuses_what_it_must_and_makes_nothing(pg, kit, verified):
    made, warehouse_id = kit["made"], kit["widgets"]["warehouse"]["id"]
    add(pg, made["id"], 1, warehouseId=warehouse_id, thirdPartyReference="PO-X")
    base = {"productId": made["id"], "quantity": 1, "thirdPartyReference": "PO-Y"}

    def refused(status, **fields):
        return pg.fail("put", "/api/production/add", {**base, **fields}, status=status)

    assert refused(409, warehouseId=warehouse_id, thirdPartyReference="PO-X").startswith("Production order ")
    assert "warehouseId" in refused(400)
    refused(404, warehouseId=2**40)
    refused(404, warehouseId=warehouse_id, productId=2**40)
    assert "No location 'NOWHERE'" in refused(404, locationCode="NOWHERE")
    same_code = pg.native.bin(pg.native.warehouse()["id"], code=kit["screws"]["bin"]["code"])
    assert "several warehouses" in refused(400, locationCode=same_code["code"])
    myself = [{"productId": made["id"], "quantity": 1}]
    assert "components.0.productId" in refused(400, warehouseId=warehouse_id, components=myself)
    twice = [{"productId": kit["screws"]["product"]["id"], "quantity": 1}] * 2
    assert "components.1.productId" in refused(400, warehouseId=warehouse_id, components=twice)
    refused(404, warehouseId=warehouse_id, components=[{"productId": 2**40, "quantity": 1}])
    refused(400, warehouseId=warehouse_id, quantity=0)
    refused(400, warehouseId=warehouse_id, thirdPartyReference="")
    dated = pg.native.product(name="Milk")
    pg.ok(
        "post", "/api/product/update", {"productIds": [dated["id"]], "updateFields": {"requiresExpirationDate": True}}
    )
    assert "requires an expiration date" in refused(400, warehouseId=warehouse_id, productId=dated["id"])
    assert [o["thirdPartyReference"] for o in pg.ok("post", "/api/production/read", {})] == ["PO-X"]
    keyed = {**base, "warehouseId": warehouse_id, "thirdPartyReference": "PO-K"}
    again = [pg.call("put", "/api/production/add", keyed, headers={"Idempotency-Key": "p-1"}).get_json() for _ in "12"]
    assert again[0] == again[1] and again[0]["status"] == 200
    assert [o["thirdPartyReference"] for o in pg.ok("post", "/api/production/read", {})] == ["PO-X", "PO-K"]


def test_read_filters_and_pages(pg, kit, verified):
    warehouse_id, made, screws = kit["widgets"]["warehouse"]["id"], kit["made"], kit["screws"]["product"]
    a = add(pg, made["id"], 1, warehouseId=warehouse_id, thirdPartyReference="PO-A")
    b = add(pg, screws["id"], 1, warehouseId=warehouse_id)
    c = add(pg, made["id"], 2, warehouseId=warehouse_id)
    close(pg, c)

    def ids(**body):
        return [o["productionOrderId"] for o in pg.ok("post", "/api/production/read", body)]

    assert ids() == [a["productionOrderId"], b["productionOrderId"], c["productionOrderId"]]
    assert ids(page=2, limit=2) == [c["productionOrderId"]]
    assert ids(thirdPartyReferenceIds=["PO-A"]) == [a["productionOrderId"]]
    assert ids(statuses=["CLOSED"]) == [c["productionOrderId"]]
    assert ids(productIds=[made["id"]], statuses=["OPEN"]) == [a["productionOrderId"]]
    assert ids(productionOrderIds=[b["productionOrderId"]]) == [b["productionOrderId"]]
    pg.fail("post", "/api/production/read", {"statuses": ["LOST"]}, status=400)


def test_tenants_never_see_each_others_production(pg, kit, make_api, client, verified):
    order = add(pg, kit["made"]["id"], 1, warehouseId=kit["widgets"]["warehouse"]["id"])
    stranger = Planograma(client, make_api().tenant_code)
    assert stranger.ok("post", "/api/production/read", {}) == []
    path = f"/api/production/close-simplified-production/order/{order['productionOrderId']}"
    stranger.fail("post", path, status=404)
    body = {"productId": kit["made"]["id"], "quantity": 1, "thirdPartyReference": "PO", "warehouseId": 1}
    stranger.fail("put", "/api/production/add", body, status=404)
    assert pg.ok("post", "/api/production/read", {})[0]["status"] == "OPEN"


def test_writes_need_the_stock_permission(app, client, pg, kit, verified):
    order = add(pg, kit["made"]["id"], 1, warehouseId=kit["widgets"]["warehouse"]["id"])
    add_user(app, pg.tenant_code, "picker", permissions=("ORDERS", "CATALOG"))
    picker = Planograma(client, pg.tenant_code, username="picker")
    required = "The STOCK permission is required."
    body = {"productId": kit["made"]["id"], "quantity": 1, "thirdPartyReference": "PO-P", "warehouseId": 1}
    assert picker.fail("put", "/api/production/add", body, status=403) == required
    path = f"/api/production/close-simplified-production/order/{order['productionOrderId']}"
    assert picker.fail("post", path, status=403) == required
    assert [o["status"] for o in picker.ok("post", "/api/production/read", {})] == ["OPEN"]
    add_user(app, pg.tenant_code, "stocker", permissions=("STOCK",))
    stocker = Planograma(client, pg.tenant_code, username="stocker")
    (closed,) = stocker.ok("post", path)
    assert closed["status"] == "CLOSED"
