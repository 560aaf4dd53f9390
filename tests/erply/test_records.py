"""/bin-inventory-record: the ledger through the API, its stock rules, document fields and reversals."""

import pytest

from .conftest import PREFIXES, selects_for

DOCUMENT_FIELDS = {
    "referenceType": None,
    "referenceId": None,
    "prodAmortTypeId": None,
    "documentRowId": None,
    "orgperIdDat": None,
    "recordType": None,
}


def line(pos, amount, **fields):
    return {
        "binId": pos["bin"]["id"],
        "productId": pos["product"]["id"],
        "batchId": pos["batch"]["id"],
        "amount": amount,
        **fields,
    }


def total(api):
    return int(api.get("/bin-inventory-record?includeDeleted=true").headers["X-Total-Count"])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_create_and_read_a_record(api, clock, prefix):
    pos = api.stock_position()
    created = api.create(f"{prefix}/bin-inventory-record", line(pos, 7))
    assert created == {
        **line(pos, 7),
        **DOCUMENT_FIELDS,
        "id": created["id"],
        "added": clock.seconds,
        "addedById": api.user_id,
        "changed": clock.seconds,
        "changedById": api.user_id,
        "changedBy": api.username,
        "reversesId": None,
        "reversedById": None,
    }
    assert api.get(f"{prefix}/bin-inventory-record/{created['id']}").get_json() == created
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 7


def test_every_document_field_is_stored(api):
    pos = api.stock_position()
    fields = {
        "referenceType": "PURCHASE_DOCUMENT",
        "referenceId": 42,
        "prodAmortTypeId": 3,
        "documentRowId": 9,
        "orgperIdDat": 11,
        "recordType": "INVOICE",
    }
    created = api.create("/bin-inventory-record", line(pos, 2, **fields))
    assert {k: created[k] for k in fields} == fields


def test_a_list_in_is_a_list_out_in_the_same_order(api):
    a, b = api.stock_position(), api.stock_position()
    body = [line(a, 5), line(b, 3), line(a, -2), line(b, 1, referenceType="ASSIGNMENT", referenceId=1)]
    created = api.create("/bin-inventory-record", body)
    assert [(r["binId"], r["amount"]) for r in created] == [(x["binId"], x["amount"]) for x in body]
    assert created[3]["referenceType"] == "ASSIGNMENT"
    assert sorted(r["id"] for r in created) == [r["id"] for r in created]
    assert api.inventory(a["bin"]["id"], a["product"]["id"])["amount"] == 3
    assert api.inventory(b["bin"]["id"], b["product"]["id"])["amount"] == 4


def test_a_list_is_all_or_nothing_and_names_the_failing_index(api):
    pos = api.stock_position()
    api.create("/bin-inventory-record", line(pos, 2))
    before = total(api)
    response = api.post("/bin-inventory-record", json=[line(pos, 5), line(pos, -3), line(pos, -10)])
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"2": {"amount": ["Only 4 available."]}}
    assert total(api) == before
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 2


def test_references_must_exist_and_fit_together(api, make_api):
    pos, other = api.stock_position(), api.stock_position()
    theirs = make_api().stock_position()
    cases = [
        ({"binId": theirs["bin"]["id"]}, 404, {"binId": [f"Bin {theirs['bin']['id']} does not exist."]}),
        ({"productId": 10**12}, 404, {"productId": [f"Product {10**12} does not exist."]}),
        ({"batchId": theirs["batch"]["id"]}, 404, {"batchId": [f"Batch {theirs['batch']['id']} does not exist."]}),
        ({"batchId": other["batch"]["id"]}, 400, {"batchId": ["The batch does not belong to the product."]}),
    ]
    for change, status, errors in cases:
        single = api.post("/bin-inventory-record", json={**line(pos, 1), **change})
        assert (single.status_code, single.get_json()["errors"]) == (status, errors), change
        listed = api.post("/bin-inventory-record", json=[line(pos, 1), {**line(pos, 1), **change}])
        assert (listed.status_code, listed.get_json()["errors"]) == (status, {"1": errors}), change
    assert total(api) == 0


@pytest.mark.parametrize(
    "fields, errors",
    [
        ({"amount": 0}, {"amount": ["Must not be 0."]}),
        (
            {"referenceType": "SALES_DOCUMENT"},
            {"referenceId": ["referenceType and referenceId must be given together."]},
        ),
        ({"referenceId": 5}, {"referenceType": ["referenceType and referenceId must be given together."]}),
        (
            {"referenceType": "GIFT", "referenceId": 5},
            {
                "referenceType": [
                    "Must be one of: SALES_DOCUMENT, PURCHASE_DOCUMENT, "
                    "INVENTORY_REGISTRATION, INVENTORY_WRITE_OFF, INVENTORY_TRANSFER, ASSIGNMENT."
                ]
            },
        ),
        (
            {"amount": 2**31},
            {"amount": ["Must be greater than or equal to -2147483648 and less than or equal to 2147483647."]},
        ),
    ],
)
def test_seed_rules_on_a_record(api, fields, errors):
    pos = api.stock_position()
    response = api.post("/bin-inventory-record", json=line(pos, 1) | fields)
    assert response.status_code == 400
    assert response.get_json()["errors"] == errors
    assert total(api) == 0


def test_each_reference_type_is_accepted(api):
    pos = api.stock_position()
    for i, kind in enumerate(
        (
            "SALES_DOCUMENT",
            "PURCHASE_DOCUMENT",
            "INVENTORY_REGISTRATION",
            "INVENTORY_WRITE_OFF",
            "INVENTORY_TRANSFER",
            "ASSIGNMENT",
        )
    ):
        assert api.record(pos, 1, referenceType=kind, referenceId=i + 1).status_code == 201


def test_stock_may_not_go_below_zero(api):
    pos = api.stock_position()
    api.create("/bin-inventory-record", line(pos, 3))
    response = api.post("/bin-inventory-record", json=line(pos, -4))
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"amount": ["Only 3 available."]}
    assert api.create("/bin-inventory-record", line(pos, -3))["amount"] == -3
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 0


def test_a_tenant_that_allows_negative_stock_may_go_below_zero(make_api):
    api = make_api(allow_negative_stock=True)
    pos = api.stock_position()
    assert api.create("/bin-inventory-record", line(pos, -4))["amount"] == -4
    row = api.inventory(pos["bin"]["id"], pos["product"]["id"])
    assert row["amount"] == -4 and row["batches"] == [{"batchId": pos["batch"]["id"], "amount": -4}]


def test_a_bin_with_a_maximum_is_not_filled_past_it(api):
    pos = api.stock_position(maximumAmount=10)
    second = api.product()
    second_batch = api.batch(second["id"])
    api.create("/bin-inventory-record", line(pos, 6))
    other_product = {"binId": pos["bin"]["id"], "productId": second["id"], "batchId": second_batch["id"], "amount": 5}
    response = api.post("/bin-inventory-record", json=other_product)
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"amount": ["Bin capacity 10 would be exceeded."]}
    assert api.create("/bin-inventory-record", {**other_product, "amount": 4})["amount"] == 4
    # Lowering the maximum below what the bin holds does not trap the stock: taking out is always allowed.
    assert api.put(f"/bin/{pos['bin']['id']}", json={"maximumAmount": 5}).status_code == 200
    assert api.post("/bin-inventory-record", json=line(pos, 1)).status_code == 409
    assert api.create("/bin-inventory-record", line(pos, -1))["amount"] == -1


def test_filters(api):
    pos = api.stock_position()
    other = api.stock_position()
    r1 = api.create("/bin-inventory-record", line(pos, 5, referenceType="PURCHASE_DOCUMENT", referenceId=100))
    r2 = api.create("/bin-inventory-record", line(pos, -1, referenceType="SALES_DOCUMENT", referenceId=100))
    r3 = api.create("/bin-inventory-record", line(other, 2, referenceType="PURCHASE_DOCUMENT", referenceId=200))
    r4 = api.create("/bin-inventory-record", line(other, 1))
    ids = lambda query: [r["id"] for r in api.get("/bin-inventory-record?" + query).get_json()]  # noqa: E731
    assert ids("referenceType=PURCHASE_DOCUMENT") == [r1["id"], r3["id"]]
    assert ids("referenceId=100") == [r1["id"], r2["id"]]
    assert ids("referenceType=PURCHASE_DOCUMENT&referenceId=200") == [r3["id"]]
    assert ids(f"id={r4['id']},{r2['id']}") == [r2["id"], r4["id"]]
    assert ids(f"id={r3['id']}") == [r3["id"]]
    assert ids(f"binId={other['bin']['id']}") == [r3["id"], r4["id"]]
    assert ids(f"productId={pos['product']['id']}&batchId={pos['batch']['id']}") == [r1["id"], r2["id"]]


def test_paging_and_order(api):
    pos = api.stock_position()
    made = [r["id"] for r in api.create("/bin-inventory-record", [line(pos, 1) for _ in range(12)])]
    response = api.get("/bin-inventory-record?pageSize=5&page=2&order=DESC")
    assert response.headers["X-Total-Count"] == "12"
    assert [r["id"] for r in response.get_json()] == made[::-1][5:10]
    assert [r["id"] for r in api.get("/bin-inventory-record?page=3&pageSize=5").get_json()] == made[10:]


def test_update_edits_only_document_fields(api, colleague, clock):
    pos = api.stock_position()
    record = api.create("/bin-inventory-record", line(pos, 4))
    clock.tick()
    changes = {"referenceType": "INVENTORY_TRANSFER", "referenceId": 8, "documentRowId": 2, "recordType": "MOVE"}
    response = colleague.put(f"/bin-inventory-record/{record['id']}", json=changes)
    assert response.status_code == 200
    updated = response.get_json()
    assert updated == {
        **record,
        **changes,
        "changed": clock.seconds,
        "changedById": colleague.user_id,
        "changedBy": "colleague",
    }
    assert api.get(f"/bin-inventory-record/{record['id']}").get_json() == updated

    for field, value in (
        ("amount", 5),
        ("binId", api.bin()["id"]),
        ("productId", 1),
        ("batchId", 1),
        ("reversesId", 1),
    ):
        response = api.put(f"/bin-inventory-record/{record['id']}", json={**updated, field: value})
        assert response.status_code == 400, field
        assert response.get_json()["errors"] == {field: ["Read-only field; it cannot be changed."]}
    # The error names the field that is missing from the pair.
    assert api.put(f"/bin-inventory-record/{record['id']}", json={"referenceId": None}).get_json()["errors"] == {
        "referenceId": ["referenceType and referenceId must be given together."]
    }
    cleared = api.put(f"/bin-inventory-record/{record['id']}", json={"referenceType": None, "referenceId": None})
    assert cleared.status_code == 200
    assert (cleared.get_json()["referenceType"], cleared.get_json()["referenceId"]) == (None, None)
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 4


def test_delete_appends_a_reversal_and_hides_the_original(api, colleague):
    pos = api.stock_position()
    kept = api.create("/bin-inventory-record", line(pos, 2))
    original = api.create("/bin-inventory-record", line(pos, 5, referenceType="PURCHASE_DOCUMENT", referenceId=77))
    assert colleague.delete(f"/bin-inventory-record/{original['id']}").status_code == 204

    listed = api.get("/bin-inventory-record").get_json()
    assert [r["id"] for r in listed][:1] == [kept["id"]] and original["id"] not in [r["id"] for r in listed]
    (reversal,) = [r for r in listed if r["id"] != kept["id"]]
    assert reversal == {
        **original,
        "id": reversal["id"],
        "amount": -5,
        "reversesId": original["id"],
        "reversedById": None,
        "added": reversal["added"],
        "changed": reversal["changed"],
        "addedById": colleague.user_id,
        "changedById": colleague.user_id,
        "changedBy": "colleague",
    }
    assert api.get(f"/bin-inventory-record/{original['id']}").get_json()["reversedById"] == reversal["id"]
    everything = [r["id"] for r in api.get("/bin-inventory-record?includeDeleted=true").get_json()]
    assert everything == [kept["id"], original["id"], reversal["id"]]
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 2

    assert api.delete(f"/bin-inventory-record/{original['id']}").status_code == 409
    assert api.delete(f"/bin-inventory-record/{reversal['id']}").status_code == 409
    assert total(api) == 3


def test_a_delete_that_breaks_the_stock_rules_is_refused(api):
    pos = api.stock_position()
    receipt = api.create("/bin-inventory-record", line(pos, 5))
    api.create("/bin-inventory-record", line(pos, -4))
    response = api.delete(f"/bin-inventory-record/{receipt['id']}")
    assert response.status_code == 409
    assert api.get(f"/bin-inventory-record/{receipt['id']}").get_json()["reversedById"] is None
    assert total(api) == 2
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 1


def test_listing_records_does_not_query_per_record(app, api):
    pos = api.stock_position()
    api.record(pos, 1)
    few = selects_for(app, lambda: api.get("/bin-inventory-record"))
    api.create("/bin-inventory-record", [line(pos, 1) for _ in range(20)])
    assert selects_for(app, lambda: api.get("/bin-inventory-record")) == few
