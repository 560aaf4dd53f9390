"""A count through the native API: each line's expected is frozen when counted, what moves afterwards is shown
as movedSinceCount and kept by the finish, and a bin being counted stays in its warehouse."""

from tests.erply.test_stocktaking_api import counted, put_stock, records_of


def open_count(api, pos):
    return api.create("/stocktaking", {"binId": pos["bin"]["id"]})


def lines_of(api, count):
    rows = api.get(f"/stocktaking/{count['id']}/stocktaking-record").get_json()
    return [(x["countedQuantity"], x["expectedQuantity"], x["difference"], x["movedSinceCount"]) for x in rows]


def count_line(api, count, line):
    response = api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=line)
    assert response.status_code == 200, response.get_json()
    x = response.get_json()
    return (x["countedQuantity"], x["expectedQuantity"], x["difference"], x["movedSinceCount"])


def finish(api, count):
    response = api.put(f"/stocktaking/{count['id']}", json={"finished": True})
    assert response.status_code == 200, response.get_json()


def amount(api, pos):
    return api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"]


def test_expected_is_frozen_at_counting_and_moved_since_count_is_signed(api):
    pos = api.stock_position()
    put_stock(api, pos, 10)
    count = open_count(api, pos)
    assert count_line(api, count, counted(pos, 10)) == (10, 10, 0, 0)

    put_stock(api, pos, 50)
    assert lines_of(api, count) == [(10, 10, 0, 50)]
    put_stock(api, pos, -53)
    assert lines_of(api, count) == [(10, 10, 0, -3)]
    # Counting the line again freezes what the ledger holds now.
    assert count_line(api, count, counted(pos, 8)) == (8, 7, 1, 0)
    assert lines_of(api, count) == [(8, 7, 1, 0)]


def test_a_receipt_between_counting_and_finishing_is_kept(api):
    pos = api.stock_position()
    put_stock(api, pos, 10)
    count = open_count(api, pos)
    count_line(api, count, counted(pos, 10))
    put_stock(api, pos, 50)

    finish(api, count)

    assert amount(api, pos) == 60
    assert records_of(api, count["id"]) == []
    # A finished line shows what moved between its count and the finish, whatever moves later.
    put_stock(api, pos, 5)
    assert lines_of(api, count) == [(10, 10, 0, 50)]


def test_a_take_between_counting_and_finishing_is_kept_and_the_difference_posted(api):
    pos = api.stock_position()
    put_stock(api, pos, 10)
    count = open_count(api, pos)
    assert count_line(api, count, counted(pos, 7)) == (7, 10, -3, 0)
    put_stock(api, pos, -2)
    assert lines_of(api, count) == [(7, 10, -3, -2)]

    finish(api, count)

    assert [(r["amount"], r["referenceType"]) for r in records_of(api, count["id"])] == [(-3, "INVENTORY_WRITE_OFF")]
    assert amount(api, pos) == 5
    put_stock(api, pos, -1)
    assert lines_of(api, count) == [(7, 10, -3, -2)]


def test_a_finish_that_would_take_what_was_taken_since_is_refused(api):
    pos = api.stock_position()
    put_stock(api, pos, 10)
    count = open_count(api, pos)
    count_line(api, count, counted(pos, 2))
    put_stock(api, pos, -9)

    response = api.put(f"/stocktaking/{count['id']}", json={"finished": True})

    assert response.status_code == 409
    assert response.get_json()["message"] == (
        f"The count cannot be finished: Bin {pos['bin']['id']} holds 1 of product {pos['product']['id']} "
        f"batch {pos['batch']['id']}; cannot take 8."
    )
    assert api.get(f"/stocktaking/{count['id']}").get_json()["finished"] is False
    assert amount(api, pos) == 1


def test_uncounted_batches_are_left_alone(api):
    pos = api.stock_position()
    other = api.batch(pos["product"]["id"])
    put_stock(api, pos, 4)
    put_stock(api, pos, 6, other)
    count = open_count(api, pos)
    count_line(api, count, counted(pos, 1))
    put_stock(api, pos, 3, other)
    finish(api, count)
    row = api.inventory(pos["bin"]["id"], pos["product"]["id"])
    assert sorted((b["batchId"], b["amount"]) for b in row["batches"]) == sorted(
        [(pos["batch"]["id"], 1), (other["id"], 9)]
    )


def test_a_bin_being_counted_cannot_move_to_another_warehouse(api):
    bin_ = api.bin()
    elsewhere = api.warehouse()
    count = api.create("/stocktaking", {"binId": bin_["id"]})

    response = api.put(f"/bin/{bin_['id']}", json={"warehouseId": elsewhere["id"]})

    assert response.status_code == 409
    assert response.get_json() == {
        "code": 409,
        "status": "Conflict",
        "message": f"Bin {bin_['id']} is being counted (stocktaking {count['id']}) and cannot move to another "
        "warehouse.",
        "errors": {"warehouseId": [f"Stocktaking {count['id']} is open."]},
    }
    assert api.get(f"/bin/{bin_['id']}").get_json()["warehouseId"] == bin_["warehouseId"]
    # Other edits of the bin are fine while it is counted.
    assert api.put(f"/bin/{bin_['id']}", json={"code": "MOVED-NOT"}).status_code == 200
    finish(api, count)
    moved = api.put(f"/bin/{bin_['id']}", json={"warehouseId": elsewhere["id"]})
    assert moved.status_code == 200 and moved.get_json()["warehouseId"] == elsewhere["id"]
