"""/api/nir through HTTP: NirInfo field for field, validation (at add or by update) posting PURCHASE_DOCUMENT
records into the put-away bins, batches, a validated NIR being final, the re-check of waiting orders, reads,
validation-info, permissions and tenants. Stock is read back through the native API and /api/stock."""

import pytest

from ..conftest import unique_code
from .conftest import Planograma, add_user
from .nir_helpers import (
    add_nir,
    assert_ledger_verifies,
    bins_of,
    events_of,
    held,
    line,
    nir_body,
    records,
    validate,
    world,
)


@pytest.fixture
def w(pg):
    return world(pg)


def test_add_answers_nir_info_field_for_field_and_moves_nothing(pg, w):
    shelf = pg.native.bin(w["warehouse"]["id"], code=unique_code("S-"))
    body = nir_body(
        w,
        line(w["bolt"], 4, externalLineId="L1", locationCode=shelf["code"]),
        line(w["nut"], 2, batchCode="LOT-9", expirationDate="31.12.2030", productionDate="2026-11-01"),
        thirdPartyReference="ERP-N1",
        packagingType="PALLET",
    )
    info = pg.ok("put", "/api/nir/add", body)
    lines = info["nirProducts"]
    assert info == {
        "nirId": info["nirId"],
        "externalReference": body["externalReference"],
        "warehouseId": w["warehouse"]["id"],
        "validated": False,
        "status": "PENDING",
        "nirProducts": [
            {
                "nirProductId": lines[0]["nirProductId"],
                "productId": w["bolt"]["id"],
                "code": w["bolt"]["code"],
                "productName": "Bolt",
                "quantity": 4,
                "externalLineId": "L1",
                "batchCode": None,
                "expirationDate": None,
                "productionDate": None,
                "locationCode": shelf["code"],
            },
            {
                "nirProductId": lines[1]["nirProductId"],
                "productId": w["nut"]["id"],
                "code": w["nut"]["code"],
                "productName": "Nut",
                "quantity": 2,
                "externalLineId": None,
                "batchCode": "LOT-9",
                "expirationDate": "2030-12-31",
                "productionDate": "2026-11-01",
                "locationCode": None,
            },
        ],
        "thirdPartyReference": "ERP-N1",
        "purchaseOrders": [],
        "supplierId": w["supplier"]["companyId"],
        "packagingType": "PALLET",
    }
    assert records(pg, info["nirId"]) == []
    assert held(pg, shelf["id"], w["bolt"]["id"]) == 0
    assert pg.ok("post", "/api/nir/validation-info", {"nirId": info["nirId"]}) == {
        "nirId": info["nirId"],
        "externalReference": body["externalReference"],
        "validated": False,
        "validatedAt": None,
        "userId": None,
        "userUsername": None,
        "scanInfoList": [
            {
                "nirProductId": lines[0]["nirProductId"],
                "productId": w["bolt"]["id"],
                "code": w["bolt"]["code"],
                "externalLineId": "L1",
                "expectedQuantity": 4,
                "receivedQuantity": 0,
                "locationCode": shelf["code"],
                "batchCode": None,
                "expirationDate": None,
            },
            {
                "nirProductId": lines[1]["nirProductId"],
                "productId": w["nut"]["id"],
                "code": w["nut"]["code"],
                "externalLineId": None,
                "expectedQuantity": 2,
                "receivedQuantity": 0,
                "locationCode": None,
                "batchCode": "LOT-9",
                "expirationDate": "2030-12-31",
            },
        ],
    }


def test_validation_posts_purchase_records_into_the_named_location(app, pg, w):
    shelf = pg.native.bin(w["warehouse"]["id"], code=unique_code("S-"))
    nir = add_nir(pg, w, line(w["bolt"], 4, locationCode=shelf["code"]))
    validated = validate(pg, nir)
    assert (validated["status"], validated["validated"]) == ("VALIDATED", True)
    ((bin_id, product_id, batch_id, amount, record_type),) = records(pg, nir["nirId"])
    assert (bin_id, product_id, amount, record_type) == (shelf["id"], w["bolt"]["id"], 4, "NIR")
    assert held(pg, shelf["id"], w["bolt"]["id"]) == 4
    url = f"/api/stock/remaining-stock/{w['bolt']['id']}"
    assert pg.ok("post", url, {"location": True})[0]["remainingQuantity"] == 4
    assert pg.ok("post", url, {"location": True})[0]["locationCode"] == shelf["code"]
    info = pg.ok("post", "/api/nir/validation-info", {"externalReference": nir["externalReference"]})
    assert info["validatedAt"].endswith("Z")
    assert (info["validated"], info["userId"], info["userUsername"]) == (True, pg.native.user_id, "clerk")
    assert [(s["expectedQuantity"], s["receivedQuantity"], s["locationCode"]) for s in info["scanInfoList"]] == [
        (4, 4, shelf["code"])
    ]
    types = [(e["type"], e["data"].get("to")) for e in events_of(app, pg.tenant_code, "NIR")]
    assert types == [("nir.status_changed", "PENDING"), ("nir.status_changed", "VALIDATED"), ("nir.validated", None)]
    (event,) = [e for e in events_of(app, pg.tenant_code, "NIR") if e["type"] == "nir.validated"]
    assert event["documentId"] == nir["nirId"]
    assert event["data"]["nirProducts"] == [
        {"productId": w["bolt"]["id"], "quantity": 4, "binId": shelf["id"], "batchId": batch_id}
    ]
    assert_ledger_verifies(app, pg.tenant_code)


def test_put_away_prefers_bins_holding_the_product_preferred_first_with_room(app, pg, w):
    native, warehouse_id, bolt = pg.native, w["warehouse"]["id"], w["bolt"]
    batch = native.batch(bolt["id"])
    plain = native.bin(warehouse_id, code=unique_code("PL-"))
    full = native.bin(warehouse_id, code=unique_code("FU-"), preferred=True, maximumAmount=4)
    roomy = native.bin(warehouse_id, code=unique_code("RO-"), preferred=True, binOrder=5)
    empty = native.bin(warehouse_id, code=unique_code("EM-"), preferred=True)  # holds no bolt: never chosen
    archived = native.bin(warehouse_id, code=unique_code("AR-"), preferred=True)
    for place in (plain, full, roomy, archived):
        assert native.record({"bin": place, "product": bolt, "batch": batch}, 2).status_code == 201
    assert native.put(f"/bin/{archived['id']}", json={"active": False}).status_code == 200
    # Line 1 fits the full bin (2 + 1 <= 4); line 2 no longer does (3 + 2 > 4): the next preferred bin takes it.
    # The nut is held nowhere: RECEIVING, made on first use.
    nir = add_nir(pg, w, line(bolt, 1), line(bolt, 2), line(w["nut"], 3))
    validate(pg, nir)
    receiving = bins_of(pg, warehouse_id)["RECEIVING"]
    assert receiving["active"] is True
    got = [(bin_id, product_id, amount) for bin_id, product_id, _batch, amount, _t in records(pg, nir["nirId"])]
    assert got == [(full["id"], bolt["id"], 1), (roomy["id"], bolt["id"], 2), (receiving["id"], w["nut"]["id"], 3)]
    assert (held(pg, full["id"], bolt["id"]), held(pg, roomy["id"], bolt["id"])) == (3, 4)
    assert (held(pg, plain["id"], bolt["id"]), held(pg, empty["id"], bolt["id"])) == (2, 0)
    # With every preferred bin out of room (roomy has no limit, so limit it), the plain bin holding it is next.
    assert native.put(f"/bin/{roomy['id']}", json={"maximumAmount": 4}).status_code == 200
    again = add_nir(pg, w, line(bolt, 2))
    validate(pg, again)
    assert [r[0] for r in records(pg, again["nirId"])] == [plain["id"]]
    # And with no room anywhere, RECEIVING (the same bin as before).
    last = add_nir(pg, w, line(bolt, 500))
    assert pg.native.put(f"/bin/{plain['id']}", json={"maximumAmount": 10}).status_code == 200
    validate(pg, last)
    assert [r[0] for r in records(pg, last["nirId"])] == [receiving["id"]]
    assert len([b for b in bins_of(pg, warehouse_id) if b == "RECEIVING"]) == 1
    assert_ledger_verifies(app, pg.tenant_code)


def test_batches_are_reused_by_code_made_when_new_and_plain_for_untracked_products(app, pg, w):
    native, bolt, nut = pg.native, w["bolt"], w["nut"]
    known = native.batch(bolt["id"], batchCode=["LOT-A"], expiryDate="2031-01-31")
    nir = add_nir(
        pg,
        w,
        line(bolt, 1, batchCode="LOT-A", expirationDate="2031-01-31"),
        line(bolt, 2, batchCode="LOT-NEW", expirationDate="2032-02-29"),
        line(nut, 3),
    )
    validate(pg, nir)
    (reused, made, plain) = [r[2] for r in records(pg, nir["nirId"])]
    assert reused == known["id"]
    assert made != known["id"]
    new_batch = native.get(f"/batch/{made}").get_json()
    assert (new_batch["productId"], new_batch["expiryDate"], new_batch["batchCode"]) == (
        bolt["id"],
        "2032-02-29",
        ["LOT-NEW"],
    )
    plain_batch = native.get(f"/batch/{plain}").get_json()
    assert (plain_batch["productId"], plain_batch["expiryDate"], plain_batch["batchCode"]) == (nut["id"], None, [])
    # A second receipt of the untracked product, and of the new lot by its code alone, reuses both.
    second = add_nir(pg, w, line(nut, 1), line(bolt, 1, batchCode="LOT-NEW"))
    validate(pg, second)
    assert [r[2] for r in records(pg, second["nirId"])] == [plain, made]
    # A lot has one expiry date: another one for the same code is a 409, and nothing moves.
    third = add_nir(pg, w, line(bolt, 1, batchCode="LOT-A", expirationDate="2035-01-01"))
    message = pg.fail(
        "patch", "/api/nir/update", {"nirIds": [third["nirId"]], "updateFields": {"validated": True}}, status=409
    )
    assert "expires on 2031-01-31" in message
    assert records(pg, third["nirId"]) == []
    assert_ledger_verifies(app, pg.tenant_code)


def test_a_product_that_requires_a_batch_code_or_expiry_refuses_a_line_without_one(pg, w):
    coded = pg.product(code=unique_code("C-"), requiresBatchCode=True)
    dated = pg.product(code=unique_code("D-"), requiresExpirationDate=True)
    message = pg.fail("put", "/api/nir/add", nir_body(w, line(coded, 1)), status=400)
    assert message.endswith(f"nirProducts.0.batchCode: Product {coded['productCode']} requires a batch code."), message
    message = pg.fail("put", "/api/nir/add", nir_body(w, line(dated, 1, batchCode="X")), status=400)
    assert message.endswith(f"Product {dated['productCode']} requires an expiration date."), message
    assert pg.ok("post", "/api/nir/read", {}) == []
    nir = add_nir(pg, w, line(coded, 1, batchCode="LOT-C"), line(dated, 1, expirationDate="2030-05-01"))
    body = {"nirIds": [nir["nirId"]], "updateFields": {"nirProducts": [line(coded, 2)]}}
    assert "requires a batch code" in pg.fail("patch", "/api/nir/update", body, status=400)
    assert validate(pg, nir)["validated"] is True


def test_validation_at_add_when_not_required(app, pg, w):
    nir = add_nir(pg, w, line(w["bolt"], 5), validationRequired=False)
    assert (nir["status"], nir["validated"]) == ("VALIDATED", True)
    ((_bin, product_id, _batch, amount, _type),) = records(pg, nir["nirId"])
    assert (product_id, amount) == (w["bolt"]["id"], 5)
    pending = add_nir(pg, w, validationRequired=True)
    assert (pending["status"], records(pg, pending["nirId"])) == ("PENDING", [])
    assert_ledger_verifies(app, pg.tenant_code)


def test_lines_change_before_validation_and_a_validated_nir_is_final(pg, w):
    nir = add_nir(pg, w, line(w["bolt"], 4))
    target = {"nirIds": [nir["nirId"]]}
    (changed,) = pg.ok(
        "patch",
        "/api/nir/update",
        {**target, "updateFields": {"nirProducts": [line(w["nut"], 7)], "thirdPartyReference": "TP-7"}},
    )
    assert [(p["code"], p["quantity"]) for p in changed["nirProducts"]] == [(w["nut"]["code"], 7)]
    assert changed["thirdPartyReference"] == "TP-7"
    validate(pg, nir)
    assert [r[3] for r in records(pg, nir["nirId"])] == [7]
    final = f"NIR {nir['nirId']} is validated and cannot be changed."
    body = {**target, "updateFields": {"nirProducts": [line(w["nut"], 1)]}}
    assert pg.fail("patch", "/api/nir/update", body, status=409) == final
    assert pg.fail("patch", "/api/nir/update", {**target, "updateFields": {"validated": True}}, status=409) == final
    assert pg.fail("patch", "/api/nir/update", {**target, "updateFields": {"validated": False}}, status=409) == final
    assert pg.fail("delete", "/api/nir/delete", target, status=409) == final
    assert [r[3] for r in records(pg, nir["nirId"])] == [7]
    # Its name and packaging are not its goods: they still change.
    renamed = pg.ok("patch", "/api/nir/update-external-reference", {"nirId": nir["nirId"], "externalReference": "R-1"})
    assert renamed["externalReference"] == "R-1"
    packed = pg.ok("patch", "/api/nir/update-packaging-type", {"nirId": nir["nirId"], "packagingType": "BOX"})
    assert packed["packagingType"] == "BOX"
    pg.fail("patch", "/api/nir/update", {**target, "updateFields": {"color": "red"}}, status=400)


def test_external_reference_is_unique_and_a_keyed_retry_makes_one_nir(pg, w):
    first = add_nir(pg, w, externalReference="NIR-1001")
    message = pg.fail("put", "/api/nir/add", nir_body(w, externalReference="NIR-1001"), status=409)
    assert message.startswith(f"NIR {first['nirId']} already has externalReference 'NIR-1001'")
    other = add_nir(pg, w)
    body = {"nirId": other["nirId"], "externalReference": "NIR-1001"}
    assert pg.fail("patch", "/api/nir/update-external-reference", body, status=409).startswith(f"NIR {first['nirId']}")
    keyed = nir_body(w)
    again = [pg.call("put", "/api/nir/add", keyed, headers={"Idempotency-Key": "n-1"}).get_json() for _ in "12"]
    assert again[0] == again[1] and again[0]["status"] == 200
    assert len(pg.ok("post", "/api/nir/read", {"externalOrderIds": [keyed["externalReference"]]})) == 1


def test_bad_input_is_a_clear_4xx(pg, w):
    assert "No product has the code 'NOPE'" in pg.fail(
        "put", "/api/nir/add", nir_body(w, {"code": "NOPE", "quantity": 1}), status=404
    )
    assert "No location 'NOWHERE'" in pg.fail(
        "put", "/api/nir/add", nir_body(w, line(w["bolt"], 1, locationCode="NOWHERE")), status=404
    )
    pg.fail("put", "/api/nir/add", nir_body(w, line(w["bolt"], 0)), status=400)
    pg.fail("put", "/api/nir/add", nir_body(w, line(w["bolt"], 1, expirationDate="2030-13-01")), status=400)
    pg.fail("put", "/api/nir/add", nir_body(w, supplierId=2**40), status=404)
    pg.fail("put", "/api/nir/add", nir_body(w, warehouseId=2**40), status=404)
    pg.fail("put", "/api/nir/add", {**nir_body(w), "externalReference": ""}, status=400)
    pg.fail("post", "/api/nir/validation-info", {}, status=400)
    pg.fail("post", "/api/nir/validation-info", {"nirId": 2**40}, status=404)
    pg.fail("delete", "/api/nir/delete", {"nirIds": [2**40]}, status=404)
    assert pg.ok("post", "/api/nir/read", {}) == []


def test_delete_removes_a_pending_nir_and_its_purchase_order_links(app, pg, w):
    nir = add_nir(pg, w)
    po = pg.ok(
        "post",
        "/api/purchase-order/add",
        {"date": "01.12.2026", "supplier": w["supplier"]["companyId"], "nirs": [nir["nirId"]]},
    )
    assert pg.ok("delete", "/api/nir/delete", {"externalReferences": [nir["externalReference"]]}) == [nir["nirId"]]
    assert pg.ok("post", "/api/nir/read", {"nirIds": [nir["nirId"]]}) == []
    assert pg.ok("get", f"/api/purchase-order/{po['purchaseOrderId']}")["nirs"] == []
    assert [e["type"] for e in events_of(app, pg.tenant_code, "NIR")][-1] == "nir.deleted"
    assert add_nir(pg, w)["nirId"] > nir["nirId"]  # a deleted NIR's id is never given again (events name it)


def test_a_receipt_turns_a_waiting_order_ready(app, pg, w):
    warehouse_id, bolt = w["warehouse"]["id"], w["bolt"]
    order = pg.ok(
        "put",
        "/api/order/add",
        {
            "externalOrderId": unique_code("WEB-"),
            "warehouseId": warehouse_id,
            "orderProducts": [{"productModel": bolt["code"], "quantity": 3}],
        },
    )
    assert order["status"] == "WAITING_FOR_SUPPLY"
    nir = add_nir(pg, w, line(bolt, 2))
    validate(pg, nir)
    (still,) = pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})
    assert (still["status"], still["orderProducts"][0]["reservedQuantity"]) == ("WAITING_FOR_SUPPLY", 2)
    validate(pg, add_nir(pg, w, line(bolt, 1)))
    (ready,) = pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})
    assert (ready["status"], ready["isReady"], ready["orderProducts"][0]["reservedQuantity"]) == (
        "READY_FOR_PICKING",
        True,
        3,
    )
    assert pg.ok("post", "/api/product/read", {"productIds": [bolt["id"]]})[0]["totalReservedQuantity"] == 3
    assert_ledger_verifies(app, pg.tenant_code)


def test_read_filters_and_pages(pg, w):
    other_warehouse = pg.native.warehouse(name="Other")
    a = add_nir(pg, w, thirdPartyReference="TP-A")
    b = add_nir(pg, w, warehouseId=other_warehouse["id"])
    other_supplier = pg.company(name="Other SRL", externalReference=unique_code("OS-"))
    c = add_nir(pg, w, supplierId=other_supplier["companyId"])

    def ids(**body):
        return [n["nirId"] for n in pg.ok("post", "/api/nir/read", body)]

    assert ids() == [a["nirId"], b["nirId"], c["nirId"]]
    assert ids(page=2, limit=2) == [c["nirId"]]
    assert ids(nirIds=[c["nirId"], a["nirId"]]) == [a["nirId"], c["nirId"]]
    assert ids(externalOrderIds=[b["externalReference"]]) == [b["nirId"]]
    assert ids(externalClientIds=[other_supplier["externalReference"]]) == [c["nirId"]]
    assert ids(externalClientIds=[w["supplier"]["externalReference"]]) == [a["nirId"], b["nirId"]]
    assert ids(warehouseIds=[other_warehouse["id"]]) == [b["nirId"]]
    assert ids(thirdPartyReferenceIds=["TP-A"]) == [a["nirId"]]


def test_tenants_never_see_each_others_nirs(pg, w, make_api, client):
    nir = add_nir(pg, w)
    stranger = Planograma(client, make_api().tenant_code)
    assert stranger.ok("post", "/api/nir/read", {}) == []
    stranger.fail("post", "/api/nir/validation-info", {"nirId": nir["nirId"]}, status=404)
    stranger.fail(
        "patch", "/api/nir/update", {"nirIds": [nir["nirId"]], "updateFields": {"validated": True}}, status=404
    )
    stranger.fail("delete", "/api/nir/delete", {"nirIds": [nir["nirId"]]}, status=404)
    # Another tenant's warehouse, supplier and products are unknown here.
    stranger.fail("put", "/api/nir/add", nir_body(w), status=404)
    assert records(pg, nir["nirId"]) == []


def test_writes_need_the_receiving_permission(app, client, pg, w):
    nir = add_nir(pg, w)
    add_user(app, pg.tenant_code, "orders", permissions=("ORDERS", "PURCHASE_ORDER"))
    clerk = Planograma(client, pg.tenant_code, username="orders")
    required = "The RECEIVING permission is required."
    target = {"nirIds": [nir["nirId"]]}
    assert clerk.fail("put", "/api/nir/add", nir_body(w), status=403) == required
    assert (
        clerk.fail("patch", "/api/nir/update", {**target, "updateFields": {"validated": True}}, status=403) == required
    )
    assert clerk.fail("delete", "/api/nir/delete", target, status=403) == required
    body = {"nirId": nir["nirId"], "externalReference": "X"}
    assert clerk.fail("patch", "/api/nir/update-external-reference", body, status=403) == required
    assert clerk.ok("post", "/api/nir/read", {})[0]["status"] == "PENDING"
    assert clerk.ok("post", "/api/nir/validation-info", {"nirId": nir["nirId"]})["validated"] is False
    add_user(app, pg.tenant_code, "receiver", permissions=("RECEIVING",))
    receiver = Planograma(client, pg.tenant_code, username="receiver")
    assert receiver.ok("patch", "/api/nir/update", {**target, "updateFields": {"validated": True}})[0]["validated"]


def test_a_refused_validation_changes_nothing(app, pg, w):
    small = pg.native.bin(w["warehouse"]["id"], code=unique_code("SM-"), maximumAmount=3)
    nir = add_nir(pg, w, line(w["nut"], 1), line(w["bolt"], 4, locationCode=small["code"]))
    body = {"nirIds": [nir["nirId"]], "updateFields": {"validated": True}}
    message = pg.fail("patch", "/api/nir/update", body, status=409)
    assert message.startswith(f"NIR {nir['nirId']} cannot be validated: Bin {small['id']} holds 0 of at most 3")
    assert records(pg, nir["nirId"]) == []
    assert "RECEIVING" not in bins_of(pg, w["warehouse"]["id"])  # the nut's bin was rolled back with the rest
    (info,) = pg.ok("post", "/api/nir/read", {"nirIds": [nir["nirId"]]})
    assert (info["status"], info["validated"]) == ("PENDING", False)
    assert [e["type"] for e in events_of(app, pg.tenant_code, "NIR")] == ["nir.status_changed"]
    # Lines changed and validated in one request: the new lines are what is received.
    body["updateFields"]["nirProducts"] = [line(w["bolt"], 3, locationCode=small["code"])]
    (done,) = pg.ok("patch", "/api/nir/update", body)
    assert (done["status"], [r[3] for r in records(pg, nir["nirId"])]) == ("VALIDATED", [3])
    assert held(pg, small["id"], w["bolt"]["id"]) == 3
    assert_ledger_verifies(app, pg.tenant_code)
