"""Reservations as a service (no HTTP but for the native API's 409): reserve in allocation order, release,
consume, the rule that plain posts take only free stock, counts that overtake reservations, and the proof."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import listed, reserve_for
from wms_service.auth import service as auth
from wms_service.db import new_session
from wms_service.errors import InsufficientStock, NotFound, ValidationFailed
from wms_service.stock import availability, proof, reservations
from wms_service.stock.ledger import Line
from wms_service.stock.models import BinInventoryBatch, BinInventoryRecord, Reservation
from wms_service.stock.references import DocumentKind, Reference

TODAY = date.today()
ORDER_12 = Reference(DocumentKind.ORDER, 12)


def reserve(world, product, quantity, *, reference=ORDER_12, line_id=1, **where):
    return reservations.reserve(
        world.db,
        tenant=world.tenant,
        reference=reference,
        line_id=line_id,
        warehouse_id=where.pop("warehouse_id", world.warehouse.id),
        product_id=product.id,
        quantity=quantity,
        **where,
    )


def placed(world, reference=ORDER_12, line_id=None):
    """The document's reservations as (bin, batch, quantity), in the order they were made."""
    rows = reservations.of(world.db, tenant=world.tenant, reference=reference, line_id=line_id)
    return [(row.bin_id, row.batch_id, row.quantity) for row in rows]


def stocked(world, product, *places):
    """Post ``(bin, batch, amount)`` receipts."""
    world.post(*(Line(bin_.id, product.id, batch.id, amount) for bin_, batch, amount in places))


@pytest.fixture
def shelf(world):
    """One product on many shelves: each tie-breaker of the allocation order has a pair that only it decides."""
    product = world.product()
    a = world.bin()
    preferred = world.bin(preferred=True, bin_order=9)
    g = world.bin()  # same preferred flag and binOrder as a: the bin id decides
    d = world.bin(bin_order=1)
    c = world.bin(bin_order=5)
    inactive = world.bin()  # archived below, once it holds stock (an archived bin takes no new stock)
    elsewhere = world.bin(warehouse_id=world.other_warehouse().id)
    expired = world.batch(product, TODAY - timedelta(days=1))
    today = world.batch(product, TODAY)  # expires today: still good today
    early = world.batch(product, TODAY + timedelta(days=10))
    late = world.batch(product, TODAY + timedelta(days=100))
    undated = world.batch(product)
    stocked(
        world,
        product,
        (a, expired, 50),
        (a, today, 8),
        (a, early, 1),
        (preferred, early, 2),
        (c, early, 3),
        (d, early, 4),
        (g, early, 5),
        (inactive, early, 9),
        (elsewhere, early, 9),
        (a, late, 6),
        (a, undated, 7),
    )
    inactive.active = False
    world.db.flush()
    return locals()


def test_allocation_order_fefo_then_preferred_then_bin_order_then_bin_id(world, shelf):
    s = shelf
    got = reserve(world, s["product"], 40)
    # 36 can be promised: not the expired 50, not the inactive bin's or the other warehouse's 9.
    assert (got.reserved, got.shortfall) == (36, 4)
    assert placed(world) == [
        (s["a"].id, s["today"].id, 8),
        (s["preferred"].id, s["early"].id, 2),
        (s["a"].id, s["early"].id, 1),
        (s["g"].id, s["early"].id, 5),
        (s["d"].id, s["early"].id, 4),
        (s["c"].id, s["early"].id, 3),
        (s["a"].id, s["late"].id, 6),
        (s["a"].id, s["undated"].id, 7),  # no expiry date: last
    ]
    assert world.reserved(s["a"], s["expired"]) == 0
    assert world.reserved(s["inactive"], s["early"]) == 0


def test_a_reservation_takes_the_first_place_and_stops(world, shelf):
    got = reserve(world, shelf["product"], 9)
    assert (got.reserved, got.shortfall) == (9, 0)
    assert placed(world) == [(shelf["a"].id, shelf["today"].id, 8), (shelf["preferred"].id, shelf["early"].id, 1)]


def test_a_named_bin_is_the_only_place(world, shelf):
    s = shelf
    got = reserve(world, s["product"], 20, bin_id=s["a"].id)
    assert (got.reserved, got.shortfall) == (20, 0)
    assert placed(world) == [
        (s["a"].id, s["today"].id, 8),
        (s["a"].id, s["early"].id, 1),
        (s["a"].id, s["late"].id, 6),
        (s["a"].id, s["undated"].id, 5),
    ]
    other = Reference(DocumentKind.ORDER, 13)
    got = reserve(world, s["product"], 5, reference=other, bin_id=s["c"].id)
    assert (got.reserved, got.shortfall) == (3, 2)
    assert placed(world, other) == [(s["c"].id, s["early"].id, 3)]
    # A named batch too: only that batch in that bin.
    third = Reference(DocumentKind.TRANSFER, 4)
    got = reserve(world, s["product"], 5, reference=third, bin_id=s["d"].id, batch_id=s["early"].id)
    assert (got.reserved, got.shortfall, placed(world, third)) == (4, 1, [(s["d"].id, s["early"].id, 4)])
    # A named inactive bin holds nothing that can be promised.
    got = reserve(world, s["product"], 1, reference=third, line_id=2, bin_id=s["inactive"].id)
    assert (got.reserved, got.shortfall) == (0, 1)


def test_a_partial_reserve_keeps_what_it_got_and_the_next_one_finds_less(world):
    bin_, product, batch = world.position()
    stocked(world, product, (bin_, batch, 5))
    assert reserve(world, product, 3) == reservations.Reserved(3, 0)
    later = Reference(DocumentKind.ORDER, 13)
    assert reserve(world, product, 4, reference=later) == reservations.Reserved(2, 2)
    assert reserve(world, product, 1, reference=later, line_id=2) == reservations.Reserved(0, 1)
    assert world.reserved(bin_, batch) == 5 and world.level(bin_, batch) == 5
    # Reserving again for the same line adds to its row.
    stocked(world, product, (bin_, batch, 2))
    assert reserve(world, product, 2) == reservations.Reserved(2, 0)
    assert placed(world) == [(bin_.id, batch.id, 5)]
    free = availability.for_products(world.db, world.tenant.id, [product.id])[product.id]
    assert (free.on_hand, free.reserved, free.free) == (7, 7, 0)


def test_reserve_refuses_bad_input(world, make_world):
    bin_, product, batch = world.position()
    for quantity in (0, -1, 1.5, True):
        with pytest.raises(ValidationFailed) as caught:
            reserve(world, product, quantity)
        assert caught.value.errors == {"quantity": ["Must be a positive integer."]}
    with pytest.raises(ValidationFailed) as caught:
        reserve(world, product, 1, bin_id=world.bin(warehouse_id=world.other_warehouse().id).id)
    assert list(caught.value.errors) == ["binId"]
    with pytest.raises(ValidationFailed) as caught:
        reserve(world, product, 1, batch_id=world.batch(world.product()).id)
    assert list(caught.value.errors) == ["batchId"]
    stranger = make_world()
    with pytest.raises(NotFound) as caught:
        reserve(world, product, 1, warehouse_id=stranger.warehouse.id, bin_id=stranger.bin().id)
    assert sorted(caught.value.errors) == ["binId", "warehouseId"]


def test_several_lines_reserve_in_line_order_under_one_lock(world):
    bin_, product, batch = world.position()
    other_bin, other = world.bin(), world.product()
    other_batch = world.batch(other)
    stocked(world, product, (bin_, batch, 5))
    stocked(world, other, (other_bin, other_batch, 2))
    wants = [
        reservations.LineWant(1, product.id, 3),
        reservations.LineWant(2, other.id, 4),
        reservations.LineWant(3, product.id, 3),  # what line 1 left
    ]
    got = reservations.reserve_lines(
        world.db, tenant=world.tenant, reference=ORDER_12, warehouse_id=world.warehouse.id, lines=wants
    )
    assert got == [reservations.Reserved(3, 0), reservations.Reserved(2, 2), reservations.Reserved(2, 1)]
    assert placed(world) == [(bin_.id, batch.id, 3), (other_bin.id, other_batch.id, 2), (bin_.id, batch.id, 2)]
    with pytest.raises(ValidationFailed) as caught:
        reservations.reserve_lines(
            world.db,
            tenant=world.tenant,
            reference=ORDER_12,
            warehouse_id=world.warehouse.id,
            lines=[reservations.LineWant(4, product.id, 1), reservations.LineWant(5, product.id, 0)],
        )
    assert listed(caught.value) == {"1": {"quantity": ["Must be a positive integer."]}}
    assert world.reserved(bin_, batch) == 5  # nothing of the refused request was kept


def test_release_gives_a_line_or_the_whole_document_back(world):
    bin_, product, batch = world.position()
    stocked(world, product, (bin_, batch, 10))
    reserve(world, product, 3, line_id=1)
    reserve(world, product, 4, line_id=2)
    assert reservations.release(world.db, tenant=world.tenant, reference=ORDER_12, line_id=1) == 3
    assert placed(world) == [(bin_.id, batch.id, 4)] and world.reserved(bin_, batch) == 4
    assert reservations.release(world.db, tenant=world.tenant, reference=ORDER_12) == 4
    assert placed(world) == [] and world.reserved(bin_, batch) == 0
    assert reservations.release(world.db, tenant=world.tenant, reference=ORDER_12) == 0
    assert world.level(bin_, batch) == 10


def test_consume_posts_the_reserved_stock_with_the_documents_reference(world):
    bin_, product, batch = world.position()
    other_bin = world.bin()
    stocked(world, product, (bin_, batch, 3), (other_bin, batch, 5))
    reserve(world, product, 6, line_id=1)
    reserve(world, product, 1, reference=Reference(DocumentKind.ORDER, 13))
    posted = reservations.consume(world.db, tenant=world.tenant, user=world.user, reference=ORDER_12, line_id=1)
    assert [(r.bin_id, r.batch_id, r.amount, r.reference_type, r.reference_id, r.record_type) for r in posted] == [
        (bin_.id, batch.id, -3, "SALES_DOCUMENT", 12, "ORDER"),
        (other_bin.id, batch.id, -3, "SALES_DOCUMENT", 12, "ORDER"),
    ]
    stored = world.db.scalars(
        select(BinInventoryRecord.amount).where(
            BinInventoryRecord.tenant_id == world.tenant.id, BinInventoryRecord.reference_id == 12
        )
    ).all()
    assert sorted(stored) == [-3, -3]
    assert placed(world) == []
    assert (world.level(bin_, batch), world.reserved(bin_, batch)) == (0, 0)
    # Order 13's unit (the next free one, in other_bin) is still held.
    assert (world.level(other_bin, batch), world.reserved(other_bin, batch)) == (2, 1)
    assert reservations.consume(world.db, tenant=world.tenant, user=world.user, reference=ORDER_12) is None


def test_a_plain_post_takes_only_free_stock_and_names_the_holder(world):
    bin_, product, batch = world.position()
    stocked(world, product, (bin_, batch, 10))
    reserve(world, product, 4)
    with pytest.raises(InsufficientStock) as caught:
        world.post(Line(bin_.id, product.id, batch.id, 1), Line(bin_.id, product.id, batch.id, -8))
    assert caught.value.message == (
        f"Bin {bin_.id} holds 11 of product {product.id} batch {batch.id}, 4 of it reserved for Order 12; "
        "cannot take 8."
    )
    assert listed(caught.value) == {"1": {"amount": ["Only 7 free; 4 reserved for Order 12."]}}
    world.post(Line(bin_.id, product.id, batch.id, -6))  # the free 6
    assert (world.level(bin_, batch), world.reserved(bin_, batch)) == (4, 4)
    with pytest.raises(InsufficientStock, match="reserved for Order 12"):
        world.post(Line(bin_.id, product.id, batch.id, -1))


def test_taking_reserved_stock_is_refused_whatever_the_tenant_allows(make_world):
    world = make_world(allow_negative_stock=True)
    bin_, product, batch = world.position()
    stocked(world, product, (bin_, batch, 2))
    reserve(world, product, 1)
    reserve(world, product, 1, reference=Reference(DocumentKind.TRANSFER, 3))
    with pytest.raises(InsufficientStock) as caught:
        world.post(Line(bin_.id, product.id, batch.id, -5))
    assert caught.value.errors == {"amount": ["Only 0 free; 2 reserved for Order 12, Transfer 3."]}
    other = world.batch(product)
    world.post(Line(bin_.id, product.id, other.id, -5))  # nothing reserved there: negative stock as allowed
    assert world.level(bin_, other) == -5


def test_the_native_api_answers_409_naming_the_document(app, api):
    pos = api.stock_position()
    assert api.record(pos, 5).status_code == 201
    reserve_for(
        app, api.tenant_code, warehouse_id=pos["bin"]["warehouseId"], product_id=pos["product"]["id"], quantity=3
    )
    taken = api.record(pos, -3)
    assert taken.status_code == 409
    assert taken.get_json()["message"] == (
        f"Bin {pos['bin']['id']} holds 5 of product {pos['product']['id']} batch {pos['batch']['id']}, "
        "3 of it reserved for Order 12; cannot take 3."
    )
    assert taken.get_json()["errors"] == {"amount": ["Only 2 free; 3 reserved for Order 12."]}
    listed_body = [
        {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "amount": a}
        for a in (-1, -2)
    ]
    response = api.post("/bin-inventory-record", json=listed_body)
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"1": {"amount": ["Only 1 free; 3 reserved for Order 12."]}}
    assert api.record(pos, -2).status_code == 201
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 3


def count(world, bin_, product, batch, amount, count_id=7):
    return world.post(
        Line(bin_.id, product.id, batch.id, amount), reference=Reference(DocumentKind.STOCKTAKING, count_id)
    )


def test_a_count_moves_the_reservation_it_overtakes_to_other_free_stock(world):
    product = world.product()
    counted, spare = world.bin(), world.bin()
    early, late = world.batch(product, TODAY + timedelta(days=5)), world.batch(product, TODAY + timedelta(days=50))
    stocked(world, product, (counted, early, 10), (spare, early, 2), (spare, late, 10))
    old = Reference(DocumentKind.ORDER, 1)
    reserve(world, product, 6, reference=old, bin_id=counted.id)  # older, but named its bin
    reserve(world, product, 4)  # newest: gives way first
    assert placed(world) == [(counted.id, early.id, 4)]
    posted = count(world, counted, product, early, -7)  # 3 found where 10 were: 7 of the 10 reserved do not fit
    # Order 12 (newest) moves its 4 to free stock in allocation order; Order 1 named the bin: cut by 3.
    assert placed(world) == [(spare.id, early.id, 2), (spare.id, late.id, 2)]
    assert placed(world, old) == [(counted.id, early.id, 3)]
    assert posted.shortfalls == [reservations.Shortfall(old, 1, product.id, 3)]
    assert (world.level(counted, early), world.reserved(counted, early)) == (3, 3)
    assert (world.reserved(spare, early), world.reserved(spare, late)) == (2, 2)
    assert [m for m in proof.verify(world.db) if m.tenant_id == world.tenant.id] == []


def test_a_count_hands_the_shortfall_to_the_holders_handler(world, monkeypatch):
    from wms_service.stock import refit

    seen = []
    monkeypatch.setattr(refit, "_handlers", {})
    reservations.on_shortfall(DocumentKind.ORDER, lambda db, shortfalls: seen.append(shortfalls))
    bin_, product, batch = world.position()
    stocked(world, product, (bin_, batch, 5))
    reserve(world, product, 2, line_id=1)
    reserve(world, product, 3, line_id=2)
    posted = count(world, bin_, product, batch, -4)  # 1 left: the newest row (line 2) gives 3, line 1 gives 1
    expected = [reservations.Shortfall(ORDER_12, 2, product.id, 3), reservations.Shortfall(ORDER_12, 1, product.id, 1)]
    assert posted.shortfalls == expected and seen == [expected]
    assert placed(world) == [(bin_.id, batch.id, 1)]
    assert (world.level(bin_, batch), world.reserved(bin_, batch)) == (1, 1)


def test_a_count_finish_through_the_native_api_moves_reservations(app, api):
    pos = api.stock_position()
    spare = api.bin(pos["bin"]["warehouseId"])
    assert api.record(pos, 4).status_code == 201
    assert api.record({**pos, "bin": spare}, 4).status_code == 201
    reserve_for(
        app, api.tenant_code, warehouse_id=pos["bin"]["warehouseId"], product_id=pos["product"]["id"], quantity=4
    )
    counting = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    line = {"productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "countedQuantity": 1}
    assert api.put(f"/stocktaking/{counting['id']}/stocktaking-record", json=[line]).status_code == 200
    assert api.put(f"/stocktaking/{counting['id']}", json={"finished": True}).status_code == 200
    session = new_session(app)
    try:
        tenant = auth.tenant_by_code(session, api.tenant_code)
        rows = reservations.of(session, tenant=tenant, reference=ORDER_12)
        assert [(r.bin_id, r.quantity) for r in rows] == [(pos["bin"]["id"], 1), (spare["id"], 3)]
    finally:
        session.close()


def test_verify_reports_a_broken_invariant_and_rebuild_restores_the_total(world):
    bin_, product, batch = world.position()
    stocked(world, product, (bin_, batch, 5))
    reserve(world, product, 2)

    def broken():
        return [
            (m.bin_id, m.batch_id, m.on_hand, m.reserved, m.reservations, m.problem)
            for m in proof.verify(world.db)
            if m.tenant_id == world.tenant.id
        ]

    assert broken() == []
    tamper = update(BinInventoryBatch).where(BinInventoryBatch.bin_id == bin_.id)
    world.db.execute(tamper.values(reserved=6))
    assert broken() == [(bin_.id, batch.id, 5, 6, 2, "reserved total differs from the sum of the reservations")]
    world.db.execute(tamper.values(reserved=-1))
    assert broken()[0][3:] == (-1, 2, "reserved total differs from the sum of the reservations")
    proof.rebuild(world.db)
    assert broken() == [] and world.reserved(bin_, batch) == 2
    # Reservations above what is on hand (rows changed behind the service's back): rebuild makes them give way as
    # a count does, the newest first; with no other free stock, the excess is cut.
    world.db.execute(update(Reservation).where(Reservation.bin_id == bin_.id).values(quantity=7))
    world.db.execute(tamper.values(reserved=7))
    assert broken() == [(bin_.id, batch.id, 5, 7, 7, "reserved exceeds on hand")]
    proof.rebuild(world.db)
    assert broken() == [] and placed(world) == [(bin_.id, batch.id, 5)] and world.reserved(bin_, batch) == 5


def test_ledger_verify_names_a_reservation_that_does_not_fit_and_rebuild_restores_it(app, api):
    pos = api.stock_position()
    assert api.record(pos, 5).status_code == 201
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "rebuild"]).exit_code == 0  # whatever earlier tests left
    reserve_for(
        app, api.tenant_code, warehouse_id=pos["bin"]["warehouseId"], product_id=pos["product"]["id"], quantity=2
    )
    session = new_session(app, write=True)
    try:
        tenant = auth.tenant_by_code(session, api.tenant_code)
        session.execute(
            update(BinInventoryBatch).where(BinInventoryBatch.bin_id == pos["bin"]["id"]).values(reserved=9)
        )
        session.commit()
    finally:
        session.close()
    try:
        broken = runner.invoke(args=["ledger", "verify"])
        assert broken.exit_code == 1
        assert broken.output == (
            f"MISMATCH tenant={tenant.id} bin={pos['bin']['id']} product={pos['product']['id']} "
            f"batch {pos['batch']['id']}: reserved total differs from the sum of the reservations: "
            "reserved=9 reservations=2 on hand=5\n"
            "ledger verify: 1 difference(s)\n"
        )
    finally:
        fixed = runner.invoke(args=["ledger", "rebuild"])
    assert (fixed.exit_code, fixed.output) == (0, "ledger rebuild: 1 total(s) corrected\n")
    assert runner.invoke(args=["ledger", "verify"]).output == "ledger verify: ok\n"
