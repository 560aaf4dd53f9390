"""/api/purchase-order through HTTP: dd.MM.yyyy in and out, the supplier by id or external reference, lines,
received quantities following the validated linked NIRs, the status table, delete, the PURCHASE_ORDER
permission on every endpoint (reads included), and tenants."""

import pytest

from .conftest import Planograma, add_user
from .nir_helpers import add_nir, events_of, line, validate, world

BASE = "/api/purchase-order"


@pytest.fixture
def w(pg):
    return world(pg)


def po_body(w, **fields):
    return {
        "date": "01.12.2026",
        "arrivalDate": "15.12.2026",
        "supplier": w["supplier"]["externalReference"],
        "warehouseId": w["warehouse"]["id"],
        "comment": "Winter stock",
        "documentNumber": "PO-1",
        **fields,
    }


def add_po(pg, w, **fields):
    return pg.ok("post", f"{BASE}/add", po_body(w, **fields))


def add_product(pg, po, product, quantity):
    return pg.ok(
        "post",
        f"{BASE}/add-product",
        {"purchaseOrderId": po["purchaseOrderId"], "productId": product["id"], "quantity": quantity},
    )


def status(pg, po, to):
    return pg.ok("patch", f"{BASE}/{po['purchaseOrderId']}/status/{to}")


def test_add_and_get_answer_the_order_with_dd_mm_yyyy_dates(pg, w):
    po = add_po(pg, w)
    assert po.pop("dateAdded").endswith("Z")
    assert po == {
        "purchaseOrderId": po["purchaseOrderId"],
        "date": "01.12.2026",
        "arrivalDate": "15.12.2026",
        "supplierId": w["supplier"]["companyId"],
        "supplierName": "Supplier SRL",
        "supplierExternalReference": w["supplier"]["externalReference"],
        "warehouseId": w["warehouse"]["id"],
        "nirs": [],
        "comment": "Winter stock",
        "documentNumber": "PO-1",
        "status": "DRAFT",
        "products": [],
    }
    got = pg.ok("get", f"{BASE}/{po['purchaseOrderId']}")
    got.pop("dateAdded")
    assert got == po
    by_id = add_po(pg, w, supplier=w["supplier"]["companyId"], arrivalDate=None)
    assert (by_id["supplierId"], by_id["arrivalDate"]) == (w["supplier"]["companyId"], None)


def test_a_bad_date_is_a_400_that_says_the_format(pg, w):
    for bad in ("2026-12-01", "31.02.2026", "1/12/2026", 20261201):
        message = pg.fail("post", f"{BASE}/add", po_body(w, date=bad), status=400)
        assert "dd.MM.yyyy" in message, message
    assert "dd.MM.yyyy" in pg.fail("post", f"{BASE}/add", po_body(w, arrivalDate="2026-12-15"), status=400)
    body = po_body(w)
    del body["date"]
    pg.fail("post", f"{BASE}/add", body, status=400)
    pg.fail("post", f"{BASE}/add", po_body(w, supplier="NO-SUCH"), status=404)
    pg.fail("post", f"{BASE}/add", po_body(w, supplier=2**40), status=404)
    pg.fail("post", f"{BASE}/add", po_body(w, supplier=None), status=400)
    pg.fail("post", f"{BASE}/add", po_body(w, nirs=[2**40]), status=404)
    pg.fail("get", f"{BASE}/{2**40}", status=404)


def test_received_quantities_follow_the_validated_linked_nirs(app, pg, w):
    bolt, nut = w["bolt"], w["nut"]
    po = add_po(pg, w, products=[{"code": bolt["code"], "quantity": 10}])
    po = add_product(pg, po, nut, 4)
    assert [(p["code"], p["quantity"], p["receivedQuantity"]) for p in po["products"]] == [
        (bolt["code"], 10, 0),
        (nut["code"], 4, 0),
    ]
    assert status(pg, po, "SENT")["status"] == "SENT"
    first = add_nir(pg, w, line(bolt, 6), line(nut, 4))
    (linked,) = pg.ok(
        "patch",
        f"{BASE}/update",
        {"purchaseOrderIds": [po["purchaseOrderId"]], "updateFields": {"nirs": [first["nirId"]]}},
    )
    assert (linked["nirs"], linked["status"]) == ([first["nirId"]], "SENT")  # pending NIRs bring nothing
    (nir_info,) = pg.ok("post", "/api/nir/read", {"nirIds": [first["nirId"]]})
    assert nir_info["purchaseOrders"] == [
        {"purchaseOrderId": po["purchaseOrderId"], "documentNumber": "PO-1", "status": "SENT"}
    ]
    validated = validate(pg, first)
    assert validated["purchaseOrders"][0]["status"] == "PARTIALLY_RECEIVED"
    got = pg.ok("get", f"{BASE}/{po['purchaseOrderId']}")
    assert got["status"] == "PARTIALLY_RECEIVED"
    assert [(p["quantity"], p["receivedQuantity"]) for p in got["products"]] == [(10, 6), (4, 4)]
    # The nut line has received: it stays; a NIR that brought goods stays linked.
    nut_line = got["products"][1]["id"]
    assert "has received product" in pg.fail("delete", f"{BASE}/remove-product/{nut_line}", status=409)
    body = {"purchaseOrderIds": [po["purchaseOrderId"]], "updateFields": {"nirs": []}}
    assert "stays linked" in pg.fail("patch", f"{BASE}/update", body, status=409)
    # A second NIR, added with the link from the start, completes it.
    second = add_nir(pg, w, line(bolt, 4))
    pg.ok(
        "patch",
        f"{BASE}/update",
        {"purchaseOrderIds": [po["purchaseOrderId"]], "updateFields": {"nirs": [first["nirId"], second["nirId"]]}},
    )
    validate(pg, second)
    got = pg.ok("get", f"{BASE}/{po['purchaseOrderId']}")
    assert (got["status"], [p["receivedQuantity"] for p in got["products"]]) == ("RECEIVED", [10, 4])
    assert "has received goods and cannot be deleted" in pg.fail(
        "delete", f"{BASE}/{po['purchaseOrderId']}", status=409
    )
    assert pg.ok("patch", f"{BASE}/{po['purchaseOrderId']}/close")["status"] == "CLOSED"
    events = events_of(app, pg.tenant_code, "PURCHASE_ORDER")
    assert {(e["type"], e["documentId"]) for e in events} == {("purchase_order.status_changed", po["purchaseOrderId"])}
    moves = [(e["data"]["from"], e["data"]["to"]) for e in events]
    assert moves == [
        (None, "DRAFT"),
        ("DRAFT", "SENT"),
        ("SENT", "PARTIALLY_RECEIVED"),
        ("PARTIALLY_RECEIVED", "RECEIVED"),
        ("RECEIVED", "CLOSED"),
    ]


def test_linking_an_already_validated_nir_counts_at_once(pg, w):
    nir = add_nir(pg, w, line(w["bolt"], 3), validationRequired=False)
    po = add_po(pg, w, nirs=[nir["nirId"]], products=[{"productId": w["bolt"]["id"], "quantity": 3}])
    assert (po["status"], po["products"][0]["receivedQuantity"]) == ("RECEIVED", 3)


def test_the_status_table_refuses_what_it_must(pg, w):
    po = add_po(pg, w)
    pid = po["purchaseOrderId"]
    assert pg.fail("patch", f"{BASE}/{pid}/status/RECEIVED", status=409) == (
        f"Purchase order {pid} is draft; received is reached by itself, never set."
    )
    assert (
        pg.fail("patch", f"{BASE}/{pid}/close", status=409)
        == f"Purchase order {pid} is draft and cannot become closed."
    )
    assert "Unknown status 'LOST'" in pg.fail("patch", f"{BASE}/{pid}/status/LOST", status=400)
    assert status(pg, po, "SENT")["status"] == "SENT"
    assert status(pg, po, "DRAFT")["status"] == "DRAFT"
    assert status(pg, po, "CANCELLED")["status"] == "CANCELLED"
    assert (
        pg.fail("patch", f"{BASE}/{pid}/status/SENT", status=409)
        == f"Purchase order {pid} is cancelled and cannot be changed."
    )
    assert "cancelled and cannot be changed" in pg.fail(
        "post", f"{BASE}/add-product", {"purchaseOrderId": pid, "productId": w["bolt"]["id"], "quantity": 1}, status=409
    )
    assert pg.ok("delete", f"{BASE}/{pid}") == pid
    pg.fail("get", f"{BASE}/{pid}", status=404)
    assert add_po(pg, w)["purchaseOrderId"] > pid  # its id is never given again


def test_lines_one_per_product_added_and_removed(pg, w):
    po = add_po(pg, w)
    po = add_product(pg, po, w["bolt"], 2)
    message = pg.fail(
        "post",
        f"{BASE}/add-product",
        {"purchaseOrderId": po["purchaseOrderId"], "code": w["bolt"]["code"], "quantity": 1},
        status=409,
    )
    assert "already orders product" in message
    pg.fail(
        "post",
        f"{BASE}/add-product",
        {"purchaseOrderId": po["purchaseOrderId"], "code": "NOPE", "quantity": 1},
        status=404,
    )
    pg.fail("post", f"{BASE}/add-product", {"purchaseOrderId": po["purchaseOrderId"], "quantity": 1}, status=400)
    pg.fail(
        "post",
        f"{BASE}/add-product",
        {"purchaseOrderId": po["purchaseOrderId"], "productId": w["nut"]["id"], "quantity": 0},
        status=400,
    )
    after = pg.ok("delete", f"{BASE}/remove-product/{po['products'][0]['id']}")
    assert after["products"] == []
    pg.fail("delete", f"{BASE}/remove-product/{po['products'][0]['id']}", status=404)
    (updated,) = pg.ok(
        "patch",
        f"{BASE}/update",
        {"purchaseOrderIds": [po["purchaseOrderId"]], "updateFields": {"date": "02.01.2027", "documentNumber": "PO-2"}},
    )
    assert (updated["date"], updated["documentNumber"]) == ("02.01.2027", "PO-2")
    pg.fail(
        "patch",
        f"{BASE}/update",
        {"purchaseOrderIds": [po["purchaseOrderId"]], "updateFields": {"date": "2027-01-02"}},
        status=400,
    )
    pg.fail(
        "patch",
        f"{BASE}/update",
        {"purchaseOrderIds": [po["purchaseOrderId"]], "updateFields": {"colour": "red"}},
        status=400,
    )


def test_every_endpoint_needs_the_purchase_order_permission(app, client, pg, w):
    po = add_product(pg, add_po(pg, w), w["bolt"], 1)
    pid, line_id = po["purchaseOrderId"], po["products"][0]["id"]
    add_user(app, pg.tenant_code, "receiver", permissions=("RECEIVING", "ORDERS", "CATALOG", "STOCK"))
    clerk = Planograma(client, pg.tenant_code, username="receiver")
    required = "The PURCHASE_ORDER permission is required."
    calls = [
        ("post", f"{BASE}/add", po_body(w)),
        ("get", f"{BASE}/{pid}", None),
        ("get", f"{BASE}/{2**40}", None),  # 403 before anything is looked up
        ("patch", f"{BASE}/update", {"purchaseOrderIds": [pid], "updateFields": {"comment": "x"}}),
        ("patch", f"{BASE}/{pid}/status/SENT", None),
        ("patch", f"{BASE}/{pid}/close", None),
        ("delete", f"{BASE}/{pid}", None),
        ("post", f"{BASE}/add-product", {"purchaseOrderId": pid, "productId": w["nut"]["id"], "quantity": 1}),
        ("delete", f"{BASE}/remove-product/{line_id}", None),
    ]
    for method, path, body in calls:
        assert clerk.fail(method, path, body, status=403) == required, path
    unchanged = pg.ok("get", f"{BASE}/{pid}")
    assert (unchanged["status"], unchanged["comment"], len(unchanged["products"])) == ("DRAFT", "Winter stock", 1)
    add_user(app, pg.tenant_code, "buyer", permissions=("PURCHASE_ORDER",))
    buyer = Planograma(client, pg.tenant_code, username="buyer")
    assert buyer.ok("get", f"{BASE}/{pid}")["purchaseOrderId"] == pid
    assert buyer.ok("patch", f"{BASE}/{pid}/status/SENT")["status"] == "SENT"


def test_tenants_never_see_each_others_purchase_orders(pg, w, make_api, client):
    po = add_po(pg, w)
    stranger = Planograma(client, make_api().tenant_code)
    stranger.fail("get", f"{BASE}/{po['purchaseOrderId']}", status=404)
    stranger.fail("patch", f"{BASE}/{po['purchaseOrderId']}/close", status=404)
    stranger.fail("delete", f"{BASE}/{po['purchaseOrderId']}", status=404)
    stranger.fail("post", f"{BASE}/add", po_body(w), status=404)  # another tenant's supplier
    assert pg.ok("get", f"{BASE}/{po['purchaseOrderId']}")["status"] == "DRAFT"


def test_a_keyed_retry_makes_one_purchase_order(pg, w):
    body = po_body(w, documentNumber="PO-KEY")
    again = [pg.call("post", f"{BASE}/add", body, headers={"Idempotency-Key": "po-1"}).get_json() for _ in "12"]
    assert again[0] == again[1] and again[0]["status"] == 200
    second = add_po(pg, w)
    assert second["purchaseOrderId"] == again[0]["data"]["purchaseOrderId"] + 1
