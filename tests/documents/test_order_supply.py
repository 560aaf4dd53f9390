"""Waiting for supply in the domain: the lines' ``waiting`` mark through every step, the re-check reading only the
orders waiting for products that can be served, a partial release, and the lock order between a count and the
order writers (documents before bins) on PostgreSQL."""

import threading
import time

import pytest
from sqlalchemy import select

from wms_service.auth.models import Tenant, User
from wms_service.db import new_session
from wms_service.documents import order_supply, order_update, orders, stocktaking
from wms_service.documents.order_models import Order, OrderLine
from wms_service.documents.order_models import OrderStatus as S
from wms_service.stock import reservations
from wms_service.stock.ledger import Line
from wms_service.stock.models import Bin

from .test_orders import add, clean, placed


def marks(world, *orders_):
    """Each line's waiting mark, and what it should be: its order waits and it is not fully reserved."""
    ids = [o.id for o in orders_]
    held = orders.reserved_per_line(world.db, tenant_id=world.tenant.id, order_ids=ids)
    status = {o.id: o.status for o in orders_}
    rows = world.db.scalars(select(OrderLine).where(OrderLine.order_id.in_(ids)).order_by(OrderLine.id))
    return [
        (row.waiting, status[row.order_id] == S.WAITING_FOR_SUPPLY and held.get(row.id, 0) < row.quantity)
        for row in rows
    ]


def assert_marks(world, *orders_):
    world.db.expire_all()
    pairs = marks(world, *orders_)
    assert [mark for mark, _ in pairs] == [should for _, should in pairs]
    return [mark for mark, _ in pairs]


def recheck(world, **kwargs):
    return order_supply.recheck(world.db, tenant=world.tenant, user=world.user, **kwargs)


@pytest.fixture
def stock(world):
    bin_, product, batch = world.position()
    world.post(Line(bin_.id, product.id, batch.id, 5))
    return bin_, product, batch


def test_the_waiting_mark_follows_add_recheck_count_update_and_cancel(world, stock):
    bin_, product, batch = stock
    other = world.product()
    a = add(world, (product, 4), (other, 1))  # product: full; other: none at all
    b = add(world, (product, 3))  # 1 of 3
    assert assert_marks(world, a, b) == [False, True, True]
    world.post(Line(bin_.id, product.id, batch.id, 2))
    assert recheck(world) == [b]
    assert assert_marks(world, a, b) == [False, True, False]
    # A count finds 6 of 7: b's newest reservation is cut, b waits again and its line is marked.
    (count,) = stocktaking.create(world.db, tenant=world.tenant, user=world.user, items=[{"bin_id": bin_.id}])
    line = {"product_id": product.id, "batch_id": batch.id, "counted_quantity": 6}
    stocktaking.set_counts(world.db, tenant=world.tenant, user=world.user, count=count, lines=[line])
    stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count)
    assert (a.status, b.status) == (S.WAITING_FOR_SUPPLY, S.WAITING_FOR_SUPPLY)
    assert assert_marks(world, a, b) == [False, True, True]
    # b asks for 2 instead of 3: it has them, so it is ready and no longer marked.
    (line_b,) = orders.lines_of(world.db, [b.id])
    fields = {"lines": [{"order_product_id": line_b.id, "quantity": 2}]}
    order_update.update(world.db, tenant=world.tenant, user=world.user, orders=[b], fields=fields)
    assert b.status == S.READY_FOR_PICKING
    assert assert_marks(world, a, b) == [False, True, False]
    orders.set_status(world.db, tenant=world.tenant, user=world.user, order=a, status=S.CANCELLED)
    assert assert_marks(world, a, b) == [False, False, False]
    assert clean(world) == []


def test_the_recheck_serves_only_the_orders_waiting_for_products_that_can_be_served(world, stock, monkeypatch):
    bin_, product, batch = stock
    starved, served = world.product(), world.product()
    served_batch = world.batch(served)
    hungry = [add(world, (starved, 1)) for _ in range(6)]  # nobody receives this product
    mixed = add(world, (product, 5), (served, 2))  # gets the 5 at add, waits for `served`
    waiting = [add(world, (served, 1)) for _ in range(3)]
    locked = []
    real_lock = orders.lock
    monkeypatch.setattr(
        orders, "lock", lambda db, t, ids, **kw: locked.append(sorted(ids)) or real_lock(db, t, ids, **kw)
    )
    # No stock for anyone: nothing is locked, nothing read beyond the marks.
    assert recheck(world) == [] and locked == []
    world.post(Line(bin_.id, served.id, served_batch.id, 3))
    # The receipt names its product: only its waiting orders are locked, oldest served first.
    assert recheck(world, product_ids=[served.id]) == [mixed, waiting[0]]
    assert locked == [sorted(o.id for o in (mixed, *waiting))]
    assert [o.status for o in waiting] == [S.READY_FOR_PICKING, S.WAITING_FOR_SUPPLY, S.WAITING_FOR_SUPPLY]
    # Without products it finds the products with waiting lines and free stock itself: none left now.
    locked.clear()
    assert recheck(world) == [] and locked == []
    world.post(Line(bin_.id, served.id, served_batch.id, 1))
    assert recheck(world) == [waiting[1]]
    assert locked == [sorted(o.id for o in waiting[1:])]
    assert all(o.status == S.WAITING_FOR_SUPPLY for o in hungry)
    assert assert_marks(world, *hungry, mixed, *waiting)
    assert clean(world) == []


def test_a_partial_release_gives_back_the_newest_reservations_first(world, stock):
    bin_, product, batch = stock
    there = world.bin(bin_order=9)
    world.post(Line(there.id, product.id, batch.id, 4))
    order = add(world, (product, 8))  # 5 from bin_, then 3 from `there`
    assert placed(world, order) == sorted([(bin_.id, batch.id, 5), (there.id, batch.id, 3)])
    (line,) = orders.lines_of(world.db, [order.id])
    ref = orders.reference(order)
    assert reservations.release(world.db, tenant=world.tenant, reference=ref, line_id=line.id, quantity=4) == 4
    assert placed(world, order) == [(bin_.id, batch.id, 4)]
    assert (world.reserved(bin_, batch), world.reserved(there, batch)) == (4, 0)
    with pytest.raises(ValueError):
        reservations.release(world.db, tenant=world.tenant, reference=ref, quantity=1)
    assert clean(world) == []


# --- the lock order on PostgreSQL -------------------------------------------------------------------------------


def test_a_count_waits_for_an_order_being_changed_before_it_takes_the_bin(app, database_url, make_api):
    """A writer of an order locks it, then its bins; a count locks the orders holding its bin's reservations, then
    the bin. Here the order is held first: the count must wait for it without taking the bin, so the order's
    writer can still take the bin (before the fix the count held the bin and the two waited on each other)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    api = make_api()
    pos = api.stock_position()
    assert api.record(pos, 5).status_code == 201
    setup = new_session(app, write=True)
    tenant = setup.scalar(select(Tenant).where(Tenant.code == api.tenant_code))
    user = setup.get(User, api.user_id)
    values = {
        "external_order_id": "LOCKS-1",
        "warehouse_id": pos["bin"]["warehouseId"],
        "lines": [{"product_id": pos["product"]["id"], "quantity": 3}],
    }
    order_id = orders.add(setup, tenant=tenant, user=user, values=values).order.id
    (count,) = stocktaking.create(setup, tenant=tenant, user=user, items=[{"bin_id": pos["bin"]["id"]}])
    counted = {"product_id": pos["product"]["id"], "batch_id": pos["batch"]["id"], "counted_quantity": 1}
    stocktaking.set_counts(setup, tenant=tenant, user=user, count=count, lines=[counted])
    count_id, tenant_id, user_id = count.id, tenant.id, user.id
    setup.commit()
    setup.close()

    writer = new_session(app, write=True)
    (held,) = orders.lock(writer, tenant_id, [order_id])
    outcome = {}

    def finish():
        counter = new_session(app, write=True)
        try:
            tenant_ = counter.get(Tenant, tenant_id)
            c = stocktaking.get(counter, tenant=tenant_, stocktaking_id=count_id, lock=True)
            stocktaking.finish(counter, tenant=tenant_, user=counter.get(User, user_id), count=c)
            counter.commit()
            outcome["finished"] = True
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome["error"] = exc
            counter.rollback()
        finally:
            counter.close()

    thread = threading.Thread(target=finish)
    thread.start()
    time.sleep(1.0)  # the count is now waiting for the order
    assert thread.is_alive()
    # The bin is still free: the count did not take it before the order.
    assert writer.execute(
        select(Bin.id).where(Bin.id == pos["bin"]["id"]).with_for_update(key_share=True, nowait=True)
    ).all()
    writer.commit()
    writer.close()
    thread.join(30)
    assert outcome == {"finished": True}
    check = new_session(app)
    try:
        order = check.get(Order, order_id)
        assert order.status == S.WAITING_FOR_SUPPLY  # 1 counted of 5: the order's 3 were cut to 1
    finally:
        check.close()
