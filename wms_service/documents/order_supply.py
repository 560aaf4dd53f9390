"""Orders waiting for supply: reserving again when stock arrives, and falling back to waiting when a count cuts
a reservation (the handler registered with ``reservations.on_shortfall``, in the count's transaction).

What it costs. The re-check starts from the lines marked ``waiting`` (``OrderLine.waiting``, a partial index by
product): given the products that got stock, it reads only their waiting lines; without them, it first finds
which products have waiting lines and free stock where those lines may take it, then reads only their lines.
Either way the work follows the lines waiting for products that can now be served, not every waiting order.

Locks. Documents before bins (``stock/refit.py``): the re-check locks every order it will serve at once, in id
order, then every bin their lines may take from at once, in id order, and only then reserves, oldest order first.

A document that brings stock in (a NIR's validation, a return, a production order's close) posts, which locks
its bins, and then re-checks; locking orders then would take them after bins, against every order writer (a
cancel, an update, a pick: the order, then its bins), and PostgreSQL would abort one of the two (a 503). So such
a document calls ``lock_waiting`` first, before it locks products, the warehouse or any bin: the orders waiting
for its products in its warehouse are locked then, in id order, and ``serve`` after the post finds them held.
Whatever else ``serve`` needs it does not wait for while it holds bins: an order that became waiting after
``lock_waiting`` and that another request holds right now, and a bin another request holds, are skipped
(``skip_locked``), left to the next re-check (the next receipt of the product, or the endpoint).
"""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import exists, select, tuple_
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..stock import reservations
from ..stock.models import Bin, BinInventoryBatch
from ..stock.references import DocumentKind
from ..stock.reservations import LineWant, Shortfall
from . import orders
from .order_models import Order, OrderLine
from .order_models import OrderStatus as S
from .orders import lines_of, mark_waiting, move, reference, reserved_per_line


@dataclass(frozen=True)
class Receipt:
    """What a document bringing stock in locked before it posted (``lock_waiting``), for ``serve`` after."""

    tenant: Tenant
    warehouse_ids: tuple[int, ...]
    product_ids: tuple[int, ...]
    order_ids: tuple[int, ...]  # the waiting orders it holds


def lock_waiting(
    db: Session, *, tenant: Tenant, warehouse_ids: Collection[int], product_ids: Collection[int]
) -> Receipt:
    """A document about to bring these products into these warehouses: lock, in id order, the orders waiting for
    them there, before the document locks its products, the warehouse or any bin (documents before bins); after
    its post it calls ``serve`` with the answer. The document holds no bin yet, so waiting here for an order
    writer (which may want bins next) is safe."""
    warehouse_ids, product_ids = tuple(sorted(set(warehouse_ids))), tuple(sorted(set(product_ids)))
    ids = _waiting_ids(db, tenant.id, warehouse_ids, product_ids) if warehouse_ids and product_ids else []
    locked = orders.lock(db, tenant.id, ids, status=S.WAITING_FOR_SUPPLY)
    return Receipt(tenant, warehouse_ids, product_ids, tuple(o.id for o in locked))


def serve(db: Session, receipt: Receipt, *, user: User) -> list[Order]:
    """After the post of a document that called ``lock_waiting``: re-check the orders waiting for its products in
    its warehouses (``recheck``), waiting for no lock while it holds its bins; answers those that became ready."""
    return recheck(
        db,
        tenant=receipt.tenant,
        user=user,
        warehouse_ids=receipt.warehouse_ids,
        product_ids=receipt.product_ids,
        holding_bins=True,
    )


def recheck(
    db: Session,
    *,
    tenant: Tenant,
    user: User,
    warehouse_ids: Collection[int] | None = None,
    product_ids: Collection[int] | None = None,
    holding_bins: bool = False,
) -> list[Order]:
    """Reserve again for the waiting orders, oldest first (added, then id); answers those that became ready.

    A document that brought stock in passes its warehouse and the products it brought (``product_ids``), so only
    the lines waiting for those products are read; it comes through ``serve`` (``holding_bins``): orders and bins
    another transaction holds are then skipped, not waited for (the ones ``lock_waiting`` took are its own)."""
    if product_ids is None:
        product_ids = _products_to_serve(db, tenant.id, warehouse_ids)
    if not product_ids:
        return []
    ids = _waiting_ids(db, tenant.id, warehouse_ids, product_ids, served=True)
    waiting = orders.lock(db, tenant.id, ids, status=S.WAITING_FOR_SUPPLY, skip_locked=holding_bins)
    waiting.sort(key=lambda o: (o.added, o.id))
    ready = _reserve_missing(db, tenant=tenant, waiting=waiting, skip_locked=holding_bins)
    for order in ready:
        move(db, order, S.READY_FOR_PICKING, check=False)
        stamp(order, user)
    db.flush()
    return ready


def _waiting_ids(
    db: Session,
    tenant_id: int,
    warehouse_ids: Collection[int] | None,
    product_ids: Collection[int],
    *,
    served: bool = False,
) -> list[int]:
    """The orders (of ``warehouse_ids``, or all) with a line waiting for one of the products, oldest first;
    ``served``: only lines that some free stock can serve now."""
    line = OrderLine
    query = (
        select(Order.id, Order.added)
        .join(line, line.order_id == Order.id)
        .where(
            line.waiting.is_(True),
            line.product_id.in_(sorted(product_ids)),
            line.tenant_id == tenant_id,
            Order.status_value == str(S.WAITING_FOR_SUPPLY),
        )
        .distinct()
        .order_by(Order.added, Order.id)
    )
    if served:
        query = query.where(exists(_free_stock_for(tenant_id, line)))
    if warehouse_ids:
        query = query.where(Order.warehouse_id.in_(warehouse_ids))
    return [order_id for order_id, _added in db.execute(query)]


def _free_stock_for(tenant_id: int, line) -> object:
    """Free stock of the line's product in an active bin of its order's warehouse (its named bin only, if any);
    correlated with the enclosing query's line and order."""
    place = BinInventoryBatch
    return (
        select(place.id)
        .join(Bin, Bin.id == place.bin_id)
        .where(
            place.tenant_id == tenant_id,
            place.product_id == line.product_id,
            place.amount > place.reserved,
            Bin.warehouse_id == Order.warehouse_id,
            Bin.active.is_(True),
            (line.bin_id.is_(None)) | (place.bin_id == line.bin_id),
        )
    )


def _products_to_serve(db: Session, tenant_id: int, warehouse_ids: Collection[int] | None) -> list[int]:
    """The products some line waits for and that have free stock in an active bin (of ``warehouse_ids``)."""
    line, place = OrderLine, BinInventoryBatch
    wanted = db.scalars(
        select(line.product_id).where(line.waiting.is_(True), line.tenant_id == tenant_id).distinct()
    ).all()
    if not wanted:
        return []
    stocked = (
        select(place.id)
        .join(Bin, Bin.id == place.bin_id)
        .where(
            place.tenant_id == tenant_id,
            place.product_id == line.product_id,
            place.amount > place.reserved,
            Bin.active.is_(True),
        )
    )
    if warehouse_ids:
        stocked = stocked.where(Bin.warehouse_id.in_(warehouse_ids))
    # One probe per waiting product, through the (product) index of the stock rows.
    probe = select(line.product_id).where(line.product_id.in_(wanted), exists(stocked)).distinct()
    return list(db.scalars(probe))


def _reserve_missing(db: Session, *, tenant, waiting: list[Order], skip_locked: bool = False) -> list[Order]:
    """Reserve what each line of these (locked) orders still lacks, oldest order first, under one lock of all the
    bins; re-mark their lines and answer the orders that are now fully reserved."""
    if not waiting:
        return []
    ids = [o.id for o in waiting]
    lines = lines_of(db, ids)
    held = reserved_per_line(db, tenant_id=tenant.id, order_ids=ids)
    by_order: dict[int, list[OrderLine]] = {}
    for row in lines:
        by_order.setdefault(row.order_id, []).append(row)
    wants, asked = [], []
    for order in waiting:
        for row in by_order.get(order.id, []):
            lack = row.quantity - held.get(row.id, 0)
            if lack > 0:
                wants.append((reference(order), order.warehouse_id, LineWant(row.id, row.product_id, lack, row.bin_id)))
                asked.append(row)
    got = reservations.reserve_documents(db, tenant=tenant, wants=wants, skip_locked=skip_locked) if wants else []
    short = {row.id for row, r in zip(asked, got, strict=True) if r.shortfall}
    mark_waiting(db, [row.id for row in lines if row.id not in short and row.waiting], False)
    mark_waiting(db, [row.id for row in lines if row.id in short and not row.waiting], True)
    return [o for o in waiting if not any(row.id in short for row in by_order.get(o.id, []))]


def _lock_orders(db: Session, tenant_id: int, order_ids: list[int], nowait: bool) -> None:
    """A count's first step: lock the orders holding reservations in the bins it counts (``refit.lock_for_count``)."""
    orders.lock(db, tenant_id, order_ids, nowait=nowait)


def _back_to_waiting(db: Session, shortfalls: list[Shortfall]) -> None:
    """A count cut these orders' reservations: their lines wait, and a ready (or picking) order waits for supply
    again. The count locked the orders holding its bins' reservations before the bins (``_lock_orders``), so this
    waits for no one."""
    # The line must be the order's and hold the product that was cut: a reference names an order by id alone,
    # and the line's product (a tenant's row) keeps the change within the count's tenant.
    cut = {(s.reference.id, s.line_id, s.product_id) for s in shortfalls}
    rows = db.execute(
        select(OrderLine.id, Order.tenant_id, Order.id)
        .join(Order, OrderLine.order_id == Order.id)
        .where(tuple_(Order.id, OrderLine.id, OrderLine.product_id).in_(sorted(cut)))
        .order_by(Order.id)
    ).all()
    if not rows:
        return
    tenant_id = rows[0][1]
    locked = orders.lock(db, tenant_id, {order_id for _line, _tenant, order_id in rows})
    mark_waiting(db, [line_id for line_id, _tenant, _order in rows], True)
    for order in locked:
        if order.status in (S.READY_FOR_PICKING, S.PICKING):
            move(db, order, S.WAITING_FOR_SUPPLY, check=False)
            order.picker_id = None
    db.flush()


reservations.on_shortfall(DocumentKind.ORDER, _back_to_waiting, lock=_lock_orders)
