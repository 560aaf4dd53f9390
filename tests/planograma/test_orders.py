"""/api/order through HTTP: OrderInfo field for field, add (ready, waiting, a named location), the status table,
picking seen through the native ledger, cancel and delete releasing, the re-check, permissions."""

from ..conftest import unique_code
from .conftest import Planograma, add_user


def order_body(shelf, quantity, **fields):
    line = {"productModel": shelf["product"]["code"], "quantity": quantity, "externalLineId": "L1"}
    return {
        "externalOrderId": unique_code("WEB-"),
        "warehouseId": shelf["warehouse"]["id"],
        "orderProducts": [line],
        **fields,
    }


def add(pg, shelf, quantity, **fields):
    return pg.ok("put", "/api/order/add", order_body(shelf, quantity, **fields))


def status(pg, order, to, **fields):
    return pg.ok("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": to, **fields})


def free(pg, shelf):
    (row,) = pg.native.get(f"/bin-inventory?binId={shelf['bin']['id']}").get_json()
    products = pg.ok("post", "/api/product/read", {"productIds": [shelf["product"]["id"]]})
    return row["amount"], products[0]["totalReservedQuantity"]


def test_add_answers_order_info_field_for_field(pg, shelf):
    body = order_body(
        shelf,
        3,
        thirdPartyReference="ERP-7",
        orderType=1,
        validationRequired=1,
        comment="Leave at the door",
        invoiceExternalLink="https://erp.example/inv/7",
        numberOfEnvelopes=1,
        numberOfPackages=2,
        company={"name": "Client SRL", "cui": "RO123", "externalReference": "C-1", "thirdPartyReference": "T-1"},
    )
    info = pg.ok("put", "/api/order/add", body)
    assert info.pop("dateAdded").endswith("Z")
    assert info == {
        "orderId": info["orderId"],
        "externalOrderId": body["externalOrderId"],
        "thirdPartyReference": "ERP-7",
        "warehouseId": shelf["warehouse"]["id"],
        "warehouseName": "Main",
        "warehouseCode": shelf["warehouse"]["code"],
        "status": "READY_FOR_PICKING",
        "orderType": 1,
        "requiresValidation": True,
        "isReady": True,
        "picked": False,
        "comment": "Leave at the door",
        "awbExternalLink": None,
        "invoiceExternalLink": "https://erp.example/inv/7",
        "numberOfEnvelopes": 1,
        "numberOfPackages": 2,
        "totalWeight": None,
        "fulfilledWeight": None,
        "orderProducts": [
            {
                "orderProductId": info["orderProducts"][0]["orderProductId"],
                "productId": shelf["product"]["id"],
                "productModel": shelf["product"]["code"],
                "productName": "Widget",
                "quantity": 3,
                "externalLineId": "L1",
                "locationCode": None,
                "reservedQuantity": 3,
            }
        ],
        "orderRequirements": None,
        "companyThirdPartyReference": "T-1",
        "companyExternalReference": "C-1",
    }
    assert free(pg, shelf) == (5, 3)
    (company,) = pg.ok("post", "/api/company/read", {"cuis": ["RO123"]})
    assert company["name"] == "Client SRL"
    assert pg.ok("post", "/api/metadata/order", {"thirdPartyReferenceIds": ["ERP-7"]}) == [
        {"orderId": info["orderId"], "externalOrderId": body["externalOrderId"], "thirdPartyReference": "ERP-7"}
    ]


def test_the_add_answers_what_a_read_of_the_order_finds(pg, shelf):
    """The add builds its answer from what it loaded and reserved, without reading again: a read finds the same,
    for a ready order with a new company, and a waiting one with a named location whose company was found."""
    other = pg.native.bin(shelf["warehouse"]["id"])
    assert pg.native.record({**shelf, "bin": other}, 2).status_code == 201
    buyer = {"name": "Buyer SRL", "cui": unique_code("RO"), "externalReference": unique_code("C-")}
    by_id = {"productId": shelf["product"]["id"], "quantity": 1, "externalLineId": "L2"}
    body = order_body(shelf, 1, company=buyer)
    body["orderProducts"] = [by_id, {**by_id, "externalLineId": "L3"}]
    ready = pg.ok("put", "/api/order/add", body)
    body = order_body(shelf, 5, company={"name": "Another name", "cui": buyer["cui"]})
    body["orderProducts"].append({**by_id, "locationCode": other["code"]})
    waiting = pg.ok("put", "/api/order/add", body)
    # 7 free: the first order takes 2; the second's first line the other 5, leaving its second line nothing.
    assert [ready["status"], waiting["status"]] == ["READY_FOR_PICKING", "WAITING_FOR_SUPPLY"]
    assert [line["reservedQuantity"] for line in waiting["orderProducts"]] == [5, 0]
    assert waiting["orderProducts"][1]["locationCode"] == other["code"]
    assert waiting["companyExternalReference"] == buyer["externalReference"]
    assert pg.ok("post", "/api/order/read", {"orderIds": [ready["orderId"], waiting["orderId"]]}) == [ready, waiting]


def test_an_order_short_of_stock_waits_and_a_location_is_honoured(pg, shelf):
    waiting = add(pg, shelf, 7)
    assert (waiting["status"], waiting["isReady"], waiting["orderProducts"][0]["reservedQuantity"]) == (
        "WAITING_FOR_SUPPLY",
        False,
        5,
    )
    api = pg.native
    other = api.bin(shelf["warehouse"]["id"])
    assert api.record({**shelf, "bin": other}, 2).status_code == 201
    body = order_body(shelf, 2)
    body["orderProducts"][0]["locationCode"] = other["code"]
    named = pg.ok("put", "/api/order/add", body)
    assert (named["status"], named["orderProducts"][0]["locationCode"]) == ("READY_FOR_PICKING", other["code"])
    reserved = api.get(f"/bin-inventory?binId={other['id']}").get_json()[0]
    assert reserved["amount"] == 2
    body["externalOrderId"] = unique_code("WEB-")
    body["orderProducts"][0]["locationCode"] = "NOWHERE"
    assert "No location 'NOWHERE'" in pg.fail("put", "/api/order/add", body, status=404)


def test_a_second_add_with_the_same_external_order_id_is_a_409_and_makes_nothing(pg, shelf):
    first = add(pg, shelf, 1, externalOrderId="WEB-1001")
    message = pg.fail("put", "/api/order/add", order_body(shelf, 1, externalOrderId="WEB-1001"), status=409)
    assert message.startswith(f"Order {first['orderId']} already has externalOrderId 'WEB-1001'")
    assert [o["orderId"] for o in pg.ok("post", "/api/order/read", {"externalOrderIds": ["WEB-1001"]})] == [
        first["orderId"]
    ]
    assert free(pg, shelf) == (5, 1)
    keyed = order_body(shelf, 1)
    again = [pg.call("put", "/api/order/add", keyed, headers={"Idempotency-Key": "o-1"}).get_json() for _ in "12"]
    assert again[0] == again[1] and again[0]["status"] == 200
    assert free(pg, shelf) == (5, 2)


def test_from_add_to_delivered_picking_posts_the_sales_records(pg, shelf):
    order = add(pg, shelf, 3)
    assert status(pg, order, "PICKING")["status"] == "PICKING"
    picked = status(pg, order, "PICKED")
    assert (picked["status"], picked["picked"], picked["orderProducts"][0]["reservedQuantity"]) == ("PICKED", True, 0)
    records = pg.native.get(f"/bin-inventory-record?referenceType=SALES_DOCUMENT&referenceId={order['orderId']}")
    assert [(r["binId"], r["batchId"], r["amount"], r["recordType"]) for r in records.get_json()] == [
        (shelf["bin"]["id"], shelf["batch"]["id"], -3, "ORDER")
    ]
    assert free(pg, shelf) == (2, 0)
    assert "without an awbExternalLink" in pg.fail(
        "patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "SHIPPED"}, status=409
    )
    shipped = status(pg, order, "SHIPPED", awbExternalLink="https://carrier.example/1")
    assert (shipped["status"], shipped["awbExternalLink"]) == ("SHIPPED", "https://carrier.example/1")
    assert status(pg, order, "DELIVERED")["status"] == "DELIVERED"
    message = pg.fail(
        "patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "CANCELLED"}, status=409
    )
    assert message == f"Order {order['orderId']} is delivered and cannot be changed."
    assert "is delivered" in pg.fail("delete", "/api/order/delete", {"orderIds": [order["orderId"]]}, status=409)


def test_a_refused_move_is_a_409_naming_the_current_status(pg, shelf):
    order = add(pg, shelf, 1)
    message = pg.fail(
        "patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "PICKED"}, status=409
    )
    assert message == f"Order {order['orderId']} is ready for picking and cannot become picked."
    pg.fail("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "LOST"}, status=400)
    pg.fail("patch", "/api/order/update-status", {"orderId": 2**40, "status": "PICKING"}, status=404)
    assert pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})[0]["status"] == "READY_FOR_PICKING"


def test_cancel_and_delete_release_and_the_recheck_fills_waiting_orders(pg, shelf):
    cancelled, deleted = add(pg, shelf, 2), add(pg, shelf, 3)
    waiting = add(pg, shelf, 4)
    assert (waiting["status"], free(pg, shelf)) == ("WAITING_FOR_SUPPLY", (5, 5))
    assert status(pg, cancelled, "CANCELLED")["orderProducts"][0]["reservedQuantity"] == 0
    assert pg.ok("delete", "/api/order/delete", {"externalOrderIds": [deleted["externalOrderId"]]}) == [
        deleted["orderId"]
    ]
    assert free(pg, shelf) == (5, 0)
    ready = pg.ok("post", "/api/order/check-orders-in-waiting-for-supply", {})
    assert [(o["orderId"], o["status"], o["isReady"]) for o in ready] == [
        (waiting["orderId"], "READY_FOR_PICKING", True)
    ]
    assert pg.ok("post", "/api/order/check-orders-in-waiting-for-supply") == []
    statuses = pg.ok("post", "/api/order/read", {"statuses": ["CANCELLED", "READY_FOR_PICKING"]})
    assert [(o["orderId"], o["status"]) for o in statuses] == [
        (cancelled["orderId"], "CANCELLED"),
        (waiting["orderId"], "READY_FOR_PICKING"),
    ]


def test_a_receipt_then_the_recheck_makes_a_waiting_order_ready(pg, shelf):
    order = add(pg, shelf, 8)
    assert pg.ok("post", "/api/order/check-orders-in-waiting-for-supply", {}) == []
    assert pg.native.record(shelf, 3).status_code == 201
    (ready,) = pg.ok(
        "post", "/api/order/check-orders-in-waiting-for-supply", {"warehouseIds": [shelf["warehouse"]["id"]]}
    )
    assert (ready["orderId"], ready["status"], ready["orderProducts"][0]["reservedQuantity"]) == (
        order["orderId"],
        "READY_FOR_PICKING",
        8,
    )


def test_read_filters_and_pages(pg, shelf):
    a = add(pg, shelf, 1, company={"name": "A", "externalReference": "CA"}, orderType=2)
    b = add(pg, shelf, 1, thirdPartyReference="TP-B")
    c = add(pg, shelf, 1)

    def ids(**body):
        return [o["orderId"] for o in pg.ok("post", "/api/order/read", body)]

    assert ids() == [a["orderId"], b["orderId"], c["orderId"]]
    assert ids(page=2, limit=2) == [c["orderId"]]
    assert ids(companyExternalReferences=["CA"]) == [a["orderId"]]
    assert ids(orderType=2) == [a["orderId"]]
    assert ids(thirdPartyReferenceIds=["TP-B"]) == [b["orderId"]]
    assert ids(warehouseIds=[shelf["warehouse"]["id"]], orderIds=[c["orderId"], a["orderId"]]) == [
        a["orderId"],
        c["orderId"],
    ]
    assert ids(statuses=["PICKED"]) == []


def test_tenants_never_see_each_others_orders(pg, shelf, make_api, client):
    order = add(pg, shelf, 1)
    stranger = Planograma(client, make_api().tenant_code)
    assert stranger.ok("post", "/api/order/read", {}) == []
    stranger.fail("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "CANCELLED"}, status=404)
    stranger.fail("delete", "/api/order/delete", {"orderIds": [order["orderId"]]}, status=404)


def test_writes_need_the_orders_permission(app, client, pg, shelf):
    order = add(pg, shelf, 1)
    add_user(app, pg.tenant_code, "catalog", permissions=("CATALOG", "STOCK"))
    clerk = Planograma(client, pg.tenant_code, username="catalog")
    required = "The ORDERS permission is required."
    assert clerk.fail("put", "/api/order/add", order_body(shelf, 1), status=403) == required
    body = {"orderId": order["orderId"], "status": "CANCELLED"}
    assert clerk.fail("patch", "/api/order/update-status", body, status=403) == required
    assert clerk.fail("delete", "/api/order/delete", {"orderIds": [order["orderId"]]}, status=403) == required
    assert clerk.fail("post", "/api/order/check-orders-in-waiting-for-supply", {}, status=403) == required
    link = {"orderId": order["orderId"], "awbExternalLink": "https://carrier.example/x"}
    assert clerk.fail("patch", "/api/order/update-awb-link", link, status=403) == required
    assert clerk.ok("post", "/api/order/picking-info", {"orderId": order["orderId"]})["pickerId"] is None
    assert [o["status"] for o in clerk.ok("post", "/api/order/read", {})] == ["READY_FOR_PICKING"]
    add_user(app, pg.tenant_code, "picker", permissions=("ORDERS",))
    picker = Planograma(client, pg.tenant_code, username="picker")
    assert picker.ok("patch", "/api/order/update-status", body)["status"] == "CANCELLED"


def test_order_ready_names_what_each_line_lacks(pg, shelf):
    order = add(pg, shelf, 7)
    line_id = order["orderProducts"][0]["orderProductId"]
    assert pg.ok("post", "/api/order/order-ready", {"orderId": order["orderId"]}) == {
        "orderId": order["orderId"],
        "status": "WAITING_FOR_SUPPLY",
        "isReady": False,
        "missingProducts": [
            {
                "orderProductId": line_id,
                "productId": shelf["product"]["id"],
                "productModel": shelf["product"]["code"],
                "quantity": 7,
                "reservedQuantity": 5,
                "missingQuantity": 2,
            }
        ],
    }
    assert pg.native.record(shelf, 2).status_code == 201
    pg.ok("post", "/api/order/check-orders-in-waiting-for-supply", {})
    ready = pg.ok("post", "/api/order/order-ready", {"orderId": order["orderId"]})
    assert (ready["isReady"], ready["missingProducts"]) == (True, [])
    pg.fail("post", "/api/order/order-ready", {"orderId": 2**40}, status=404)


def test_picking_info_and_the_awb_link_tell_the_truth(pg, shelf):
    pg.ok("post", "/api/product/update", {"productIds": [shelf["product"]["id"]], "updateFields": {"weight": 1.25}})
    order = add(pg, shelf, 2, numberOfPackages=1, numberOfEnvelopes=0)
    info = {"orderId": order["orderId"]}
    assert pg.ok("post", "/api/order/picking-info", info) == {
        "picked": False,
        "numberOfPackages": 1,
        "numberOfEnvelopes": 0,
        "totalWeight": 2.5,
        "pickerId": None,
        "pickerUsername": None,
    }
    status(pg, order, "PICKING")
    picked = status(pg, order, "PICKED")
    assert (picked["totalWeight"], picked["fulfilledWeight"]) == (2.5, 2.5)
    assert pg.ok("post", "/api/order/picking-info", info) == {
        "picked": True,
        "numberOfPackages": 1,
        "numberOfEnvelopes": 0,
        "totalWeight": 2.5,
        "pickerId": pg.native.user_id,
        "pickerUsername": "clerk",
    }
    linked = pg.ok("patch", "/api/order/update-awb-link", {**info, "awbExternalLink": "https://carrier.example/9"})
    assert linked["awbExternalLink"] == "https://carrier.example/9"
    assert status(pg, order, "SHIPPED")["status"] == "SHIPPED"  # the link set before is enough
    status(pg, order, "DELIVERED")
    message = pg.fail("patch", "/api/order/update-awb-link", {**info, "awbExternalLink": "x"}, status=409)
    assert message == f"Order {order['orderId']} is delivered and cannot be changed."


def test_start_picking_answers_the_pick_list_in_walking_order(pg, shelf):
    api = pg.native
    warehouse_id, product = shelf["warehouse"]["id"], shelf["product"]
    prefix = unique_code("R")
    far = api.bin(warehouse_id, code=f"{prefix}-A", binOrder=5)
    second = api.bin(warehouse_id, code=f"{prefix}-C", binOrder=1)
    first = api.bin(warehouse_id, code=f"{prefix}-B", binOrder=1)
    early = api.batch(product["id"], expiryDate="2029-06-30", batchCode=[f"{prefix}-E1", f"{prefix}-E2"])
    late = shelf["batch"]  # expires 2030-01-31
    for place, batch, amount in ((far, early, 2), (second, late, 1), (second, early, 1), (first, late, 3)):
        assert api.record({"bin": place, "product": product, "batch": batch}, amount).status_code == 201
    order = add(pg, shelf, 12)  # every unit: the shelf's 5 and the 7 above
    assert order["status"] == "READY_FOR_PICKING"
    rows = pg.ok("post", "/api/order/start-picking", {"orderId": order["orderId"]})
    late_code = late["batchCode"][0] if isinstance(late["batchCode"], list) else late["batchCode"]

    def row(place, batch_code, expiry, quantity):
        return {
            "locationCode": place["code"],
            "batchCode": batch_code,
            "expiryDate": expiry,
            "productId": product["id"],
            "productCode": product["code"],
            "quantity": quantity,
        }

    shelf_bin = shelf["bin"]
    expected = [
        row(first, late_code, "2030-01-31", 3),
        row(second, f"{prefix}-E1", "2029-06-30", 1),
        row(second, late_code, "2030-01-31", 1),
        row(far, f"{prefix}-E1", "2029-06-30", 2),
    ]
    # The shelf's bin has binOrder 0, so it is walked first.
    assert rows == [row(shelf_bin, late_code, "2030-01-31", 5), *expected]
    info = pg.ok("post", "/api/order/picking-info", {"orderId": order["orderId"]})
    assert (info["pickerId"], info["pickerUsername"]) == (api.user_id, "clerk")
    assert pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})[0]["status"] == "PICKING"
    message = pg.fail("post", "/api/order/start-picking", {"orderId": order["orderId"]}, status=409)
    assert message == f"Order {order['orderId']} is picking and cannot become picking."


def test_start_picking_binds_the_named_picker_and_refuses_what_it_must(app, client, pg, shelf, make_api):
    picker_id = add_user(app, pg.tenant_code, "picker", permissions=("ORDERS",))
    stranger_id = make_api().user_id
    order = add(pg, shelf, 2)
    for unknown in (stranger_id, 2**40):
        body = {"orderId": order["orderId"], "pickerId": unknown}
        assert pg.fail("post", "/api/order/start-picking", body, status=404).startswith(f"User {unknown} not found")
    assert pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})[0]["status"] == "READY_FOR_PICKING"
    (row,) = pg.ok("post", "/api/order/start-picking", {"orderId": order["orderId"], "pickerId": picker_id})
    assert (row["locationCode"], row["quantity"]) == (shelf["bin"]["code"], 2)
    info = pg.ok("post", "/api/order/picking-info", {"orderId": order["orderId"]})
    assert (info["pickerId"], info["pickerUsername"]) == (picker_id, "picker")
    waiting = add(pg, shelf, 9)
    message = pg.fail("post", "/api/order/start-picking", {"orderId": waiting["orderId"]}, status=409)
    assert message == f"Order {waiting['orderId']} is waiting for supply and cannot become picking."
    pg.fail("post", "/api/order/start-picking", {"orderId": 2**40}, status=404)
    add_user(app, pg.tenant_code, "catalog", permissions=("CATALOG", "STOCK"))
    clerk = Planograma(client, pg.tenant_code, username="catalog")
    required = "The ORDERS permission is required."
    assert clerk.fail("post", "/api/order/start-picking", {"orderId": waiting["orderId"]}, status=403) == required
