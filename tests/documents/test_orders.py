"""Orders as plain functions: add reserves (ready or waiting), the status table, picking posts through the ledger,
cancel and delete release, the re-check after a receipt, and a count that takes an order's stock."""

import pytest
from sqlalchemy import func, select

from wms_service.catalog.models import Company
from wms_service.documents import order_supply, orders, stocktaking
from wms_service.documents.order_models import Order, OrderLine
from wms_service.documents.order_models import OrderStatus as S
from wms_service.errors import Conflict, NotFound
from wms_service.stock import proof, reservations
from wms_service.stock.ledger import Line
from wms_service.stock.models import BinInventoryRecord

from ..conftest import unique_code


def add(world, *lines, **header):
    """An order of ``lines`` (product, quantity[, bin]) in the world's warehouse."""
    values = {
        "external_order_id": unique_code("O"),
        "warehouse_id": world.warehouse.id,
        "lines": [
            {"product_id": p.id, "quantity": q, "location_code": rest[0].code if rest else None}
            for p, q, *rest in lines
        ],
        **header,
    }
    return orders.add(world.db, tenant=world.tenant, user=world.user, values=values).order


def placed(world, order):
    """The order's reservations as (bin, batch, quantity)."""
    rows = reservations.of(world.db, tenant=world.tenant, reference=orders.reference(order))
    return sorted((row.bin_id, row.batch_id, row.quantity) for row in rows)


def move(world, order, status, **kwargs):
    return orders.set_status(world.db, tenant=world.tenant, user=world.user, order=order, status=status, **kwargs)


def clean(world):
    return [m for m in proof.verify(world.db) if m.tenant_id == world.tenant.id]


@pytest.fixture
def stock(world):
    """5 units of a product in one bin."""
    bin_, product, batch = world.position()
    world.post(Line(bin_.id, product.id, batch.id, 5))
    return bin_, product, batch


def test_an_order_that_gets_every_unit_is_ready(world, stock):
    bin_, product, batch = stock
    order = add(world, (product, 3))
    assert order.status == S.READY_FOR_PICKING
    assert placed(world, order) == [(bin_.id, batch.id, 3)]
    assert (world.level(bin_, batch), world.reserved(bin_, batch)) == (5, 3)


def test_an_order_short_of_stock_waits_and_keeps_what_it_got(world, stock):
    bin_, product, batch = stock
    other = world.product()
    order = add(world, (product, 7), (other, 1))
    assert order.status == S.WAITING_FOR_SUPPLY
    assert placed(world, order) == [(bin_.id, batch.id, 5)]
    line_ids = [line.id for line in orders.lines_of(world.db, [order.id])]
    assert orders.reserved_per_line(world.db, tenant_id=world.tenant.id, order_ids=[order.id]) == {line_ids[0]: 5}


def test_a_line_naming_a_location_reserves_only_there(world, stock):
    bin_, product, batch = stock
    there = world.bin(bin_order=9)  # after bin_ in allocation order
    world.post(Line(there.id, product.id, batch.id, 2))
    order = add(world, (product, 2, there))
    assert (order.status, placed(world, order)) == (S.READY_FOR_PICKING, [(there.id, batch.id, 2)])
    short = add(world, (product, 3, there))  # 0 free there, though bin_ has 5
    assert (short.status, placed(world, short)) == (S.WAITING_FOR_SUPPLY, [])
    with pytest.raises(NotFound):
        add(world, (product, 1, world.bin(warehouse_id=world.other_warehouse().id)))


def test_the_external_order_id_is_unique_and_a_second_add_makes_nothing(world, stock):
    _bin, product, _batch = stock
    first = add(world, (product, 2), external_order_id="WEB-1")
    with pytest.raises(Conflict) as caught:
        add(world, (product, 2), external_order_id="WEB-1")
    assert caught.value.message == f"Order {first.id} already has externalOrderId 'WEB-1'."
    counted = world.db.scalar(select(func.count()).where(Order.tenant_id == world.tenant.id))
    assert counted == 1
    assert world.db.scalar(select(func.count()).where(OrderLine.tenant_id == world.tenant.id)) == 1


def test_the_company_is_matched_by_cui_or_external_reference_or_made(world, stock):
    _bin, product, _batch = stock
    made = add(world, (product, 1), company={"name": "Client SRL", "cui": "RO1"})
    again = add(world, (product, 1), company={"name": "Other name", "cui": "RO1"})
    by_ref = add(world, (product, 1), company={"name": "Ref SRL", "external_reference": "C-9"})
    by_ref_again = add(world, (product, 1), company={"name": "Ref SRL", "external_reference": "C-9"})
    assert made.company_id == again.company_id and by_ref.company_id == by_ref_again.company_id
    companies = world.db.scalars(select(Company).where(Company.tenant_id == world.tenant.id).order_by(Company.id))
    assert [(c.name, c.cui, c.external_reference) for c in companies] == [
        ("Client SRL", "RO1", None),
        ("Ref SRL", None, "C-9"),
    ]


def test_picking_posts_sales_records_from_the_reserved_bins_and_the_proof_agrees(world, stock):
    bin_, product, batch = stock
    order = add(world, (product, 3))
    move(world, order, S.PICKING)
    assert order.picker_id == world.user.id
    move(world, order, S.PICKED)
    records = world.db.scalars(
        select(BinInventoryRecord).where(BinInventoryRecord.tenant_id == world.tenant.id, BinInventoryRecord.amount < 0)
    ).all()
    assert [(r.bin_id, r.batch_id, r.amount, r.reference_type, r.reference_id, r.record_type) for r in records] == [
        (bin_.id, batch.id, -3, "SALES_DOCUMENT", order.id, "ORDER")
    ]
    assert (world.level(bin_, batch), world.reserved(bin_, batch), placed(world, order)) == (2, 0, [])
    assert clean(world) == []
    with pytest.raises(Conflict, match=f"Order {order.id} is picked and cannot be changed"):
        orders.delete(world.db, tenant=world.tenant, orders=[order])
    with pytest.raises(Conflict, match=f"Order {order.id} is picked and cannot become cancelled"):
        move(world, order, S.CANCELLED)
    with pytest.raises(Conflict, match="does not require validation"):
        move(world, order, S.VALIDATED)
    with pytest.raises(Conflict, match="without an awbExternalLink"):
        move(world, order, S.SHIPPED)
    move(world, order, S.SHIPPED, awb_external_link="https://carrier.example/awb/1")
    move(world, order, S.DELIVERED)
    assert (order.status, order.awb_external_link) == (S.DELIVERED, "https://carrier.example/awb/1")
    with pytest.raises(Conflict, match=f"Order {order.id} is delivered and cannot be changed"):
        move(world, order, S.CANCELLED)


def test_an_order_that_requires_validation_is_validated_before_it_ships(world, stock):
    _bin, product, _batch = stock
    order = add(world, (product, 1), requires_validation=True, awb_external_link="https://carrier.example/a")
    move(world, order, S.PICKING)
    move(world, order, S.PICKED)
    with pytest.raises(Conflict, match="must be validated before it is shipped"):
        move(world, order, S.SHIPPED)
    move(world, order, S.VALIDATED)
    move(world, order, S.SHIPPED)
    with pytest.raises(Conflict, match=f"Order {order.id} is shipped and cannot become validated"):
        move(world, order, S.VALIDATED)


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        (S.WAITING_FOR_SUPPLY, S.PICKING, "is waiting for supply and cannot become picking"),
        (S.WAITING_FOR_SUPPLY, S.READY_FOR_PICKING, "is waiting for supply; ready for picking is reached by itself"),
        (S.READY_FOR_PICKING, S.PICKED, "is ready for picking and cannot become picked"),
        (S.READY_FOR_PICKING, S.WAITING_FOR_SUPPLY, "is ready for picking; waiting for supply is reached by itself"),
        (S.READY_FOR_PICKING, S.SHIPPED, "is ready for picking and cannot become shipped"),
    ],
)
def test_refused_moves_name_the_current_status_and_change_nothing(world, stock, start, to, message):
    _bin, product, _batch = stock
    order = add(world, (product, 1 if start == S.READY_FOR_PICKING else 9))
    assert order.status == start
    before = placed(world, order)
    with pytest.raises(Conflict, match=f"Order {order.id} {message}"):
        move(world, order, to)
    assert (order.status, placed(world, order)) == (start, before)


def test_cancel_and_delete_release_everything(world, stock):
    bin_, product, batch = stock
    cancelled, deleted, picking = add(world, (product, 2)), add(world, (product, 1)), add(world, (product, 2))
    assert world.reserved(bin_, batch) == 5
    move(world, cancelled, S.CANCELLED)
    assert (placed(world, cancelled), world.reserved(bin_, batch)) == ([], 3)
    move(world, picking, S.PICKING)
    assert orders.delete(world.db, tenant=world.tenant, orders=[deleted, picking]) == [deleted.id, picking.id]
    assert world.reserved(bin_, batch) == 0
    assert world.db.scalar(select(func.count()).where(Order.tenant_id == world.tenant.id)) == 1
    assert clean(world) == []


def test_the_recheck_makes_waiting_orders_ready_oldest_first_after_a_receipt(world, stock):
    bin_, product, batch = stock
    ready = add(world, (product, 5))
    older, newer = add(world, (product, 2)), add(world, (product, 2))
    starved = add(world, (world.product(), 1))  # waits for a product nobody receives
    assert [o.status for o in (ready, older, newer, starved)] == [S.READY_FOR_PICKING] + [S.WAITING_FOR_SUPPLY] * 3
    assert order_supply.recheck(world.db, tenant=world.tenant, user=world.user) == []
    world.post(Line(bin_.id, product.id, batch.id, 3))  # enough for the older one only
    assert order_supply.recheck(world.db, tenant=world.tenant, user=world.user) == [older]
    assert [o.status for o in (older, newer, starved)] == [
        S.READY_FOR_PICKING,
        S.WAITING_FOR_SUPPLY,
        S.WAITING_FOR_SUPPLY,
    ]
    assert placed(world, newer) == [(bin_.id, batch.id, 1)]  # the rest, kept
    world.post(Line(bin_.id, product.id, batch.id, 1))
    assert order_supply.recheck(world.db, tenant=world.tenant, user=world.user) == [newer]
    assert (world.level(bin_, batch), world.reserved(bin_, batch)) == (9, 9)
    assert clean(world) == []


def test_a_count_that_takes_an_orders_stock_sends_it_back_to_waiting(world, stock):
    bin_, product, batch = stock
    older = add(world, (product, 3))
    newer = add(world, (product, 2))
    spare = add(world, (world.product(), 1))  # waiting already, for another product: stays as it is
    (count,) = stocktaking.create(world.db, tenant=world.tenant, user=world.user, items=[{"bin_id": bin_.id}])
    line = {"product_id": product.id, "batch_id": batch.id, "counted_quantity": 4}
    stocktaking.set_counts(world.db, tenant=world.tenant, user=world.user, count=count, lines=[line])
    stocktaking.finish(world.db, tenant=world.tenant, user=world.user, count=count)  # 4 found of 5: 1 too few
    # The newest reservation gives way first: the older order keeps all of its 3.
    assert (older.status, placed(world, older)) == (S.READY_FOR_PICKING, [(bin_.id, batch.id, 3)])
    assert (newer.status, placed(world, newer)) == (S.WAITING_FOR_SUPPLY, [(bin_.id, batch.id, 1)])
    assert spare.status == S.WAITING_FOR_SUPPLY
    assert clean(world) == []
    world.post(Line(bin_.id, product.id, batch.id, 1))
    assert order_supply.recheck(world.db, tenant=world.tenant, user=world.user) == [newer]
