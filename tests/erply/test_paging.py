"""Paging of lists: page/pageSize from the start, afterId from a row (keyset), both with an exact X-Total-Count."""

import pytest
from sqlalchemy import event, inspect


@pytest.fixture
def ledger(api):
    """Seven records in one bin (ids ascending), and the second one deleted (so a reversal follows them)."""
    pos = api.stock_position()
    ids = [
        r["id"]
        for r in api.create(
            "/bin-inventory-record",
            [
                {
                    "binId": pos["bin"]["id"],
                    "productId": pos["product"]["id"],
                    "batchId": pos["batch"]["id"],
                    "amount": n,
                }
                for n in range(1, 8)
            ],
        )
    ]
    assert api.delete(f"/bin-inventory-record/{ids[1]}").status_code == 204
    listed = [r["id"] for r in api.get("/bin-inventory-record?pageSize=1000").get_json()]
    assert listed == [i for i in ids if i != ids[1]] + [listed[-1]] and listed[-1] > ids[-1]
    return {"pos": pos, "ids": ids, "listed": listed}


def _page(api, query):
    response = api.get("/bin-inventory-record?" + query)
    assert response.status_code == 200, response.get_json()
    return [r["id"] for r in response.get_json()], int(response.headers["X-Total-Count"])


def test_after_id_walks_the_whole_list_in_order(api, ledger):
    listed, seen, after = ledger["listed"], [], 0
    for _ in range(10):
        ids, total = _page(api, f"pageSize=3&afterId={after}")
        assert total == len(listed)
        if not ids:
            break
        seen += ids
        after = ids[-1]
    assert seen == listed


def test_after_id_descending_walks_backwards(api, ledger):
    listed = ledger["listed"]
    ids, total = _page(api, f"pageSize=2&order=desc&afterId={listed[3]}")
    assert ids == [listed[2], listed[1]]
    assert total == len(listed)


def test_after_id_pages_agree_with_offset_pages(api, ledger):
    listed = ledger["listed"]
    by_offset, _ = _page(api, "pageSize=2&page=2")
    by_key, _ = _page(api, f"pageSize=2&afterId={listed[1]}")
    assert by_offset == by_key == listed[2:4]


def test_after_id_keeps_the_filters_and_hides_deleted(api, ledger):
    ids = ledger["ids"]
    page, total = _page(api, f"pageSize=10&afterId={ids[0]}&binId={ledger['pos']['bin']['id']}")
    assert ids[1] not in page and page[0] == ids[2]
    assert total == len(ledger["listed"])
    page, total = _page(api, f"pageSize=10&afterId={ids[0]}&includeDeleted=true")
    assert page[0] == ids[1] and total == len(ledger["listed"]) + 1


def test_after_id_past_the_end_is_an_empty_page_with_the_total(api, ledger):
    assert _page(api, f"afterId={ledger['listed'][-1]}") == ([], len(ledger["listed"]))


def test_after_id_works_on_every_list(api):
    bins = [api.bin()["id"] for _ in range(3)]
    response = api.get(f"/v1/bin?afterId={bins[0]}&pageSize=1")
    assert response.status_code == 200
    assert [b["id"] for b in response.get_json()] == [bins[1]]


@pytest.mark.parametrize(
    "query, field",
    [
        ("afterId=-1", "afterId"),
        ("afterId=x", "afterId"),
        ("afterId=3&page=2", "page"),
    ],
)
def test_bad_after_id_is_a_400_naming_the_field(api, query, field):
    response = api.get("/bin-inventory-record?" + query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == 400 and field in body["errors"]


def test_after_id_with_page_one_is_allowed(api, ledger):
    ids, _ = _page(api, f"page=1&pageSize=1&afterId={ledger['listed'][0]}")
    assert ids == [ledger["listed"][1]]


def test_bin_filter_lists_only_the_tenants_own_bins(api, make_api, ledger):
    other = make_api()
    theirs = other.stock_position()
    assert other.record(theirs, 5).status_code == 201
    mine = ledger["pos"]["bin"]["id"]
    assert _page(api, f"binId={theirs['bin']['id']}") == ([], 0)
    ids, total = _page(api, f"binId={theirs['bin']['id']},{mine}&pageSize=100")
    assert ids == ledger["listed"] and total == len(ledger["listed"])


def _record_plans(app, api, query):
    """SQLite's plan of each statement on the ledger that listing ``query`` runs."""
    engine = app.extensions["wms_engine"]
    seen = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if "FROM bin_inventory_record" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        _page(api, query)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn:
        return [[row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p)] for s, p in seen]


@pytest.mark.parametrize(
    "query",
    ["pageSize=100", "pageSize=100&order=desc", "pageSize=2&afterId={after}", "pageSize=2&order=desc&afterId={after}"],
)
def test_one_bins_page_is_read_from_the_bin_index_in_id_order(app, api, ledger, query):
    """The page stops after pageSize rows instead of reading and sorting the bin's whole history."""
    if app.extensions["wms_engine"].dialect.name != "sqlite":
        pytest.skip("plans are asserted on SQLite; PostgreSQL has the same index (test below)")
    query = query.format(after=ledger["ids"][3]) + f"&binId={ledger['pos']['bin']['id']}"
    [plan] = _record_plans(app, api, query)
    assert any("USING INDEX ix_bin_inventory_record_bin_id (bin_id=?" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_several_bins_read_only_their_records(app, api, ledger):
    if app.extensions["wms_engine"].dialect.name != "sqlite":
        pytest.skip("plans are asserted on SQLite")
    other = api.stock_position()
    [plan] = _record_plans(app, api, f"binId={ledger['pos']['bin']['id']},{other['bin']['id']}")
    assert any("USING INDEX ix_bin_inventory_record_bin_id (bin_id=?" in step for step in plan), plan
    assert not any(step.startswith("SCAN bin_inventory_record") for step in plan), plan


def test_the_ledger_is_indexed_by_bin_and_id(app):
    indexes = {
        i["name"]: i["column_names"] for i in inspect(app.extensions["wms_engine"]).get_indexes("bin_inventory_record")
    }
    assert indexes["ix_bin_inventory_record_bin_id"] == ["bin_id", "id"]
    assert "ix_bin_inventory_record_position" not in indexes


def test_an_id_list_names_each_id_once():
    # A repeated id would turn a one-bin record listing into the several-bins query plan.
    from wms_service.erply.common import IdList

    assert IdList().deserialize("7,3,7,3,9") == [7, 3, 9]
