"""The bins' record counters: X-Total-Count of the record listing is summed from them, so it must stay exact.

Every check pages through the listing with afterId and compares the header with the rows actually listed.
"""

from sqlalchemy import update

from wms_service.stock import ledger, proof
from wms_service.stock.ledger import Line
from wms_service.stock.models import Bin


def listed(api, query=""):
    """(X-Total-Count of the first page, every row listed when paging through all of them with afterId)."""
    rows, after, header = [], None, None
    while True:
        path = f"/bin-inventory-record?pageSize=2{'&' + query if query else ''}"
        response = api.get(path + (f"&afterId={after}" if after else ""))
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        total = int(response.headers["X-Total-Count"])
        header = total if header is None else header
        assert total == header  # the total does not depend on where the page starts
        if not page:
            return header, rows
        rows += page
        after = page[-1]["id"]


def assert_exact(api, query=""):
    header, rows = listed(api, query)
    assert header == len(rows), query
    return rows


def put(api, pos, amount, batch=None):
    body = {
        "binId": pos["bin"]["id"],
        "productId": pos["product"]["id"],
        "batchId": (batch or pos["batch"])["id"],
        "amount": amount,
    }
    return api.create("/bin-inventory-record", body)


def test_the_total_is_exact_after_posts_reversals_and_stocktakings(api):
    a, b, c = (api.stock_position() for _ in range(3))
    assert assert_exact(api) == []
    put(api, a, 5)
    put(api, b, 3)
    # A list over several bins, two lines in one of them.
    api.create(
        "/bin-inventory-record",
        [
            {"binId": p["bin"]["id"], "productId": p["product"]["id"], "batchId": p["batch"]["id"], "amount": n}
            for p, n in ((a, 2), (b, 4), (c, 7), (c, 1))
        ],
    )
    deleted = put(api, c, 6)
    assert api.delete(f"/bin-inventory-record/{deleted['id']}").status_code == 204
    count = api.create("/stocktaking", {"binId": a["bin"]["id"]})
    line = {"productId": a["product"]["id"], "batchId": a["batch"]["id"], "countedQuantity": 1}
    assert api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=line).status_code == 200
    assert api.put(f"/stocktaking/{count['id']}", json={"finished": True}).status_code == 200

    ids = {name: p["bin"]["id"] for name, p in (("a", a), ("b", b), ("c", c))}
    # a: 5, 2, the stocktaking's -6; b: 3, 4; c: 7, 1, 6 and its reversal (6 hidden, the reversal shown).
    visible = assert_exact(api)
    assert len(visible) == 3 + 2 + 3 and deleted["id"] not in {r["id"] for r in visible}
    everything = assert_exact(api, "includeDeleted=true")
    assert len(everything) == 3 + 2 + 4 and deleted["id"] in {r["id"] for r in everything}
    for name, visible_n, all_n in (("a", 3, 3), ("b", 2, 2), ("c", 3, 4)):
        assert len(assert_exact(api, f"binId={ids[name]}")) == visible_n
        assert len(assert_exact(api, f"binId={ids[name]}&includeDeleted=true")) == all_n
    assert len(assert_exact(api, f"binId={ids['a']},{ids['c']}")) == 6
    assert len(assert_exact(api, f"binId={ids['b']},{ids['c']}&includeDeleted=true&order=DESC")) == 6
    # Other filters still count exactly.
    assert len(assert_exact(api, f"productId={c['product']['id']}")) == 3
    assert len(assert_exact(api, f"binId={ids['c']}&productId={a['product']['id']}")) == 0


def test_a_tenant_never_counts_another_tenants_records(api, make_api):
    stranger = make_api()
    theirs = stranger.stock_position()
    for amount in (1, 2, 3):
        put(stranger, theirs, amount)
    mine = api.stock_position()
    put(api, mine, 4)

    assert len(assert_exact(api)) == 1
    assert len(assert_exact(api, "includeDeleted=true")) == 1
    # Naming the other tenant's bin selects nothing of it.
    assert listed(api, f"binId={theirs['bin']['id']}") == (0, [])
    assert len(assert_exact(api, f"binId={theirs['bin']['id']},{mine['bin']['id']}")) == 1
    assert len(assert_exact(stranger)) == 3


def counter_mismatches(world):
    return [
        (m.bin_id, m.counter, m.ledger, m.projection)
        for m in proof.verify(world.db)
        if m.tenant_id == world.tenant.id and m.counter
    ]


def test_the_counters_follow_posts_and_reversals(world):
    bin_, product, batch = world.position()
    other, other_product, other_batch = world.position()
    first, *_ = world.post(
        Line(bin_.id, product.id, batch.id, 4),
        Line(bin_.id, product.id, batch.id, 1),
        Line(other.id, other_product.id, other_batch.id, 2),
    )
    ledger.reverse(world.db, tenant=world.tenant, user=world.user, record_id=first.id)
    world.db.flush()
    for b in (bin_, other):
        world.db.refresh(b)
    # 4 (reversed), 1, and the reversal of 4, which the listing shows.
    assert (bin_.record_count, bin_.visible_record_count) == (3, 2)
    assert (other.record_count, other.visible_record_count) == (1, 1)
    assert counter_mismatches(world) == []


def test_verify_reports_a_tampered_counter_and_rebuild_fixes_it(world):
    bin_, product, batch = world.position()
    world.post(Line(bin_.id, product.id, batch.id, 4), Line(bin_.id, product.id, batch.id, 1))
    world.db.execute(update(Bin).where(Bin.id == bin_.id).values(record_count=7))
    assert counter_mismatches(world) == [(bin_.id, "record_count", 2, 7)]
    world.db.execute(update(Bin).where(Bin.id == bin_.id).values(visible_record_count=0))
    assert counter_mismatches(world) == [(bin_.id, "record_count", 2, 7), (bin_.id, "visible_record_count", 2, 0)]

    assert proof.rebuild(world.db) >= 2
    assert [m for m in proof.verify(world.db) if m.tenant_id == world.tenant.id] == []
    world.db.refresh(bin_)
    assert (bin_.record_count, bin_.visible_record_count) == (2, 2)
