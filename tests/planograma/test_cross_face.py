"""One catalog, one ledger, two faces: what one face writes the other reads."""


def test_a_product_added_here_is_used_by_native_batches_and_records(pg):
    native = pg.native
    product = pg.product(code="PG-1", name="From Planograma", requiresBatchCode=True)
    pid = product["productId"]
    assert native.get(f"/product/{pid}").get_json()["code"] == "PG-1"

    batch = native.batch(pid)
    bin_ = native.bin(code="R-01")
    records = native.post(
        "/bin-inventory-record",
        json=[
            {"binId": bin_["id"], "productId": pid, "batchId": batch["id"], "amount": 12},
            {"binId": bin_["id"], "productId": pid, "batchId": batch["id"], "amount": -5},
        ],
    )
    assert records.status_code == 201

    (info,) = pg.products(productIds=[pid])
    assert (info["totalQuantityInStock"], info["totalFreeQuantity"], info["requiresBatchCode"]) == (7, 7, True)
    assert [(s["locationId"], s["locationCode"], s["quantity"]) for s in info["stockInfo"]] == [(bin_["id"], "R-01", 7)]
    assert pg.ok("post", f"/api/stock/remaining-stock/{pid}", {})[0]["remainingQuantity"] == 7


def test_native_stock_moves_show_at_once_here(pg):
    native = pg.native
    pos = native.stock_position()
    pid = pos["product"]["id"]
    first = native.record(pos, 20).get_json()
    assert pg.ok("post", "/api/stock/all", {})["content"][0]["remainingQuantity"] == 20
    # Deleting a record appends its reversal; the stock read here follows the ledger.
    assert native.delete(f"/bin-inventory-record/{first['id']}").status_code == 204
    assert pg.ok("post", "/api/stock/all", {})["content"][0]["remainingQuantity"] == 0
    assert pg.ok("post", "/api/stock/detailed-report")["content"] == []
    (info,) = pg.products(productIds=[pid])
    assert (info["totalQuantityInStock"], info["stockInfo"]) == (0, [])


def test_a_native_product_is_a_planograma_product(pg):
    native = pg.native
    created = native.product(code="NAT-1", name="Native")
    (info,) = pg.products(models=["NAT-1"])
    assert (
        info["productId"],
        info["productName"],
        info["active"],
        info["requiresSerialNumber"],
        info["sellingPrice"],
    ) == (
        created["id"],
        "Native",
        True,
        False,
        None,
    )
    assert pg.ok("post", "/api/metadata/product/by_model", {"models": ["NAT-1"]})[0]["productId"] == created["id"]


def test_edits_on_either_face_are_one_product(pg):
    native = pg.native
    product = pg.product(code="EDIT", name="Before", color="red")
    pid = product["productId"]
    pg.ok("post", "/api/product/update", {"productIds": [pid], "updateFields": {"name": "Renamed here"}})
    assert native.get(f"/product/{pid}").get_json()["name"] == "Renamed here"
    assert native.put(f"/product/{pid}", json={"name": "Renamed there"}).status_code == 200
    (info,) = pg.products(productIds=[pid])
    # The native edit changed the name and left the Planograma-only fields alone.
    assert (info["productName"], info["color"]) == ("Renamed there", "red")


def test_a_product_deleted_here_is_gone_natively(pg):
    pid = pg.product(code="GONE")["productId"]
    pg.ok("delete", "/api/product/delete", {"productModels": ["GONE"]})
    assert pg.native.get(f"/product/{pid}").status_code == 404
