"""/api/transfer and /api/transfer-product through HTTP: a transfer's pair of records read back through the native
ledger, its reservation blocking a native take, FEFO lines without a batch code, rescans, the destination's
capacity, releasing on line delete, cancel and delete, the status table, location codes shared by warehouses,
tenant isolation and permissions; the ledger proves its totals after every test."""

import json

import pytest
from sqlalchemy import select

from wms_service.auth import service as auth
from wms_service.db import new_session
from wms_service.events.models import OutboxEvent
from wms_service.stock import proof

from ..conftest import unique_code
from .conftest import Planograma, add_user

ADD = "/api/transfer-product/add-transfer-product"


@pytest.fixture
def yard(pg):
    """A warehouse with bin A holding 4 of an early batch (code E, 2030) and 6 of a late one (code L, 2031) of a
    product, and an empty bin B; ``yard["scan"](quantity, **fields)`` scans A -> B."""
    api = pg.native
    warehouse = api.warehouse(name="Main")
    product = api.product()
    early = api.batch(product["id"], expiryDate="2030-01-31", batchCode=[unique_code("E")])
    late = api.batch(product["id"], expiryDate="2031-01-31", batchCode=[unique_code("L")])
    a = api.bin(warehouse["id"], code=unique_code("A-"))
    b = api.bin(warehouse["id"], code=unique_code("B-"))
    for batch, amount in ((early, 4), (late, 6)):
        assert api.record({"bin": a, "product": product, "batch": batch}, amount).status_code == 201

    def scan(quantity, **fields):
        body = {
            "productId": product["id"],
            "quantity": quantity,
            "sourceLocationCode": a["code"],
            "destinationLocationCode": b["code"],
            **fields,
        }
        return pg.ok("post", ADD, body)

    return {"warehouse": warehouse, "product": product, "early": early, "late": late, "a": a, "b": b, "scan": scan}


@pytest.fixture(autouse=True)
def ledger_proves_its_totals(app, pg):
    yield
    session = new_session(app)
    try:
        tenant_id = auth.tenant_by_code(session, pg.tenant_code).id
        assert [m for m in proof.verify(session) if m.tenant_id == tenant_id] == []
    finally:
        session.close()


def code(batch):
    return batch["batchCode"][0]


def held(pg, yard):
    """(on hand in A, on hand in B, reserved of the product) as both APIs show them."""
    native = pg.native
    a, b = (native.inventory(yard[x]["id"], yard["product"]["id"]) for x in "ab")
    (product,) = pg.ok("post", "/api/product/read", {"productIds": [yard["product"]["id"]]})
    return (a["amount"] if a else 0), (b["amount"] if b else 0), product["totalReservedQuantity"]


def records(pg, transfer_id):
    rows = pg.native.get(f"/bin-inventory-record?referenceType=INVENTORY_TRANSFER&referenceId={transfer_id}")
    return [(r["binId"], r["batchId"], r["amount"], r["recordType"]) for r in rows.get_json()]


def test_a_validated_transfer_posts_a_pair_of_records_per_line_and_is_final(pg, yard):
    scanned = yard["scan"](3, batchCode=code(yard["late"]), sn="SN-1", ssccCode="SSCC-1")
    transfer_id, line_id = scanned["documentId"], scanned["transferProductId"]
    assert scanned == {
        "documentId": transfer_id,
        "transferProductId": line_id,
        "transferProductIds": [line_id],
        "message": f"Reserved 3 of product {yard['product']['code']} in {yard['a']['code']} for "
        f"{yard['b']['code']} on transfer {transfer_id}: 3 to line {line_id}.",
        "status": "OPEN",
    }
    assert held(pg, yard) == (10, 0, 3)
    # The reservation holds against a plain take: 6 late in A, 3 of them promised.
    taken = pg.native.record({"bin": yard["a"], "product": yard["product"], "batch": yard["late"]}, -4)
    assert taken.status_code == 409
    assert f"reserved for Transfer {transfer_id}" in taken.get_json()["message"]

    info = pg.ok("post", f"/api/transfer/validate-transfer/{transfer_id}")

    assert info.pop("dateAdded").endswith("Z")
    assert info == {
        "transferId": transfer_id,
        "warehouseId": yard["warehouse"]["id"],
        "status": "VALIDATED",
        "transferProducts": [
            {
                "transferProductId": line_id,
                "productId": yard["product"]["id"],
                "productModel": yard["product"]["code"],
                "productName": "Widget",
                "batchId": yard["late"]["id"],
                "batchCode": code(yard["late"]),
                "expirationDate": "2031-01-31",
                "sourceLocationCode": yard["a"]["code"],
                "destinationLocationCode": yard["b"]["code"],
                "quantity": 3,
                "reservedQuantity": 0,
                "snList": ["SN-1"],
                "ssccCode": "SSCC-1",
            }
        ],
    }
    late = yard["late"]["id"]
    assert records(pg, transfer_id) == [(yard["a"]["id"], late, -3, "TRANSFER"), (yard["b"]["id"], late, 3, "TRANSFER")]
    assert held(pg, yard) == (7, 3, 0)
    # Final: nothing changes it any more, and its records belong to it.
    validate = f"/api/transfer/validate-transfer/{transfer_id}"
    assert pg.fail("post", validate, status=409) == f"Transfer {transfer_id} is validated and cannot be changed."
    assert "is validated" in pg.fail(
        "post", f"/api/transfer/change-transfer-status/{transfer_id}/CANCELLED", status=409
    )
    assert "is validated" in pg.fail("delete", f"/api/transfer/delete-transfer/{transfer_id}", status=409)
    assert "is validated" in pg.fail("delete", f"/api/transfer-product/delete-transfer-product/{line_id}", status=409)
    assert "is validated" in pg.fail(
        "post",
        ADD,
        {
            "documentId": transfer_id,
            "productId": yard["product"]["id"],
            "quantity": 1,
            "sourceLocationCode": yard["a"]["code"],
            "destinationLocationCode": yard["b"]["code"],
        },
        status=409,
    )
    record_id = pg.native.get(f"/bin-inventory-record?referenceId={transfer_id}&recordType=TRANSFER").get_json()[0]
    refused = pg.native.delete(f"/bin-inventory-record/{record_id['id']}")
    assert refused.status_code == 409 and f"Transfer {transfer_id}" in refused.get_json()["message"]
    assert held(pg, yard) == (7, 3, 0)


def test_without_a_batch_code_a_scan_takes_fefo_one_line_per_batch_and_rescans_grow_the_lines(pg, yard):
    first = yard["scan"](6, sn="SN-A")
    transfer_id = first["documentId"]
    early_line, late_line = first["transferProductIds"]
    assert first["transferProductId"] == early_line
    again = yard["scan"](1, documentId=transfer_id, sn="SN-B")
    assert (again["documentId"], again["transferProductIds"]) == (transfer_id, [late_line])
    # The same batch by its code, and an SSCC of its own: a line of its own.
    pallet = yard["scan"](1, documentId=transfer_id, batchCode=code(yard["late"]), ssccCode="P-1")
    (pallet_line,) = pallet["transferProductIds"]
    assert pallet_line not in (early_line, late_line)
    info = pg.ok("get", f"/api/transfer/{transfer_id}")
    shown = [
        (p["transferProductId"], p["batchId"], p["quantity"], p["reservedQuantity"], p["snList"], p["ssccCode"])
        for p in info["transferProducts"]
    ]
    assert shown == [
        (early_line, yard["early"]["id"], 4, 4, ["SN-A"], None),
        (late_line, yard["late"]["id"], 3, 3, ["SN-B"], None),
        (pallet_line, yard["late"]["id"], 1, 1, [], "P-1"),
    ]
    assert held(pg, yard) == (10, 0, 8)
    # Nothing of the early batch is free any more; all or nothing, and the message says how much is free.
    message = pg.fail(
        "post",
        ADD,
        {
            "documentId": transfer_id,
            "productId": yard["product"]["id"],
            "quantity": 3,
            "sourceLocationCode": yard["a"]["code"],
            "destinationLocationCode": yard["b"]["code"],
        },
        status=409,
    )
    assert message.startswith(f"Only 2 of product {yard['product']['code']} is free in location {yard['a']['code']}")
    assert held(pg, yard) == (10, 0, 8)

    pg.ok("post", f"/api/transfer/validate-transfer/{transfer_id}")

    e, late = yard["early"]["id"], yard["late"]["id"]
    a, b = yard["a"]["id"], yard["b"]["id"]
    assert records(pg, transfer_id) == [
        (a, e, -4, "TRANSFER"),
        (b, e, 4, "TRANSFER"),
        (a, late, -3, "TRANSFER"),
        (b, late, 3, "TRANSFER"),
        (a, late, -1, "TRANSFER"),
        (b, late, 1, "TRANSFER"),
    ]
    assert held(pg, yard) == (2, 8, 0)


def test_the_destinations_capacity_holds_and_a_refused_validation_moves_nothing(pg, yard):
    api = pg.native
    small = api.bin(yard["warehouse"]["id"], code=unique_code("S-"), maximumAmount=5)
    other = api.product()
    other_batch = api.batch(other["id"])
    assert api.record({"bin": small, "product": other, "batch": other_batch}, 3).status_code == 201
    scanned = yard["scan"](3, destinationLocationCode=small["code"])
    transfer_id = scanned["documentId"]

    message = pg.fail("post", f"/api/transfer/validate-transfer/{transfer_id}", status=409)

    assert message.startswith(f"Transfer {transfer_id} cannot be validated: Bin {small['id']} holds 3 of at most 5")
    assert records(pg, transfer_id) == []
    assert pg.ok("get", f"/api/transfer/{transfer_id}")["status"] == "OPEN"
    assert held(pg, yard) == (10, 0, 3)  # still reserved
    # Room made, it goes through.
    assert api.record({"bin": small, "product": other, "batch": other_batch}, -1).status_code == 201
    assert pg.ok("post", f"/api/transfer/validate-transfer/{transfer_id}")["status"] == "VALIDATED"
    assert api.inventory(small["id"], yard["product"]["id"])["amount"] == 3


def test_deleting_a_line_releases_it(pg, yard):
    scanned = yard["scan"](6)
    transfer_id = scanned["documentId"]
    early_line, late_line = scanned["transferProductIds"]
    assert held(pg, yard) == (10, 0, 6)

    info = pg.ok("delete", f"/api/transfer-product/delete-transfer-product/{early_line}")

    assert [p["transferProductId"] for p in info["transferProducts"]] == [late_line]
    assert held(pg, yard) == (10, 0, 2)
    taken = pg.native.record({"bin": yard["a"], "product": yard["product"], "batch": yard["early"]}, -4)
    assert taken.status_code == 201
    pg.fail("delete", f"/api/transfer-product/delete-transfer-product/{early_line}", status=404)
    pg.ok("post", f"/api/transfer/validate-transfer/{transfer_id}")
    assert records(pg, transfer_id) == [
        (yard["a"]["id"], yard["late"]["id"], -2, "TRANSFER"),
        (yard["b"]["id"], yard["late"]["id"], 2, "TRANSFER"),
    ]


def test_the_status_table_cancel_releases_and_delete_works_only_before_validation(app, pg, yard):
    transfer_id = yard["scan"](5)["documentId"]
    change = f"/api/transfer/change-transfer-status/{transfer_id}"
    assert pg.ok("post", f"{change}/IN_PROGRESS")["status"] == "IN_PROGRESS"
    assert yard["scan"](1, documentId=transfer_id)["status"] == "IN_PROGRESS"
    assert pg.ok("post", f"{change}/OPEN")["status"] == "OPEN"
    assert "transferStatus" in pg.fail("post", f"{change}/SHIPPED", status=400)
    assert held(pg, yard) == (10, 0, 6)

    cancelled = pg.ok("post", f"{change}/CANCELLED")

    assert (cancelled["status"], [p["reservedQuantity"] for p in cancelled["transferProducts"]]) == (
        "CANCELLED",
        [0, 0],
    )
    assert held(pg, yard) == (10, 0, 0)
    message = pg.fail("post", f"{change}/OPEN", status=409)
    assert message == f"Transfer {transfer_id} is cancelled and cannot be changed."
    assert "is cancelled" in pg.fail("post", f"/api/transfer/validate-transfer/{transfer_id}", status=409)
    # A cancelled transfer was never validated: it can be deleted, and is gone.
    deleted = pg.ok("delete", f"/api/transfer/delete-transfer/{transfer_id}")
    assert (deleted["documentId"], deleted["status"]) == (transfer_id, "DELETED")
    pg.fail("get", f"/api/transfer/{transfer_id}", status=404)
    # Every status change wrote its event in its own transaction.
    session = new_session(app)
    try:
        events = session.scalars(
            select(OutboxEvent).where(OutboxEvent.document_type == "TRANSFER", OutboxEvent.document_id == transfer_id)
        ).all()
        moves = [(e.type, json.loads(e.data)["from"], json.loads(e.data)["to"]) for e in events if "from" in e.data]
    finally:
        session.close()
    assert moves == [
        ("transfer.status_changed", None, "OPEN"),
        ("transfer.status_changed", "OPEN", "IN_PROGRESS"),
        ("transfer.status_changed", "IN_PROGRESS", "OPEN"),
        ("transfer.status_changed", "OPEN", "CANCELLED"),
    ]
    assert [e.type for e in events][-1] == "transfer.deleted"
    # An open transfer's delete releases what it reserved.
    open_id = yard["scan"](7)["documentId"]
    assert held(pg, yard) == (10, 0, 7)
    pg.ok("delete", f"/api/transfer/delete-transfer/{open_id}")
    assert held(pg, yard) == (10, 0, 0)
    pg.fail("delete", f"/api/transfer/delete-transfer/{open_id}", status=404)


def test_a_location_code_names_one_warehouse_or_the_scan_says_which(pg, yard):
    api = pg.native
    shared = unique_code("SH-")
    here = api.bin(yard["warehouse"]["id"], code=shared)
    elsewhere = api.warehouse(name="Other")
    api.bin(elsewhere["id"], code=shared)
    assert api.record({"bin": here, "product": yard["product"], "batch": yard["late"]}, 2).status_code == 201
    body = {
        "productId": yard["product"]["id"],
        "quantity": 1,
        "sourceLocationCode": shared,
        "destinationLocationCode": yard["b"]["code"],
    }
    message = pg.fail("post", ADD, body, status=409)
    assert message.startswith(f"Location code {shared!r} is used in warehouses {yard['warehouse']['id']}, ")
    scanned = pg.ok("post", ADD, {**body, "warehouseId": yard["warehouse"]["id"]})
    assert pg.ok("get", f"/api/transfer/{scanned['documentId']}")["warehouseId"] == yard["warehouse"]["id"]
    # In the other warehouse the destination does not exist; a transfer stays in its warehouse.
    assert "No location" in pg.fail("post", ADD, {**body, "warehouseId": elsewhere["id"]}, status=404)
    wrong = {**body, "documentId": scanned["documentId"], "warehouseId": elsewhere["id"]}
    assert "warehouseId" in pg.fail("post", ADD, wrong, status=400)
    assert "No location 'NOWHERE'" in pg.fail("post", ADD, {**body, "sourceLocationCode": "NOWHERE"}, status=404)
    same = {**body, "warehouseId": yard["warehouse"]["id"], "destinationLocationCode": shared}
    assert "destinationLocationCode" in pg.fail("post", ADD, same, status=400)
    assert "batchCode" in pg.fail(
        "post", ADD, {**body, "warehouseId": yard["warehouse"]["id"], "batchCode": "X"}, status=404
    )
    assert "quantity" in pg.fail("post", ADD, {**body, "quantity": 0}, status=400)
    assert held(pg, yard) == (10, 0, 1)


def test_tenants_never_see_each_others_transfers(pg, yard, make_api, client):
    scanned = yard["scan"](2)
    transfer_id, line_id = scanned["documentId"], scanned["transferProductId"]
    stranger = Planograma(client, make_api().tenant_code)
    stranger.fail("get", f"/api/transfer/{transfer_id}", status=404)
    stranger.fail("post", f"/api/transfer/validate-transfer/{transfer_id}", status=404)
    stranger.fail("post", f"/api/transfer/change-transfer-status/{transfer_id}/CANCELLED", status=404)
    stranger.fail("delete", f"/api/transfer/delete-transfer/{transfer_id}", status=404)
    stranger.fail("delete", f"/api/transfer-product/delete-transfer-product/{line_id}", status=404)
    body = {
        "documentId": transfer_id,
        "productId": yard["product"]["id"],
        "quantity": 1,
        "sourceLocationCode": yard["a"]["code"],
        "destinationLocationCode": yard["b"]["code"],
    }
    stranger.fail("post", ADD, body, status=404)
    del body["documentId"]
    stranger.fail("post", ADD, body, status=404)
    assert held(pg, yard) == (10, 0, 2)
    assert pg.ok("get", f"/api/transfer/{transfer_id}")["status"] == "OPEN"


def test_transfer_writes_need_the_stock_permission(app, client, pg, yard):
    scanned = yard["scan"](2)
    transfer_id, line_id = scanned["documentId"], scanned["transferProductId"]
    add_user(app, pg.tenant_code, "picker", permissions=("ORDERS", "CATALOG", "RECEIVING"))
    picker = Planograma(client, pg.tenant_code, username="picker")
    required = "The STOCK permission is required."
    body = {
        "productId": yard["product"]["id"],
        "quantity": 1,
        "sourceLocationCode": yard["a"]["code"],
        "destinationLocationCode": yard["b"]["code"],
    }
    assert picker.fail("post", ADD, body, status=403) == required
    assert picker.fail("post", f"/api/transfer/validate-transfer/{transfer_id}", status=403) == required
    assert picker.fail("post", f"/api/transfer/change-transfer-status/{transfer_id}/CANCELLED", status=403) == required
    assert picker.fail("delete", f"/api/transfer/delete-transfer/{transfer_id}", status=403) == required
    assert picker.fail("delete", f"/api/transfer-product/delete-transfer-product/{line_id}", status=403) == required
    assert picker.ok("get", f"/api/transfer/{transfer_id}")["status"] == "OPEN"
    assert held(pg, yard) == (10, 0, 2)
    add_user(app, pg.tenant_code, "mover", permissions=("STOCK",))
    mover = Planograma(client, pg.tenant_code, username="mover")
    assert mover.ok("post", ADD, {**body, "documentId": transfer_id})["transferProductIds"] == [line_id]
    assert mover.ok("post", f"/api/transfer/validate-transfer/{transfer_id}")["status"] == "VALIDATED"
    assert held(pg, yard) == (7, 3, 0)


def test_a_count_that_cut_a_lines_reservation_is_made_good_at_validation_or_refused(pg, yard):
    """A count may take reserved stock (counts are facts): validation reserves the rest from the line's own bin and
    batch, and is a 409 moving nothing when that is not there."""
    api = pg.native
    transfer_id = yard["scan"](3, batchCode=code(yard["late"]))["documentId"]
    count = api.create("/stocktaking", {"binId": yard["a"]["id"]})
    counted = {"productId": yard["product"]["id"], "batchId": yard["late"]["id"], "countedQuantity": 1}
    assert api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=counted).status_code == 200
    assert api.put(f"/stocktaking/{count['id']}", json={"finished": True}).status_code == 200
    (line,) = pg.ok("get", f"/api/transfer/{transfer_id}")["transferProducts"]
    assert (line["quantity"], line["reservedQuantity"]) == (3, 1)

    message = pg.fail("post", f"/api/transfer/validate-transfer/{transfer_id}", status=409)

    assert message.startswith(f"Transfer {transfer_id} cannot be validated: line {line['transferProductId']} lacks 2")
    assert records(pg, transfer_id) == []
    assert api.record({"bin": yard["a"], "product": yard["product"], "batch": yard["late"]}, 2).status_code == 201
    assert pg.ok("post", f"/api/transfer/validate-transfer/{transfer_id}")["status"] == "VALIDATED"
    assert records(pg, transfer_id)[0][2] == -3


def test_a_retried_scan_with_an_idempotency_key_reserves_once_and_ids_beyond_any_row_are_404(pg, yard):
    body = {
        "productId": yard["product"]["id"],
        "quantity": 2,
        "sourceLocationCode": yard["a"]["code"],
        "destinationLocationCode": yard["b"]["code"],
    }
    first, again = (pg.call("post", ADD, body, headers={"Idempotency-Key": "scan-1"}).get_json() for _ in "12")
    assert first == again and first["status"] == 200
    assert held(pg, yard) == (10, 0, 2)
    huge = 10**30
    pg.fail("get", f"/api/transfer/{huge}", status=404)
    pg.fail("post", f"/api/transfer/validate-transfer/{huge}", status=404)
    pg.fail("delete", f"/api/transfer/delete-transfer/{huge}", status=404)
    pg.fail("delete", f"/api/transfer-product/delete-transfer-product/{huge}", status=404)
    pg.fail("post", ADD, {**body, "documentId": huge}, status=400)  # beyond an id's range: the field says so
