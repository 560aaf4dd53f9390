"""Stocktaking as plain functions: open, set counts, compare with the ledger, finish, and the rules around them."""

import pytest
from sqlalchemy import select

from tests.conftest import listed
from wms_service.documents import stocktaking
from wms_service.documents.models import StocktakingRecord
from wms_service.errors import BinCapacityExceeded, Conflict, NotFound, ValidationFailed
from wms_service.stock.ledger import Line
from wms_service.stock.models import BinInventoryRecord


def open_count(world, bin_):
    (count,) = stocktaking.create(world.db, tenant=world.tenant, user=world.user, items=[{"bin_id": bin_.id}])
    return count


def set_counts(world, count, *lines):
    items = [{"product_id": p.id, "batch_id": b.id, "counted_quantity": q} for p, b, q in lines]
    return stocktaking.set_counts(world.db, tenant=world.tenant, user=world.user, count=count, lines=items)


def moved(world, count, lines):
    return stocktaking.moved_since_count(world.db, count=count, lines=lines)


def posted(world, count):
    return world.db.scalars(
        select(BinInventoryRecord)
        .where(BinInventoryRecord.reference_id == count.id, BinInventoryRecord.tenant_id == world.tenant.id)
        .order_by(BinInventoryRecord.id)
    ).all()


def test_a_count_belongs_to_its_bin_warehouse_and_user(world):
    bin_ = world.bin()
    count = open_count(world, bin_)
    assert (count.tenant_id, count.bin_id, count.warehouse_id, count.user_id, count.finished, count.finished_at) == (
        world.tenant.id,
        bin_.id,
        world.warehouse.id,
        world.user.id,
        False,
        None,
    )


def test_one_open_count_per_bin_and_only_the_tenants_bins(world, make_world):
    bin_ = world.bin()
    open_count(world, bin_)
    with pytest.raises(Conflict):
        open_count(world, bin_)
    with pytest.raises(Conflict) as caught:
        stocktaking.create(world.db, tenant=world.tenant, user=world.user, items=[{"bin_id": world.bin().id}] * 2)
    assert listed(caught.value) == {"1": {"binId": ["The bin is already being counted."]}}
    stranger = make_world()
    with pytest.raises(NotFound):
        open_count(stranger, bin_)


def test_counts_are_set_not_added(world):
    bin_, product, batch = world.position()
    count = open_count(world, bin_)
    (first,) = set_counts(world, count, (product, batch, 5))
    (again,) = set_counts(world, count, (product, batch, 2))
    assert again.id == first.id and again.counted_quantity == 2
    assert stocktaking.records(world.db, count=count) == [again]


def test_expected_is_frozen_when_counted_and_what_moved_since_is_kept(world):
    bin_, product, batch = world.position()
    key = (product.id, batch.id)
    world.post(Line(bin_.id, product.id, batch.id, 4))
    count = open_count(world, bin_)
    lines = set_counts(world, count, (product, batch, 6))
    assert (lines[0].expected_quantity, lines[0].difference, moved(world, count, lines)) == (4, 2, {key: 0})
    world.post(Line(bin_.id, product.id, batch.id, 1))
    assert (lines[0].expected_quantity, lines[0].difference, moved(world, count, lines)) == (4, 2, {key: 1})
    # Counting the line again freezes it again.
    (again,) = set_counts(world, count, (product, batch, 6))
    assert (again.expected_quantity, again.difference, moved(world, count, [again])) == (5, 1, {key: 0})
    world.post(Line(bin_.id, product.id, batch.id, -3))
    assert moved(world, count, lines) == {key: -3}

    stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count)
    # 6 found where the ledger held 5: +1 posted onto the 2 left after the take.
    assert [r.amount for r in posted(world, count)] == [1]
    assert world.level(bin_, batch) == 3
    world.post(Line(bin_.id, product.id, batch.id, 10))
    assert (lines[0].expected_quantity, lines[0].level_at_finish, moved(world, count, lines)) == (5, 2, {key: -3})


def test_finish_posts_a_record_per_differing_line(world):
    bin_, product, surplus = world.position()
    shortage, exact, uncounted = (world.batch(product) for _ in range(3))
    for batch, amount in ((surplus, 1), (shortage, 9), (exact, 3), (uncounted, 2)):
        world.post(Line(bin_.id, product.id, batch.id, amount))
    count = open_count(world, bin_)
    set_counts(world, count, (product, surplus, 4), (product, shortage, 0), (product, exact, 3))

    stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count)
    assert count.finished is True and count.finished_at == count.changed
    assert [(r.batch_id, r.amount, r.reference_type, r.record_type, r.bin_id) for r in posted(world, count)] == [
        (surplus.id, 3, "INVENTORY_REGISTRATION", "STOCKTAKING", bin_.id),
        (shortage.id, -9, "INVENTORY_WRITE_OFF", "STOCKTAKING", bin_.id),
    ]
    assert [world.level(bin_, b) for b in (surplus, shortage, exact, uncounted)] == [4, 0, 3, 2]


def test_a_count_of_a_batch_the_bin_never_held_registers_it(world):
    bin_, product, batch = world.position()
    count = open_count(world, bin_)
    set_counts(world, count, (product, batch, 7))
    stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count)
    assert [(r.amount, r.reference_type) for r in posted(world, count)] == [(7, "INVENTORY_REGISTRATION")]
    assert world.total(bin_, product) == 7


def test_a_finish_the_stock_rules_refuse_posts_nothing(world):
    bin_, product, batch = world.position(maximum_amount=3)
    count = open_count(world, bin_)
    set_counts(world, count, (product, batch, 4))
    with pytest.raises(BinCapacityExceeded) as caught:
        stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count)
    assert caught.value.errors is None and caught.value.message.startswith("The count cannot be finished: ")
    assert count.finished is False and posted(world, count) == []


def test_a_finished_count_is_final(world):
    bin_, product, batch = world.position()
    count = open_count(world, bin_)
    set_counts(world, count, (product, batch, 1))
    stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count)
    for attempt in (
        lambda: set_counts(world, count, (product, batch, 2)),
        lambda: stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count),
        lambda: stocktaking.delete(world.db, count=count),
    ):
        with pytest.raises(Conflict):
            attempt()
    assert len(posted(world, count)) == 1
    assert [r.counted_quantity for r in stocktaking.records(world.db, count=count)] == [1]
    open_count(world, bin_)  # the bin may be counted again


def test_bad_lines_are_refused_with_the_index_of_a_list_only(world, make_world):
    bin_, product, batch = world.position()
    other_product = world.product()
    _b, their_product, their_batch = make_world().position()
    count = open_count(world, bin_)
    cases = [
        ([(product, batch, 1), (product, batch, 2)], ValidationFailed, {"batchId": ["Duplicate line."]}),
        (
            [(product, batch, 1), (other_product, batch, 1)],
            ValidationFailed,
            {"batchId": ["The batch does not belong to the product."]},
        ),
        (
            [(product, batch, 1), (their_product, their_batch, 1)],
            NotFound,
            {"productId": ["The product does not exist."], "batchId": ["The batch does not exist."]},
        ),
    ]
    for lines, error, errors in cases:
        with pytest.raises(error) as caught:
            set_counts(world, count, *lines)
        assert listed(caught.value) == {"1": errors}
    with pytest.raises(NotFound) as caught:
        set_counts(world, count, (their_product, batch, 1))
    assert caught.value.errors == {"productId": ["The product does not exist."]}
    assert stocktaking.records(world.db, count=count) == []


def test_deleting_an_open_count_removes_its_lines(world):
    bin_, product, batch = world.position()
    count = open_count(world, bin_)
    set_counts(world, count, (product, batch, 1))
    count_id = count.id
    stocktaking.delete(world.db, count=count)
    world.db.expire_all()
    assert world.db.scalars(select(StocktakingRecord).where(StocktakingRecord.stocktaking_id == count_id)).all() == []
    with pytest.raises(NotFound):
        stocktaking.get(world.db, tenant=world.tenant, stocktaking_id=count_id)
