"""/api/inventory through HTTP: a count over three bins with a receipt mid-count, the delta, validation posting
through the ledger (read back through the native API), reservations moved or cut, validated being final, the
one-open-count-per-bin rule both ways, bad requests, tenants and permissions."""

import json

from sqlalchemy import select

from wms_service.db import new_session
from wms_service.events.models import OutboxEvent

from ..conftest import unique_code
from ..test_concurrency import assert_cli_ledger_verifies, assert_ledger_verifies
from .conftest import Planograma, add_user

ADJUST = "/api/inventory/stock-adjustment"


def adjust(pg, **body):
    return pg.ok("post", ADJUST, body)


def inventory(pg, inventory_id):
    return pg.ok("get", f"/api/inventory/{inventory_id}")


def amount(api, bin_id):
    rows = api.get(f"/bin-inventory?binId={bin_id}").get_json()
    return sum(row["amount"] for row in rows)


def shown(line):
    """What a line says about its count, as a tuple."""
    return (
        line["locationCode"],
        line["expectedQuantity"],
        line["countedQuantity"],
        line["difference"],
        line["movedSinceCount"],
    )


def records(api, reference_type, inventory_id):
    rows = api.get(f"/bin-inventory-record?referenceType={reference_type}&referenceId={inventory_id}").get_json()
    return [(r["binId"], r["productId"], r["batchId"], r["amount"], r["recordType"]) for r in rows]


def three_bins(pg, shelf):
    """The shelf's warehouse with bins A (the shelf: 5, then 10), B (5) and C (empty)."""
    api = pg.native
    warehouse_id = shelf["warehouse"]["id"]
    a = shelf["bin"]
    b = api.bin(warehouse_id)
    c = api.bin(warehouse_id)
    assert api.record(shelf, 5).status_code == 201
    assert api.record({**shelf, "bin": b}, 5).status_code == 201
    return a, b, c


def test_three_bins_with_a_receipt_mid_count_the_delta_and_validation(app, pg, shelf):
    api = pg.native
    a, b, c = three_bins(pg, shelf)
    model, batch = shelf["product"]["code"], shelf["batch"]
    first = adjust(pg, locationCode=a["code"], model=model, quantity=8, recordedQuantity=10)
    inventory_id = first["inventoryId"]
    assert (first["status"], first["line"]["expectedQuantity"], first["line"]["difference"]) == ("OPEN", 10, -2)
    # A receipt lands in A after A was counted: the count's frozen expected stays 10 and the receipt is kept.
    assert api.record(shelf, 4).status_code == 201
    adjust(pg, inventoryId=inventory_id, locationCode=b["code"], model=model, quantity=5, recordedQuantity=6)
    adjust(
        pg,
        inventoryId=inventory_id,
        locationCode=c["code"],
        model=model,
        quantity=1,
        stockBatchCode=batch["batchCode"][0],
        expirationDate="2030-01-31",
        productionDate="01.06.2026",
        snList=["SN-1"],
    )
    # Counting a line again replaces its count.
    again = adjust(
        pg, inventoryId=inventory_id, locationCode=c["code"], model=model, quantity=3, stockBatchId=batch["id"]
    )
    assert (again["line"]["countedQuantity"], again["line"]["stockBatchId"]) == (3, batch["id"])

    info = inventory(pg, inventory_id)
    assert (info["status"], info["warehouseId"], info["dateValidated"]) == ("OPEN", shelf["warehouse"]["id"], None)
    assert [shown(line) for line in info["lines"]] == [
        (a["code"], 10, 8, -2, 4),
        (b["code"], 5, 5, 0, 0),
        (c["code"], 0, 3, 3, 0),
    ]
    first_line = info["lines"][0]
    assert (first_line["recordedQuantity"], first_line["model"], first_line["stockBatchCode"]) == (
        10,
        model,
        batch["batchCode"][0],
    )
    assert info["lines"][1]["recordedQuantity"] == 6
    # The last count of C replaced its recorded quantity, dates and serial numbers too.
    assert (info["lines"][2]["snList"], info["lines"][2]["productionDate"]) == (None, None)

    delta = pg.ok("get", f"/api/inventory/{inventory_id}/delta")
    assert [(d["locationCode"], d["expectedQuantity"], d["countedQuantity"], d["difference"]) for d in delta] == [
        (a["code"], 10, 8, -2),
        (c["code"], 0, 3, 3),
    ]

    done = adjust(pg, inventoryId=inventory_id, validate=True)
    assert (done["inventoryId"], done["status"], done["line"]) == (inventory_id, "VALIDATED", None)
    assert (amount(api, a["id"]), amount(api, b["id"]), amount(api, c["id"])) == (10 + 4 - 2, 5, 3)
    pid = shelf["product"]["id"]
    assert records(api, "INVENTORY_WRITE_OFF", inventory_id) == [(a["id"], pid, batch["id"], -2, "INVENTORY")]
    assert records(api, "INVENTORY_REGISTRATION", inventory_id) == [(c["id"], pid, batch["id"], 3, "INVENTORY")]
    # The records belong to the inventory: the native API cannot delete them.
    (write_off,) = api.get(
        f"/bin-inventory-record?referenceType=INVENTORY_WRITE_OFF&referenceId={inventory_id}"
    ).get_json()
    refused = api.delete(f"/bin-inventory-record/{write_off['id']}")
    assert refused.status_code == 409 and f"Inventory {inventory_id}" in refused.get_json()["message"]

    # Validated is final; the lines keep what they showed at validation.
    assert api.record(shelf, 1).status_code == 201
    final = inventory(pg, inventory_id)
    assert final["status"] == "VALIDATED" and final["dateValidated"].endswith("Z")
    assert [shown(line) for line in final["lines"]] == [shown(line) for line in info["lines"]]
    message = pg.fail("post", ADJUST, {"inventoryId": inventory_id, "validate": True}, status=409)
    assert message == f"Inventory {inventory_id} is validated and cannot be changed."
    body = {"inventoryId": inventory_id, "locationCode": a["code"], "model": model, "quantity": 1}
    assert pg.fail("post", ADJUST, body, status=409) == message
    assert records(api, "INVENTORY_WRITE_OFF", inventory_id) == [(a["id"], pid, batch["id"], -2, "INVENTORY")]
    assert_ledger_verifies(app, pg.tenant_code)

    session = new_session(app)
    try:
        events = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.document_type == "INVENTORY", OutboxEvent.document_id == inventory_id)
            .order_by(OutboxEvent.id)
        ).all()
    finally:
        session.close()
    assert [(e.type, json.loads(e.data)["from"], json.loads(e.data)["to"]) for e in events] == [
        ("inventory.status_changed", None, "OPEN"),
        ("inventory.status_changed", "OPEN", "VALIDATED"),
    ]


def order(pg, shelf, quantity):
    line = {"productModel": shelf["product"]["code"], "quantity": quantity}
    body = {"externalOrderId": unique_code("WEB-"), "warehouseId": shelf["warehouse"]["id"], "orderProducts": [line]}
    return pg.ok("put", "/api/order/add", body)


def order_now(pg, placed):
    (info,) = pg.ok("post", "/api/order/read", {"orderIds": [placed["orderId"]]})
    return info["status"], info["orderProducts"][0]["reservedQuantity"]


def test_a_count_that_takes_reserved_stock_moves_the_reservation_or_sends_the_order_back_to_waiting(app, pg, shelf):
    api = pg.native
    other = api.bin(shelf["warehouse"]["id"])
    placed = order(pg, shelf, 5)  # all 5 of the shelf's bin
    assert order_now(pg, placed) == ("READY_FOR_PICKING", 5)
    assert api.record({**shelf, "bin": other}, 2).status_code == 201
    # The count finds 1 where 5 were reserved: 2 of the cut move to the other bin's free stock, 2 find no place.
    counted = adjust(pg, locationCode=shelf["bin"]["code"], model=shelf["product"]["code"], quantity=1, validate=True)
    assert counted["status"] == "VALIDATED"
    assert amount(api, shelf["bin"]["id"]) == 1
    assert order_now(pg, placed) == ("WAITING_FOR_SUPPLY", 3)
    (product,) = pg.products(productIds=[shelf["product"]["id"]])
    assert (product["totalQuantityInStock"], product["totalReservedQuantity"]) == (3, 3)
    assert_ledger_verifies(app, pg.tenant_code)


def test_a_count_with_room_elsewhere_moves_the_reservation_and_the_order_stays_ready(app, pg, shelf):
    api = pg.native
    other = api.bin(shelf["warehouse"]["id"])
    placed = order(pg, shelf, 3)
    assert api.record({**shelf, "bin": other}, 4).status_code == 201
    adjust(pg, locationCode=shelf["bin"]["code"], model=shelf["product"]["code"], quantity=0, validate=True)
    assert (amount(api, shelf["bin"]["id"]), amount(api, other["id"])) == (0, 4)
    assert order_now(pg, placed) == ("READY_FOR_PICKING", 3)
    assert_ledger_verifies(app, pg.tenant_code)


def test_a_bin_is_in_at_most_one_open_count_of_either_kind(pg, shelf):
    api = pg.native
    model = shelf["product"]["code"]
    a = shelf["bin"]
    b = api.bin(shelf["warehouse"]["id"])
    count = api.create("/stocktaking", {"binId": a["id"]})
    # An open stocktaking keeps an inventory out of its bin ...
    message = pg.fail("post", ADJUST, {"locationCode": a["code"], "model": model, "quantity": 1}, status=409)
    assert message.startswith(f"Bin {a['id']} already has an open stocktaking ({count['id']})")
    inventory_id = adjust(pg, locationCode=b["code"], model=model, quantity=0)["inventoryId"]
    body = {"inventoryId": inventory_id, "locationCode": a["code"], "model": model, "quantity": 1}
    assert pg.fail("post", ADJUST, body, status=409) == message
    # ... and an open inventory keeps a stocktaking, or another inventory, out of its bins.
    refused = api.post("/stocktaking", json={"binId": b["id"]})
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["message"].startswith(f"Bin {b['id']} already has an open inventory ({inventory_id})")
    assert refused.get_json()["errors"] == {"binId": ["The bin is already being counted."]}
    message = pg.fail("post", ADJUST, {"locationCode": b["code"], "model": model, "quantity": 2}, status=409)
    assert message.startswith(f"Bin {b['id']} already has an open inventory ({inventory_id})")
    # A bin of a moving count cannot leave its warehouse either.
    moved = api.put(f"/bin/{b['id']}", json={"warehouseId": api.warehouse()["id"]})
    assert moved.status_code == 409 and f"(inventory {inventory_id})" in moved.get_json()["message"]
    # Once the counts end, the bins are free again.
    assert api.delete(f"/stocktaking/{count['id']}").status_code == 204
    adjust(pg, inventoryId=inventory_id, locationCode=a["code"], model=model, quantity=5, validate=True)
    assert api.post("/stocktaking", json={"binId": b["id"]}).status_code == 201
    assert api.post("/stocktaking", json={"binId": a["id"]}).status_code == 201


def test_the_locations_of_an_inventory_are_in_its_warehouse(pg, shelf):
    api = pg.native
    model = shelf["product"]["code"]
    elsewhere = api.warehouse()
    twin = api.bin(elsewhere["id"], code=shelf["bin"]["code"])
    # The same code in two warehouses: opening an inventory there needs the warehouse.
    body = {"locationCode": twin["code"], "model": model, "quantity": 5}
    assert "warehouseId" in pg.fail("post", ADJUST, body, status=400)
    opened = adjust(pg, **body, warehouseId=shelf["warehouse"]["id"])
    assert opened["line"]["locationId"] == shelf["bin"]["id"]
    only_there = api.bin(elsewhere["id"])
    body = {"inventoryId": opened["inventoryId"], "locationCode": only_there["code"], "model": model, "quantity": 1}
    message = pg.fail("post", ADJUST, body, status=409)
    assert message == (
        f"Location {only_there['code']!r} is in warehouse {elsewhere['id']}; inventory {opened['inventoryId']} "
        f"counts warehouse {shelf['warehouse']['id']}: locationCode: Not a location of warehouse "
        f"{shelf['warehouse']['id']}."
    )
    body["locationCode"] = "NOWHERE"
    assert (
        pg.fail("post", ADJUST, body, status=404)
        == f"No location 'NOWHERE' in warehouse {shelf['warehouse']['id']}: locationCode: Unknown location."
    )
    assert [line["locationId"] for line in inventory(pg, opened["inventoryId"])["lines"]] == [shelf["bin"]["id"]]


def test_bad_requests_are_4xx_and_change_nothing(pg, shelf):
    api = pg.native
    model, code = shelf["product"]["code"], shelf["bin"]["code"]
    line = {"locationCode": code, "model": model, "quantity": 1}
    assert "quantity" in pg.fail("post", ADJUST, {"locationCode": code, "model": model}, status=400)
    assert "quantity" in pg.fail("post", ADJUST, {**line, "quantity": -1}, status=400)
    assert "validate" in pg.fail("post", ADJUST, {**line, "validate": "yes"}, status=400)
    assert "expirationDate" in pg.fail("post", ADJUST, {**line, "expirationDate": "31/01/2030"}, status=400)
    assert "inventoryId" in pg.fail("post", ADJUST, {"validate": True}, status=400)
    assert (
        pg.fail("post", ADJUST, {**line, "model": "NOPE"}, status=404)
        == "No product has the model 'NOPE': model: Unknown product."
    )
    assert pg.fail("post", ADJUST, {**line, "inventoryId": 999999}, status=404) == "Inventory 999999 not found."
    other_product = api.product()
    foreign = api.batch(other_product["id"])
    assert "stockBatchId" in pg.fail("post", ADJUST, {**line, "stockBatchId": foreign["id"]}, status=400)
    # A bin holding two batches of the product needs one named.
    second = api.batch(shelf["product"]["id"])
    assert api.record({**shelf, "batch": second}, 1).status_code == 201
    assert "stockBatchId" in pg.fail("post", ADJUST, line, status=400)
    pg.fail("get", "/api/inventory/999999", status=404)
    pg.fail("get", "/api/inventory/999999/delta", status=404)
    assert amount(api, shelf["bin"]["id"]) == 6
    # Naming the batch makes the same line good.
    made = adjust(pg, **line, stockBatchId=second["id"])
    assert [entry["stockBatchId"] for entry in inventory(pg, made["inventoryId"])["lines"]] == [second["id"]]


def test_a_retried_first_scan_with_its_idempotency_key_opens_one_inventory(pg, shelf):
    body = {"locationCode": shelf["bin"]["code"], "model": shelf["product"]["code"], "quantity": 4}
    answers = [pg.call("post", ADJUST, body, headers={"Idempotency-Key": "inv-1"}).get_json() for _ in "12"]
    assert answers[0] == answers[1] and answers[0]["status"] == 200


def test_tenants_never_see_each_others_inventories(pg, shelf, make_api, client):
    opened = adjust(pg, locationCode=shelf["bin"]["code"], model=shelf["product"]["code"], quantity=4)
    stranger = Planograma(client, make_api().tenant_code)
    inventory_id = opened["inventoryId"]
    stranger.fail("get", f"/api/inventory/{inventory_id}", status=404)
    stranger.fail("get", f"/api/inventory/{inventory_id}/delta", status=404)
    stranger.fail("post", ADJUST, {"inventoryId": inventory_id, "validate": True}, status=404)
    body = {"locationCode": shelf["bin"]["code"], "model": shelf["product"]["code"], "quantity": 1}
    assert stranger.fail("post", ADJUST, body, status=404).startswith(f"No location {shelf['bin']['code']!r}")
    assert inventory(pg, inventory_id)["status"] == "OPEN"


def test_the_write_needs_the_stock_permission_and_reads_need_none(app, client, pg, shelf):
    opened = adjust(pg, locationCode=shelf["bin"]["code"], model=shelf["product"]["code"], quantity=4)
    inventory_id = opened["inventoryId"]
    add_user(app, pg.tenant_code, "orders", permissions=("ORDERS", "CATALOG"))
    clerk = Planograma(client, pg.tenant_code, username="orders")
    body = {"inventoryId": inventory_id, "validate": True}
    assert clerk.fail("post", ADJUST, body, status=403) == "The STOCK permission is required."
    assert clerk.ok("get", f"/api/inventory/{inventory_id}")["status"] == "OPEN"
    assert [d["difference"] for d in clerk.ok("get", f"/api/inventory/{inventory_id}/delta")] == [-1]
    add_user(app, pg.tenant_code, "counter", permissions=("STOCK",))
    counter = Planograma(client, pg.tenant_code, username="counter")
    assert counter.ok("post", ADJUST, body)["status"] == "VALIDATED"
    assert amount(pg.native, shelf["bin"]["id"]) == 4


def test_a_validation_the_stock_rules_refuse_is_a_409_and_the_inventory_stays_open(pg, shelf):
    api = pg.native
    small = api.bin(shelf["warehouse"]["id"], maximumAmount=3)
    body = {"locationCode": small["code"], "model": shelf["product"]["code"], "quantity": 4, "validate": True}
    message = pg.fail("post", ADJUST, body, status=409)
    assert message.startswith(f"The inventory cannot be validated: Bin {small['id']} holds 0 of at most 3")
    opened = adjust(pg, **{**body, "validate": False})
    message = pg.fail("post", ADJUST, {"inventoryId": opened["inventoryId"], "validate": True}, status=409)
    assert message.startswith("The inventory cannot be validated")
    assert inventory(pg, opened["inventoryId"])["status"] == "OPEN"
    assert amount(api, small["id"]) == 0
    # Counted again within the bin's capacity, it validates.
    again = {"inventoryId": opened["inventoryId"], "locationCode": small["code"], "model": shelf["product"]["code"]}
    assert adjust(pg, **again, quantity=3, validate=True)["status"] == "VALIDATED"
    assert amount(api, small["id"]) == 3


def test_the_ledger_proves_every_total_after_these_inventories(app):
    """Last in the module: ``wms-service ledger verify`` over the whole database exits 0."""
    assert_cli_ledger_verifies(app)
