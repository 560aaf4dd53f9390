"""/api/stock and ProductInfo's stock: the native ledger's stock, read through the Planograma face."""

import pytest

from ..conftest import reserve_for


@pytest.fixture
def world(pg):
    """Two bins in warehouse "Main"; product P1 with 10 in A-01 (batch b1) and 5 in B-02 (b2), P2 with 3 in A-01."""
    native = pg.native
    warehouse = native.warehouse(name="Main", code="MAIN")
    a01 = native.bin(warehouse["id"], code="A-01")
    b02 = native.bin(warehouse["id"], code="B-02")
    p1 = native.product(code="P1", name="Bolt")
    p2 = native.product(code="P2", name="Anchor")
    idle = native.product(code="P3", name="Idle", active=False)
    b1 = native.batch(p1["id"], batchCode=["LOT-1"], expiryDate="2030-01-31")
    b2 = native.batch(p1["id"], batchCode=["LOT-2", "LOT-2B"], expiryDate="2029-06-30")
    b3 = native.batch(p2["id"], batchCode=["LOT-3"], expiryDate=None)
    for bin_, product, batch, amount in ((a01, p1, b1, 10), (b02, p1, b2, 5), (a01, p2, b3, 3)):
        assert native.record({"bin": bin_, "product": product, "batch": batch}, amount).status_code == 201
    return {"a01": a01, "b02": b02, "p1": p1, "p2": p2, "idle": idle, "b1": b1, "b2": b2, "b3": b3}


def reserve(app, pg, world, product_id, quantity, bin_id=None, line_id=1):
    """Reserve through the service, for a line of order 1 in the world's warehouse, as an order will."""
    result = reserve_for(
        app,
        pg.tenant_code,
        warehouse_id=world["a01"]["warehouseId"],
        product_id=product_id,
        quantity=quantity,
        bin_id=bin_id,
        line_id=line_id,
        order_id=1,
    )
    assert (result.reserved, result.shortfall) == (quantity, 0)


def test_remaining_stock_total_and_by_location(pg, world):
    p1 = world["p1"]
    url = f"/api/stock/remaining-stock/{p1['id']}"
    base = {"productId": p1["id"], "productName": "Bolt", "productCode": "P1"}
    assert pg.ok("post", url, {}) == [{**base, "remainingQuantity": 15}]
    assert pg.ok("post", url) == [{**base, "remainingQuantity": 15}]
    assert pg.ok("post", url, {"location": True, "source": "SHOP"}) == [
        {**base, "remainingQuantity": 10, "locationCode": "A-01", "locationName": "Main / A-01"},
        {**base, "remainingQuantity": 5, "locationCode": "B-02", "locationName": "Main / B-02"},
    ]


def test_reservations_lower_the_free_quantity_not_the_ledger(app, pg, world):
    p1 = world["p1"]
    reserve(app, pg, world, p1["id"], 4, bin_id=world["a01"]["id"])
    # Without a bin the service picks one: batch b2, the earliest expiry (FEFO), in B-02. Every reservation is of
    # one bin and batch (CONTRACT section 5), so this one lowers B-02's free quantity.
    reserve(app, pg, world, p1["id"], 2, line_id=2)
    url = f"/api/stock/remaining-stock/{p1['id']}"
    assert pg.ok("post", url, {"includeReservations": False})[0]["remainingQuantity"] == 15
    assert pg.ok("post", url, {"includeReservations": True})[0]["remainingQuantity"] == 9
    by_place = pg.ok("post", url, {"includeReservations": True, "location": True})
    assert [(r["locationCode"], r["remainingQuantity"]) for r in by_place] == [("A-01", 6), ("B-02", 3)]
    (info,) = pg.products(productIds=[p1["id"]])
    assert (info["totalQuantityInStock"], info["totalReservedQuantity"], info["totalFreeQuantity"]) == (15, 6, 9)
    assert [
        (s["locationCode"], s["quantity"], s["reservedQuantity"], s["freeQuantity"]) for s in info["stockInfo"]
    ] == [
        ("A-01", 10, 4, 6),
        ("B-02", 5, 2, 3),
    ]
    assert pg.native.inventory(world["a01"]["id"], p1["id"])["amount"] == 10


def test_remaining_stock_errors(pg, world, make_api):
    from .conftest import Planograma

    assert pg.fail("post", "/api/stock/remaining-stock/999999999", {}, status=404) == "Product 999999999 not found."
    assert pg.fail("post", f"/api/stock/remaining-stock/{2**63}", {}, status=404) == f"Product {2**63} not found."
    assert pg.fail("post", "/api/stock/remaining-stock/abc", {}, status=404) == "Not found."
    other = Planograma(pg.client, make_api().tenant_code)
    assert other.fail("post", f"/api/stock/remaining-stock/{world['p1']['id']}", {}, status=404)
    assert pg.fail("post", f"/api/stock/remaining-stock/{world['p1']['id']}", {"location": "true"}, status=400) == (
        "The request is invalid: location: Not a valid boolean."
    )


def test_stock_all_lists_every_product_a_page_at_a_time(pg, world):
    p1, p2, idle = world["p1"], world["p2"], world["idle"]

    def row(p, q):
        return {"productId": p["id"], "productName": p["name"], "productCode": p["code"], "remainingQuantity": q}

    page = pg.ok("post", "/api/stock/all", {})
    assert page == {
        "content": [row(p1, 15), row(p2, 3), row(idle, 0)],
        "totalElements": 3,
        "totalPages": 1,
        "size": 10,
        "number": 0,
    }
    assert pg.ok("post", "/api/stock/all?page=1&size=2", {}) == {
        "content": [row(idle, 0)],
        "totalElements": 3,
        "totalPages": 2,
        "size": 2,
        "number": 1,
    }
    assert pg.ok("post", "/api/stock/all", {"isActive": True})["content"] == [row(p1, 15), row(p2, 3)]
    assert pg.ok("post", "/api/stock/all", {"isActive": False})["content"] == [row(idle, 0)]
    assert pg.ok("post", "/api/stock/all?page=5", {})["content"] == []


def test_stock_all_by_location_and_with_reservations(app, pg, world):
    p2 = world["p2"]
    reserve(app, pg, world, p2["id"], 1, bin_id=world["a01"]["id"])
    content = pg.ok("post", "/api/stock/all", {"location": True, "includeReservations": True, "isActive": True})[
        "content"
    ]
    assert [(r["productCode"], r["locationCode"], r["locationName"], r["remainingQuantity"]) for r in content] == [
        ("P1", "A-01", "Main / A-01", 10),
        ("P1", "B-02", "Main / B-02", 5),
        ("P2", "A-01", "Main / A-01", 2),
    ]
    page = pg.ok("post", "/api/stock/all?page=1&size=2", {"location": True})
    assert (page["totalElements"], page["totalPages"], [r["productId"] for r in page["content"]]) == (3, 2, [p2["id"]])
    assert pg.ok("post", "/api/stock/all", {"includeReservations": True})["content"][1]["remainingQuantity"] == 2


@pytest.mark.parametrize(
    "query, body, message",
    [
        ("?page=-1", {}, "page: Must be greater than or equal to 0 and less than or equal to 10000000."),
        ("?size=0", {}, "size: Must be greater than or equal to 1 and less than or equal to 1000."),
        ("?size=x", {}, "size: Not a valid integer."),
        ("", {"isActive": "yes"}, "isActive: Not a valid boolean."),
        ("", {"includeReservations": 1}, "includeReservations: Not a valid boolean."),
    ],
)
def test_stock_all_validation_errors(pg, query, body, message):
    assert pg.fail("post", "/api/stock/all" + query, body, status=400) == "The request is invalid: " + message


def test_detailed_report_rows_per_batch_sorted(pg, world):
    report = pg.ok("post", "/api/stock/detailed-report")
    assert (report["totalElements"], report["totalPages"], report["size"], report["number"]) == (3, 1, 50, 0)
    first = report["content"][0]  # sorted by productName: Anchor first
    assert first == {
        "productId": world["p2"]["id"],
        "productName": "Anchor",
        "productCode": "P2",
        "sku": None,
        "warehouseId": world["a01"]["warehouseId"],
        "warehouseCode": "MAIN",
        "warehouseName": "Main",
        "locationId": world["a01"]["id"],
        "locationCode": "A-01",
        "locationName": "Main / A-01",
        "batchId": world["b3"]["id"],
        "batchCodes": ["LOT-3"],
        "expirationDate": None,
        "quantity": 3,
    }
    by_quantity = pg.ok("post", "/api/stock/detailed-report?sortBy=quantity&sortDirection=DESC")["content"]
    assert [r["quantity"] for r in by_quantity] == [10, 5, 3]
    by_expiry = pg.ok("post", "/api/stock/detailed-report?sortBy=expirationDate")["content"]
    assert [r["expirationDate"] for r in by_expiry] == ["2029-06-30", "2030-01-31", None]
    assert by_expiry[0]["batchCodes"] == ["LOT-2", "LOT-2B"]
    page = pg.ok("post", "/api/stock/detailed-report?sortBy=locationCode&page=1&size=2")
    assert (page["number"], page["totalPages"], [r["locationCode"] for r in page["content"]]) == (1, 2, ["B-02"])


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "?sortBy=password_hash",
            "sortBy: Must be one of: productName, productCode, productId, sku, warehouseCode, locationCode, batchId, expirationDate, quantity.",
        ),
        ("?sortDirection=up", "sortDirection: Must be one of: asc, desc."),
        ("?size=1001", "size: Must be greater than or equal to 1 and less than or equal to 1000."),
    ],
)
def test_detailed_report_validation_errors(pg, query, message):
    assert pg.fail("post", "/api/stock/detailed-report" + query, status=400) == "The request is invalid: " + message
