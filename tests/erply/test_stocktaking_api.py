"""/stocktaking and its records: count a bin, compare with the ledger, post the differences when finished."""

import pytest

from .conftest import PREFIXES, selects_for


def put_stock(api, pos, amount, batch=None):
    body = {
        "binId": pos["bin"]["id"],
        "productId": pos["product"]["id"],
        "batchId": (batch or pos["batch"])["id"],
        "amount": amount,
    }
    return api.create("/bin-inventory-record", body)


def counted(pos, quantity, batch=None):
    return {"productId": pos["product"]["id"], "batchId": (batch or pos["batch"])["id"], "countedQuantity": quantity}


def records_of(api, count_id):
    return api.get(f"/bin-inventory-record?referenceId={count_id}").get_json()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_open_a_count(api, clock, prefix):
    bin_ = api.bin()
    created = api.create(f"{prefix}/stocktaking", {"binId": bin_["id"]})
    assert created == {
        "id": created["id"],
        "added": clock.seconds,
        "addedById": api.user_id,
        "changed": clock.seconds,
        "changedById": api.user_id,
        "changedBy": api.username,
        "binId": bin_["id"],
        "referenceType": None,
        "warehouseId": bin_["warehouseId"],
        "userId": api.user_id,
        "finished": False,
        "finishedAt": None,
    }
    assert api.get(f"{prefix}/stocktaking/{created['id']}").get_json() == created
    assert api.get(f"{prefix}/stocktaking/{created['id']}/stocktaking-record").get_json() == []


def test_a_list_in_is_a_list_out_and_one_open_count_per_bin(api, make_api):
    bins = [api.bin() for _ in range(3)]
    created = api.create("/stocktaking", [{"binId": b["id"]} for b in bins])
    assert [c["binId"] for c in created] == [b["id"] for b in bins]
    again = api.post("/stocktaking", json={"binId": bins[1]["id"]})
    assert again.status_code == 409
    assert again.get_json()["errors"] == {"binId": ["The bin is already being counted."]}
    fresh = api.bin()
    twice = api.post("/stocktaking", json=[{"binId": fresh["id"]}, {"binId": fresh["id"]}])
    assert twice.status_code == 409 and twice.get_json()["errors"] == {
        "1": {"binId": ["The bin is already being counted."]}
    }
    assert api.get(f"/stocktaking?binId={fresh['id']}").get_json() == []
    theirs = make_api().bin()
    unknown = api.post("/stocktaking", json={"binId": theirs["id"]})
    assert unknown.status_code == 404 and unknown.get_json()["errors"] == {"binId": ["The bin does not exist."]}


def test_counts_are_set_not_added_and_compared_with_the_ledger(api):
    pos = api.stock_position()
    put_stock(api, pos, 10)
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    path = f"/stocktaking/{count['id']}/stocktaking-record"

    first = api.put(path, json=counted(pos, 7))
    assert first.status_code == 200
    line = first.get_json()
    assert {
        k: line[k]
        for k in ("stocktakingId", "productId", "batchId", "countedQuantity", "expectedQuantity", "difference")
    } == {
        "stocktakingId": count["id"],
        "productId": pos["product"]["id"],
        "batchId": pos["batch"]["id"],
        "countedQuantity": 7,
        "expectedQuantity": 10,
        "difference": -3,
    }
    second = api.put(path, json=[counted(pos, 12)]).get_json()
    assert [(x["id"], x["countedQuantity"], x["difference"]) for x in second] == [(line["id"], 12, 2)]
    # Expected is frozen when the line is counted; what moves afterwards shows as movedSinceCount.
    put_stock(api, pos, 1)
    listed = api.get(path).get_json()
    assert [(x["countedQuantity"], x["expectedQuantity"], x["difference"], x["movedSinceCount"]) for x in listed] == [
        (12, 10, 2, 1)
    ]
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 11


def test_a_list_of_counts_answers_in_order_and_rejects_bad_lines(api, make_api):
    pos = api.stock_position()
    other_batch = api.batch(pos["product"]["id"])
    stranger = api.stock_position()
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    path = f"/stocktaking/{count['id']}/stocktaking-record"
    answered = api.put(path, json=[counted(pos, 2, other_batch), counted(pos, 1)]).get_json()
    assert [(x["batchId"], x["countedQuantity"]) for x in answered] == [(other_batch["id"], 2), (pos["batch"]["id"], 1)]

    theirs = make_api().stock_position()
    bad = [
        ([counted(pos, 1), counted(pos, 2)], 400, {"1": {"batchId": ["Duplicate line."]}}),
        (
            [counted(pos, 1), {**counted(pos, 1), "batchId": stranger["batch"]["id"]}],
            400,
            {"1": {"batchId": ["The batch does not belong to the product."]}},
        ),
        (
            [{**counted(pos, 1), "productId": theirs["product"]["id"], "batchId": theirs["batch"]["id"]}],
            404,
            {"0": {"productId": ["The product does not exist."], "batchId": ["The batch does not exist."]}},
        ),
        ({**counted(pos, 1), "batchId": 10**12}, 404, {"batchId": ["The batch does not exist."]}),
        (
            counted(pos, -1),
            400,
            {"countedQuantity": ["Must be greater than or equal to 0 and less than or equal to 2147483647."]},
        ),
        (counted(pos, True), 400, {"countedQuantity": ["Not a valid integer."]}),
        (
            {"productId": pos["product"]["id"]},
            400,
            {"batchId": ["Missing data for required field."], "countedQuantity": ["Missing data for required field."]},
        ),
    ]
    for body, status, errors in bad:
        response = api.put(path, json=body)
        assert (response.status_code, response.get_json().get("errors")) == (status, errors), body
    assert [(x["batchId"], x["countedQuantity"]) for x in api.get(path).get_json()] == [
        (other_batch["id"], 2),
        (pos["batch"]["id"], 1),
    ]


def test_record_filters_and_paging(api):
    pos = api.stock_position()
    batches = [pos["batch"]] + [api.batch(pos["product"]["id"]) for _ in range(3)]
    second = api.product()
    second_batch = api.batch(second["id"])
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    path = f"/stocktaking/{count['id']}/stocktaking-record"
    lines = api.put(
        path,
        json=[counted(pos, i, b) for i, b in enumerate(batches)]
        + [{"productId": second["id"], "batchId": second_batch["id"], "countedQuantity": 9}],
    ).get_json()
    ids = [x["id"] for x in lines]
    assert [x["id"] for x in api.get(f"{path}?productId={second['id']}").get_json()] == [ids[4]]
    assert [x["id"] for x in api.get(f"{path}?batchId={batches[1]['id']},{batches[3]['id']}").get_json()] == [
        ids[1],
        ids[3],
    ]
    page = api.get(f"{path}?pageSize=2&page=2&order=DESC")
    assert page.headers["X-Total-Count"] == "5" and [x["id"] for x in page.get_json()] == [ids[2], ids[1]]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_finishing_posts_the_differences_in_one_go(api, colleague, clock, prefix):
    pos = api.stock_position()
    short, exact, uncounted = (api.batch(pos["product"]["id"]) for _ in range(3))
    put_stock(api, pos, 5)
    put_stock(api, pos, 8, short)
    put_stock(api, pos, 4, exact)
    put_stock(api, pos, 6, uncounted)
    count = api.create(f"{prefix}/stocktaking", {"binId": pos["bin"]["id"]})
    api.put(
        f"{prefix}/stocktaking/{count['id']}/stocktaking-record",
        json=[counted(pos, 9), counted(pos, 3, short), counted(pos, 4, exact)],
    )

    clock.tick()
    response = colleague.put(f"{prefix}/stocktaking/{count['id']}", json={"finished": True})
    assert response.status_code == 200
    assert response.get_json() == {
        **count,
        "finished": True,
        "finishedAt": clock.seconds,
        "changed": clock.seconds,
        "changedById": colleague.user_id,
        "changedBy": "colleague",
    }

    posted = records_of(api, count["id"])
    assert sorted((r["batchId"], r["amount"], r["referenceType"], r["recordType"]) for r in posted) == sorted(
        [
            (pos["batch"]["id"], 4, "INVENTORY_REGISTRATION", "STOCKTAKING"),
            (short["id"], -5, "INVENTORY_WRITE_OFF", "STOCKTAKING"),
        ]
    )
    assert {r["binId"] for r in posted} == {pos["bin"]["id"]} and {r["referenceId"] for r in posted} == {count["id"]}
    row = api.inventory(pos["bin"]["id"], pos["product"]["id"])
    assert sorted((b["batchId"], b["amount"]) for b in row["batches"]) == sorted(
        [(pos["batch"]["id"], 9), (short["id"], 3), (exact["id"], 4), (uncounted["id"], 6)]
    )

    # Expected quantities are frozen at the finish.
    put_stock(api, pos, 100)
    lines = api.get(f"/stocktaking/{count['id']}/stocktaking-record").get_json()
    assert [(x["countedQuantity"], x["expectedQuantity"], x["difference"]) for x in lines] == [
        (9, 5, 4),
        (3, 8, -5),
        (4, 4, 0),
    ]


def test_a_finished_count_is_final(api):
    pos = api.stock_position()
    put_stock(api, pos, 2)
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=counted(pos, 1))
    finished = api.put(f"/stocktaking/{count['id']}", json={"finished": True}).get_json()

    for method, path, body in (
        ("put", f"/stocktaking/{count['id']}", {"finished": False}),
        ("put", f"/stocktaking/{count['id']}", {"finished": True}),
        ("put", "/stocktaking", {"id": count["id"], "finished": False}),
        ("delete", f"/stocktaking/{count['id']}", None),
        ("put", f"/stocktaking/{count['id']}/stocktaking-record", counted(pos, 7)),
    ):
        response = getattr(api, method)(path, json=body)
        assert response.status_code == 409, (method, path, body)
        assert response.get_json()["message"] == f"Stocktaking {count['id']} is finished and cannot be changed."
    assert api.get(f"/stocktaking/{count['id']}").get_json() == finished
    assert [x["countedQuantity"] for x in api.get(f"/stocktaking/{count['id']}/stocktaking-record").get_json()] == [1]
    assert len(records_of(api, count["id"])) == 1
    # The bin may be counted again.
    assert api.post("/stocktaking", json={"binId": pos["bin"]["id"]}).status_code == 201


def test_a_finish_the_stock_rules_refuse_changes_nothing(api):
    pos = api.stock_position(maximumAmount=5)
    put_stock(api, pos, 5)
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=counted(pos, 8))
    response = api.put(f"/stocktaking/{count['id']}", json={"finished": True})
    assert response.status_code == 409
    assert response.get_json()["message"].startswith("The count cannot be finished: ")
    assert "errors" not in response.get_json()
    assert api.get(f"/stocktaking/{count['id']}").get_json()["finished"] is False
    assert records_of(api, count["id"]) == []
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 5


def test_put_with_finished_false_keeps_it_open_and_stamps_it(api, colleague, clock):
    count = api.create("/stocktaking", {"binId": api.bin()["id"]})
    clock.tick()
    response = colleague.put(f"/stocktaking/{count['id']}", json={"finished": False})
    assert response.get_json() == {
        **count,
        "changed": clock.seconds,
        "changedById": colleague.user_id,
        "changedBy": "colleague",
    }


def test_the_seeds_put_with_the_id_in_the_body(api):
    pos = api.stock_position()
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=counted(pos, 2))
    for body, status in (
        ({"finished": True}, 400),
        ({"id": str(count["id"]), "finished": True}, 400),
        ({"id": True, "finished": True}, 400),
        ({"id": count["id"], "finished": 1}, 400),
        ({"id": count["id"], "finished": True, "binId": api.bin()["id"]}, 400),
    ):
        assert api.put("/stocktaking", json=body).status_code == status, body
    # A client sends back what it read last (counting stamped the count's changed).
    current = api.get(f"/stocktaking/{count['id']}").get_json()
    assert current["finished"] is False
    response = api.put("/v1/stocktaking", json={**current, "finished": True})
    assert response.status_code == 200 and response.get_json()["finished"] is True
    assert [r["amount"] for r in records_of(api, count["id"])] == [2]


def test_delete_an_open_count(api):
    pos = api.stock_position()
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=counted(pos, 2))
    assert api.delete(f"/stocktaking/{count['id']}").status_code == 204
    assert api.get(f"/stocktaking/{count['id']}").status_code == 404
    assert api.get(f"/stocktaking/{count['id']}/stocktaking-record").status_code == 404
    assert api.post("/stocktaking", json={"binId": pos["bin"]["id"]}).status_code == 201


def test_list_filters(api, colleague):
    w1, w2 = api.warehouse(), api.warehouse()
    b1, b2, b3 = api.bin(w1["id"]), api.bin(w1["id"]), api.bin(w2["id"])
    c1 = api.create("/stocktaking", {"binId": b1["id"], "referenceType": "CYCLE"})
    c2 = colleague.create("/stocktaking", {"binId": b2["id"]})
    c3 = api.create("/stocktaking", {"binId": b3["id"], "referenceType": "YEAR_END"})
    api.put(f"/stocktaking/{c2['id']}", json={"finished": True})
    ids = lambda query: [c["id"] for c in api.get("/stocktaking?" + query).get_json()]  # noqa: E731
    assert ids("referenceType=CYCLE") == [c1["id"]]
    assert ids(f"warehouseId={w1['id']}") == [c1["id"], c2["id"]]
    assert ids(f"binId={b3['id']}") == [c3["id"]]
    assert ids(f"binid={b2['id']},{b3['id']}") == [c2["id"], c3["id"]]
    assert ids(f"userId={colleague.user_id}") == [c2["id"]]
    assert ids(f"userId={api.user_id}&order=DESC") == [c3["id"], c1["id"]]
    assert ids("finished=true") == [c2["id"]]
    assert ids("finished=false") == [c1["id"], c3["id"]]
    assert ids(f"id={c3['id']},{c1['id']}") == [c1["id"], c3["id"]]
    page = api.get("/stocktaking?pageSize=1&page=2")
    assert page.headers["X-Total-Count"] == "3" and [c["id"] for c in page.get_json()] == [c2["id"]]


def test_listing_counts_and_their_lines_does_not_query_per_row(app, api):
    pos = api.stock_position()
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    path = f"/stocktaking/{count['id']}/stocktaking-record"
    api.put(path, json=counted(pos, 1))
    few_counts = selects_for(app, lambda: api.get("/stocktaking"))
    few_lines = selects_for(app, lambda: api.get(path))
    api.create("/stocktaking", [{"binId": api.bin()["id"]} for _ in range(10)])
    batches = api.create(
        "/batch", [{"productId": pos["product"]["id"], "expiryDate": None, "batchCode": ["X"]} for _ in range(10)]
    )
    api.put(path, json=[counted(pos, i, b) for i, b in enumerate(batches)])
    assert selects_for(app, lambda: api.get("/stocktaking")) == few_counts
    assert selects_for(app, lambda: api.get(path)) == few_lines
