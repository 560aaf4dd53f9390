"""Orders waiting for supply: reserving again when stock arrives, and falling back to waiting when a count cuts
a reservation (the handler registered with ``reservations.on_shortfall``, in the count's transaction)."""

from collections.abc import Collection

from sqlalchemy import and_, exists, select, tuple_
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..stock import reservations
from ..stock.models import Bin, BinInventoryBatch
from ..stock.references import DocumentKind
from ..stock.reservations import LineWant, Shortfall
from .order_models import Order, OrderLine
from .order_models import OrderStatus as S
from .orders import lines_of, move, reference, reserved_per_line


def recheck(
    db: Session,
    *,
    tenant: Tenant,
    user: User,
    warehouse_ids: Collection[int] | None = None,
    product_ids: Collection[int] | None = None,
) -> list[Order]:
    """Reserve again for the waiting orders, oldest first (added, then id); answers those that became ready.

    Only orders with a line whose product has free stock where the line may take it are looked at, so the cost
    follows the orders waiting for products that got stock, not every waiting order. A document that brought
    stock in passes its warehouse and the products it brought (``product_ids``), so only their orders are read."""
    line, place = OrderLine, BinInventoryBatch
    stock_for_line = (
        select(place.id)
        .join(Bin, Bin.id == place.bin_id)
        .where(
            place.tenant_id == tenant.id,
            place.product_id == line.product_id,
            place.amount > place.reserved,
            Bin.warehouse_id == Order.warehouse_id,
            Bin.active.is_(True),
            (line.bin_id.is_(None)) | (place.bin_id == line.bin_id),
        )
    )
    query = (
        select(Order.id)
        .where(
            Order.tenant_id == tenant.id,
            Order.status_value == str(S.WAITING_FOR_SUPPLY),
            exists(select(line.id).where(and_(line.order_id == Order.id, exists(stock_for_line)))),
        )
        .order_by(Order.added, Order.id)
    )
    if warehouse_ids:
        query = query.where(Order.warehouse_id.in_(warehouse_ids))
    if product_ids is not None:
        wanted = select(line.id).where(line.order_id == Order.id, line.product_id.in_(product_ids))
        query = query.where(exists(wanted))
    ready = []
    for order_id in db.scalars(query).all():
        order = db.scalar(select(Order).where(Order.id == order_id).with_for_update())
        if order.status == S.WAITING_FOR_SUPPLY and _reserve_missing(db, tenant=tenant, order=order):
            move(db, order, S.READY_FOR_PICKING, check=False)
            stamp(order, user)
            ready.append(order)
    db.flush()
    return ready


def _reserve_missing(db: Session, *, tenant, order: Order) -> bool:
    """Reserve what each line still lacks; answers whether every line is now fully reserved."""
    rows = lines_of(db, [order.id])
    held = reserved_per_line(db, tenant_id=tenant.id, order_ids=[order.id])
    wants = [
        LineWant(row.id, row.product_id, row.quantity - held.get(row.id, 0), row.bin_id)
        for row in rows
        if row.quantity > held.get(row.id, 0)
    ]
    if not wants:
        return True
    got = reservations.reserve_lines(
        db, tenant=tenant, reference=reference(order), warehouse_id=order.warehouse_id, lines=wants
    )
    return all(r.shortfall == 0 for r in got)


def _back_to_waiting(db: Session, shortfalls: list[Shortfall]) -> None:
    """A count cut these orders' reservations: a ready (or picking) order waits for supply again."""
    # The line must be the order's and hold the product that was cut: a reference names an order by id alone,
    # and the line's product (a tenant's row) keeps the change within the count's tenant.
    cut = {(s.reference.id, s.line_id, s.product_id) for s in shortfalls}
    orders = db.scalars(
        select(Order)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            tuple_(Order.id, OrderLine.id, OrderLine.product_id).in_(sorted(cut)),
            Order.status_value.in_([str(S.READY_FOR_PICKING), str(S.PICKING)]),
        )
        .order_by(Order.id)
    ).unique()
    for order in orders:
        move(db, order, S.WAITING_FOR_SUPPLY, check=False)
        order.picker_id = None
    db.flush()


reservations.on_shortfall(DocumentKind.ORDER, _back_to_waiting)
