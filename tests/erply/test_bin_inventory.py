"""/bin-inventory: the per bin and product totals the ledger keeps in step."""

import pytest

from .conftest import PREFIXES, selects_for


def record(api, bin_id, product_id, batch_id, amount):
    return api.create(
        "/bin-inventory-record", {"binId": bin_id, "productId": product_id, "batchId": batch_id, "amount": amount}
    )


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_row_per_bin_and_product_with_its_batches(api, prefix):
    bin_ = api.bin()
    product = api.product()
    b1, b2 = api.batch(product["id"]), api.batch(product["id"])
    record(api, bin_["id"], product["id"], b2["id"], 4)
    record(api, bin_["id"], product["id"], b1["id"], 10)
    record(api, bin_["id"], product["id"], b1["id"], -3)
    rows = api.get(f"{prefix}/bin-inventory?binId={bin_['id']}").get_json()
    assert rows == [
        {
            "id": rows[0]["id"],
            "binId": bin_["id"],
            "warehouseId": bin_["warehouseId"],
            "productId": product["id"],
            "amount": 11,
            "batches": [{"batchId": b1["id"], "amount": 7}, {"batchId": b2["id"], "amount": 4}],
            "added": rows[0]["added"],
            "changed": rows[0]["changed"],
        }
    ]
    assert rows[0]["added"] <= rows[0]["changed"]


def test_a_product_in_several_bins_has_a_row_in_each(api):
    pos = api.stock_position()
    elsewhere = api.bin()
    record(api, pos["bin"]["id"], pos["product"]["id"], pos["batch"]["id"], 2)
    record(api, elsewhere["id"], pos["product"]["id"], pos["batch"]["id"], 5)
    rows = api.get(f"/bin-inventory?productId={pos['product']['id']}").get_json()
    assert [(r["binId"], r["amount"]) for r in rows] == [(pos["bin"]["id"], 2), (elsewhere["id"], 5)]


def test_the_row_stays_at_zero_once_the_product_was_in_the_bin(api):
    pos = api.stock_position()
    record(api, pos["bin"]["id"], pos["product"]["id"], pos["batch"]["id"], 3)
    record(api, pos["bin"]["id"], pos["product"]["id"], pos["batch"]["id"], -3)
    row = api.inventory(pos["bin"]["id"], pos["product"]["id"])
    assert (row["amount"], row["batches"]) == (0, [{"batchId": pos["batch"]["id"], "amount": 0}])
    assert api.inventory(api.bin()["id"], pos["product"]["id"]) is None


def test_filters_and_paging(api):
    w1, w2 = api.warehouse(), api.warehouse()
    bins = [api.bin(w1["id"]), api.bin(w1["id"]), api.bin(w2["id"])]
    products = [api.product(), api.product()]
    batches = [api.batch(p["id"]) for p in products]
    for b in bins:
        for p, bt in zip(products, batches, strict=True):
            record(api, b["id"], p["id"], bt["id"], 1)
    rows = api.get("/bin-inventory").get_json()
    ids = [r["id"] for r in rows]
    assert len(ids) == 6 and ids == sorted(ids)
    pairs = lambda query: [(r["binId"], r["productId"]) for r in api.get("/bin-inventory?" + query).get_json()]  # noqa: E731
    assert pairs(f"warehouseId={w2['id']}") == [(bins[2]["id"], products[0]["id"]), (bins[2]["id"], products[1]["id"])]
    assert pairs(f"warehouseId={w1['id']}&productId={products[1]['id']}") == [
        (bins[0]["id"], products[1]["id"]),
        (bins[1]["id"], products[1]["id"]),
    ]
    assert pairs(f"binId={bins[1]['id']},{bins[2]['id']}&productId={products[0]['id']}") == [
        (bins[1]["id"], products[0]["id"]),
        (bins[2]["id"], products[0]["id"]),
    ]
    assert [r["id"] for r in api.get(f"/bin-inventory?id={ids[4]},{ids[1]}").get_json()] == [ids[1], ids[4]]
    page = api.get("/bin-inventory?pageSize=4&page=2&order=DESC")
    assert page.headers["X-Total-Count"] == "6" and [r["id"] for r in page.get_json()] == ids[::-1][4:]


def test_another_tenant_sees_none_of_it(api, make_api):
    pos = api.stock_position()
    record(api, pos["bin"]["id"], pos["product"]["id"], pos["batch"]["id"], 1)
    other = make_api()
    response = other.get(f"/bin-inventory?binId={pos['bin']['id']}")
    assert response.get_json() == [] and response.headers["X-Total-Count"] == "0"
    assert other.get("/bin-inventory").get_json() == []


def test_totals_are_read_only(api):
    assert api.post("/bin-inventory", json={}).status_code == 405
    assert api.put("/bin-inventory", json={}).status_code == 405


def test_listing_totals_does_not_query_per_row(app, api):
    warehouse = api.warehouse()
    product = api.product()
    batch = api.batch(product["id"])
    record(api, api.bin(warehouse["id"])["id"], product["id"], batch["id"], 1)
    few = selects_for(app, lambda: api.get(f"/bin-inventory?warehouseId={warehouse['id']}"))
    more = api.create("/bin", [{"warehouseId": warehouse["id"], "active": True} for _ in range(15)])
    extra = api.batch(product["id"])
    api.create(
        "/bin-inventory-record",
        [
            {"binId": b["id"], "productId": product["id"], "batchId": bt, "amount": 2}
            for b in more
            for bt in (batch["id"], extra["id"])
        ],
    )
    assert selects_for(app, lambda: api.get(f"/bin-inventory?warehouseId={warehouse['id']}")) == few
