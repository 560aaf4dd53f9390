"""POST /api/order/update: header fields at any status but the final ones; the lines (replaced, matched by
orderProductId or externalLineId) before PICKED, re-reserving what changed; targets and refusals."""

from ..conftest import unique_code
from .conftest import Planograma, add_user
from .test_orders import add, free, status


def update(pg, order, **fields):
    (info,) = pg.ok("post", "/api/order/update", {"orderIds": [order["orderId"]], "updateFields": fields})
    return info


def lines(info):
    return [
        (line["productModel"], line["quantity"], line["externalLineId"], line["reservedQuantity"])
        for line in info["orderProducts"]
    ]


def test_header_fields_change_by_any_target_and_answer_order_info(pg, shelf):
    a = add(pg, shelf, 1, thirdPartyReference=unique_code("TP-"))
    b = add(pg, shelf, 1)
    body = {
        "externalOrderIds": [b["externalOrderId"]],
        "thirdPartyReferenceIds": [a["thirdPartyReference"]],
        "updateFields": {
            "comment": "Fragile",
            "numberOfPackages": 3,
            "numberOfEnvelopes": 1,
            "awbExternalLink": "https://carrier.example/7",
            "invoiceExternalLink": "https://erp.example/inv/7",
        },
    }
    infos = pg.ok("post", "/api/order/update", body)
    assert [i["orderId"] for i in infos] == [a["orderId"], b["orderId"]]
    for info in infos:
        assert (
            info["comment"],
            info["numberOfPackages"],
            info["numberOfEnvelopes"],
            info["awbExternalLink"],
            info["invoiceExternalLink"],
            info["status"],
        ) == ("Fragile", 3, 1, "https://carrier.example/7", "https://erp.example/inv/7", "READY_FOR_PICKING")
    assert update(pg, a, comment=None)["comment"] is None
    assert pg.ok("post", "/api/order/read", {"orderIds": [b["orderId"]]})[0]["comment"] == "Fragile"


def test_refusals_change_nothing(pg, shelf):
    order = add(pg, shelf, 1)
    target = {"orderIds": [order["orderId"]]}
    pg.fail("post", "/api/order/update", {**target, "updateFields": {"status": "PICKED"}}, status=400)
    pg.fail("post", "/api/order/update", {**target, "updateFields": {"numberOfPackages": -1}}, status=400)
    pg.fail("post", "/api/order/update", {**target, "updateFields": {"orderProducts": []}}, status=400)
    pg.fail("post", "/api/order/update", {"updateFields": {"comment": "x"}}, status=400)
    message = pg.fail(
        "post",
        "/api/order/update",
        {"orderIds": [order["orderId"], 2**40], "updateFields": {"comment": "x"}},
        status=404,
    )
    assert message == f"No order matches {2**40!r}."
    other = add(pg, shelf, 1)
    both = {"orderIds": [order["orderId"], other["orderId"]]}
    new_lines = {"orderProducts": [{"productModel": shelf["product"]["code"], "quantity": 1}]}
    assert "Target exactly one order" in pg.fail(
        "post", "/api/order/update", {**both, "updateFields": new_lines}, status=400
    )
    status(pg, other, "CANCELLED")
    message = pg.fail("post", "/api/order/update", {**both, "updateFields": {"comment": "x"}}, status=409)
    assert message == f"Order {other['orderId']} is cancelled and cannot be changed."
    assert [o["comment"] for o in pg.ok("post", "/api/order/read", both)] == [None, None]


def test_lines_are_replaced_and_changed_lines_re_reserve(pg, shelf):
    code = shelf["product"]["code"]
    order = add(pg, shelf, 2)  # line L1: 2 of the shelf's 5
    line_id = order["orderProducts"][0]["orderProductId"]
    # Raise L1 (matched by its id) to 4: 2 more reserved.
    info = update(pg, order, orderProducts=[{"orderProductId": line_id, "quantity": 4}])
    assert (info["status"], lines(info), free(pg, shelf)) == ("READY_FOR_PICKING", [(code, 4, "L1", 4)], (5, 4))
    assert info["orderProducts"][0]["orderProductId"] == line_id
    # Lower it (matched by externalLineId) to 1: 3 given back.
    info = update(pg, order, orderProducts=[{"externalLineId": "L1", "quantity": 1}])
    assert (lines(info), free(pg, shelf)) == ([(code, 1, "L1", 1)], (5, 1))
    # A new line of 7 more: only 4 are free, so the order waits, keeping them.
    info = update(
        pg,
        order,
        orderProducts=[
            {"externalLineId": "L1", "quantity": 1},
            {"productModel": code, "quantity": 7, "externalLineId": "L2"},
        ],
    )
    assert (info["status"], lines(info), free(pg, shelf)) == (
        "WAITING_FOR_SUPPLY",
        [(code, 1, "L1", 1), (code, 7, "L2", 4)],
        (5, 5),
    )
    assert (
        pg.ok("post", "/api/order/order-ready", {"orderId": order["orderId"]})["missingProducts"][0]["missingQuantity"]
        == 3
    )
    # Dropping L2 gives back its 4 and makes the order ready again; the event says so.
    info = update(pg, order, orderProducts=[{"orderProductId": line_id, "quantity": 1}])
    assert (info["status"], lines(info), free(pg, shelf)) == ("READY_FOR_PICKING", [(code, 1, "L1", 1)], (5, 1))


def test_a_changed_location_or_product_reserves_anew(pg, shelf):
    api = pg.native
    other_bin = api.bin(shelf["warehouse"]["id"])
    assert api.record({**shelf, "bin": other_bin}, 3).status_code == 201
    order = add(pg, shelf, 2)
    line_id = order["orderProducts"][0]["orderProductId"]
    info = update(
        pg, order, orderProducts=[{"orderProductId": line_id, "quantity": 2, "locationCode": other_bin["code"]}]
    )
    assert (info["orderProducts"][0]["locationCode"], info["orderProducts"][0]["reservedQuantity"]) == (
        other_bin["code"],
        2,
    )
    assert api.get(f"/bin-inventory?binId={other_bin['id']}").get_json()[0]["amount"] == 3
    assert free(pg, shelf)[1] == 2  # all of it now in the other bin
    rows = pg.ok("post", "/api/order/start-picking", {"orderId": order["orderId"]})
    assert [(r["locationCode"], r["quantity"]) for r in rows] == [(other_bin["code"], 2)]
    unknown = {"orderProductId": line_id, "quantity": 1, "productModel": "NOPE"}
    message = pg.fail(
        "post",
        "/api/order/update",
        {"orderIds": [order["orderId"]], "updateFields": {"orderProducts": [unknown]}},
        status=404,
    )
    assert "NOPE" in message


def test_a_picking_order_whose_lines_change_is_ready_again_and_picked_lines_are_final(pg, shelf):
    order = add(pg, shelf, 2)
    line_id = order["orderProducts"][0]["orderProductId"]
    pg.ok("post", "/api/order/start-picking", {"orderId": order["orderId"]})
    assert update(pg, order, comment="same lines")["status"] == "PICKING"
    info = update(pg, order, orderProducts=[{"orderProductId": line_id, "quantity": 3}])
    assert (info["status"], lines(info)[0][3]) == ("READY_FOR_PICKING", 3)
    assert pg.ok("post", "/api/order/picking-info", {"orderId": order["orderId"]})["pickerId"] is None
    status(pg, order, "PICKING")
    status(pg, order, "PICKED")
    body = {
        "orderIds": [order["orderId"]],
        "updateFields": {"orderProducts": [{"orderProductId": line_id, "quantity": 1}]},
    }
    assert (
        pg.fail("post", "/api/order/update", body, status=409)
        == f"Order {order['orderId']} is picked and cannot be changed."
    )
    assert update(pg, order, numberOfPackages=2)["numberOfPackages"] == 2  # the header still may
    assert free(pg, shelf) == (2, 0)


def test_a_line_id_of_another_order_is_a_404_and_writes_need_orders(app, client, pg, shelf):
    order, other = add(pg, shelf, 1), add(pg, shelf, 1)
    foreign = {"orderProductId": other["orderProducts"][0]["orderProductId"], "quantity": 1}
    body = {"orderIds": [order["orderId"]], "updateFields": {"orderProducts": [foreign]}}
    assert pg.fail("post", "/api/order/update", body, status=404).startswith(f"Order {order['orderId']} has no line")
    add_user(app, pg.tenant_code, "catalog", permissions=("CATALOG",))
    clerk = Planograma(client, pg.tenant_code, username="catalog")
    body = {"orderIds": [order["orderId"]], "updateFields": {"comment": "x"}}
    assert clerk.fail("post", "/api/order/update", body, status=403) == "The ORDERS permission is required."
    assert free(pg, shelf) == (5, 2)
