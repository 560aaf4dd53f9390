"""Orders: reserve at add, wait for supply, pick (the goods leave the bins), ship, deliver (CONTRACT section 6).

An order's lines reserve free stock of its warehouse through ``stock/reservations.py`` under
``Reference(ORDER, order.id)``, one holder per line; the order stores no reserved quantities of its own. Its
status moves only as ``LIFECYCLE`` allows; waiting and ready change into each other by themselves (a reserve
that met every line, a count that cut one), never on a client's request.
"""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import repo
from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog import service as catalog
from ..catalog.entities import COMPANY
from ..catalog.models import Company, Warehouse
from ..errors import Conflict, NotFound
from ..repo import get_or_404
from ..stock import reservations
from ..stock.models import Reservation
from ..stock.references import DocumentKind, Reference
from ..stock.reservations import LineWant
from . import base, order_lines
from .order_models import Order, OrderLine
from .order_models import OrderStatus as S

LIFECYCLE = base.StatusTable(
    "Order",
    {
        S.WAITING_FOR_SUPPLY: {S.READY_FOR_PICKING, S.CANCELLED},
        S.READY_FOR_PICKING: {S.WAITING_FOR_SUPPLY, S.PICKING, S.CANCELLED},
        # A count that takes a picking order's reserved stock sends it back to waiting too.
        S.PICKING: {S.WAITING_FOR_SUPPLY, S.PICKED, S.CANCELLED},
        S.PICKED: {S.VALIDATED, S.SHIPPED},  # VALIDATED only with requiresValidation, SHIPPED only without
        S.VALIDATED: {S.SHIPPED},
        S.SHIPPED: {S.DELIVERED},
        S.DELIVERED: set(),
        S.CANCELLED: set(),
    },
    # Deleted (and, later, its lines changed) only before the goods left the bins.
    editable={S.WAITING_FOR_SUPPLY, S.READY_FOR_PICKING, S.PICKING},
    document_type="ORDER",
)
# Reached by themselves, never asked for: a client's update-status to one of them is refused.
AUTOMATIC = frozenset({S.WAITING_FOR_SUPPLY, S.READY_FOR_PICKING})
PICKED_OR_LATER = frozenset({S.PICKED, S.VALIDATED, S.SHIPPED, S.DELIVERED})


def reference(order: Order) -> Reference:
    return Reference(DocumentKind.ORDER, order.id)


def move(db: Session, order: Order, to: S, *, check: bool = True) -> None:
    """Change the order's status (``base.move``): its event carries the order's external keys, so the ERP that
    sent it can match it."""
    base.move(db, LIFECYCLE, order, to, data=event_data(order), check=check)


def event_data(order: Order) -> dict:
    return {"externalOrderId": order.external_order_id, "thirdPartyReference": order.third_party_reference}


# --- add -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    """An added order and what its add read and wrote: enough to answer it without reading anything again."""

    order: Order
    lines: list[OrderLine]
    reserved: dict[int, int]  # line id -> what it reserved
    loaded: list  # the warehouse, the company and the products the add loaded


def add(db: Session, *, tenant: Tenant, user: User, values: dict) -> Added:
    """Make the order and reserve every line in the caller's transaction: ready if all of it was reserved, else
    waiting for supply. ``values``: the header's attributes, ``company`` (a dict or None) and ``lines``
    (``product_id`` or ``product_model``, ``quantity``, ``external_line_id``, ``location_code``)."""
    values = dict(values)
    lines = values.pop("lines")
    company = values.pop("company", None)
    repo.check_keys_free(db, Order, tenant.id, values, KEYS, noun="Order")
    warehouse_id = values["warehouse_id"]
    warehouse = repo.require(db, Warehouse, tenant.id, warehouse_id, "Warehouse", field="warehouseId")
    resolved, products = order_lines.resolve(db, tenant.id, warehouse_id, lines)
    order = Order(tenant_id=tenant.id, status=S.WAITING_FOR_SUPPLY, **values)
    buyer = company_for(db, tenant=tenant, user=user, values=company) if company else None
    order.company_id = buyer.id if buyer else None
    stamp(order, user, created=True)
    db.add(order)
    db.flush()
    rows = [OrderLine(tenant_id=tenant.id, order_id=order.id, **line) for line in resolved]
    db.add_all(rows)
    db.flush()
    # The lines are stored and were checked above (products, bins of the warehouse; the quantity by the schema):
    # reserved as stored lines, without looking them up again.
    ref = reference(order)
    wants = [(ref, warehouse_id, LineWant(row.id, row.product_id, row.quantity, row.bin_id)) for row in rows]
    got = reservations.reserve_documents(db, tenant=tenant, wants=wants)
    if all(r.shortfall == 0 for r in got):
        order.status = S.READY_FOR_PICKING
    else:
        mark_waiting(db, [row.id for row, r in zip(rows, got, strict=True) if r.shortfall], True)
    base.announce(db, LIFECYCLE, order, data=event_data(order))
    db.flush()
    reserved = {row.id: r.reserved for row, r in zip(rows, got, strict=True)}
    return Added(order, rows, reserved, [warehouse, buyer, *products.values()])


# The external keys, unique per tenant: a retried add is a 409 naming the order.
KEYS = {"external_order_id": "externalOrderId", "third_party_reference": "thirdPartyReference"}


def company_for(db: Session, *, tenant: Tenant, user: User, values: dict) -> Company:
    """The tenant's company with this ``cui``, else with this external reference; made (through the catalog's
    service, with its rules) when neither matches."""
    for attr in ("cui", "external_reference"):
        if values.get(attr):
            found = db.scalar(
                select(Company)
                .where(Company.tenant_id == tenant.id, getattr(Company, attr) == values[attr])
                .order_by(Company.id)
                .limit(1)
            )
            if found is not None:
                return found
    (made,) = catalog.create(db, entity=COMPANY, tenant=tenant, user=user, items=[values])
    return made


# --- finding -------------------------------------------------------------------------------------------------


def get(db: Session, *, tenant: Tenant, order_id: int, lock: bool = False) -> Order:
    return get_or_404(db, Order, tenant.id, order_id, "Order", lock=lock)


TARGETS = {
    "order_ids": "id",
    "external_order_ids": "external_order_id",
    "third_party_reference_ids": "third_party_reference",
}


def targets(db: Session, *, tenant: Tenant, lists: dict, lock: bool = True) -> list[Order]:
    """The orders each given list names (every value must name one: else 404 naming the misses), in id order,
    locked when ``lock``."""
    found, missing = {}, []
    for arg, attr in TARGETS.items():
        wanted = lists.get(arg) or []
        if not wanted:
            continue
        column = getattr(Order, attr)
        query = select(Order).where(Order.tenant_id == tenant.id, column.in_(wanted)).order_by(Order.id)
        rows = db.scalars(query.with_for_update() if lock else query).all()
        have = {getattr(row, attr) for row in rows}
        missing += [repr(value) for value in wanted if value not in have]
        found.update({row.id: row for row in rows})
    if missing:
        raise NotFound(f"No order matches {', '.join(missing)}.")
    return [found[key] for key in sorted(found)]


def lines_of(db: Session, order_ids: Collection[int]) -> list[OrderLine]:
    return list(db.scalars(select(OrderLine).where(OrderLine.order_id.in_(order_ids)).order_by(OrderLine.id)))


def mark_waiting(db: Session, line_ids: Collection[int], waiting: bool) -> None:
    """Set the lines' ``waiting`` mark (not fully reserved while the order waits), which the re-check reads."""
    if line_ids:
        line_ids = set(line_ids)
        db.execute(
            update(OrderLine)
            .where(OrderLine.id.in_(sorted(line_ids)))
            .values(waiting=waiting)
            .execution_options(synchronize_session=False)
        )
        for obj in db.identity_map.values():
            if isinstance(obj, OrderLine) and obj.id in line_ids:
                db.expire(obj, ["waiting"])


def lock(
    db: Session,
    tenant_id: int,
    order_ids: Collection[int],
    *,
    status: S | None = None,
    nowait: bool = False,
    skip_locked: bool = False,
) -> list[Order]:
    """Lock these orders of the tenant in id order and read them afresh (a row another transaction changed while
    this one waited is read as it is now). With ``status``, only those still in it are locked and answered: an
    order that another request moved on meanwhile is left alone, not held. ``nowait``: fail at once (PostgreSQL's
    lock_not_available) rather than wait. ``skip_locked``: leave out (and do not answer) the orders another
    transaction holds now; those this one holds are answered."""
    if not order_ids:
        return []
    query = (
        select(Order)
        .where(Order.tenant_id == tenant_id, Order.id.in_(sorted(order_ids)))
        .order_by(Order.id)
        .with_for_update(nowait=nowait, skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )
    if status is not None:
        query = query.where(Order.status_value == str(status))
    return list(db.scalars(query))


def reserved_per_line(db: Session, *, tenant_id: int, order_ids: Collection[int]) -> dict[int, int]:
    """What each line of these orders holds reserved now (lines holding nothing are absent)."""
    r = Reservation
    rows = db.execute(
        select(r.document_line_id, func.sum(r.quantity))
        .where(r.tenant_id == tenant_id, r.document_type == str(DocumentKind.ORDER), r.document_id.in_(order_ids))
        .group_by(r.document_line_id)
    )
    return {line: int(total) for line, total in rows}


# --- status --------------------------------------------------------------------------------------------------


def set_status(
    db: Session, *, tenant: Tenant, user: User, order: Order, status: S, awb_external_link: str | None = None
) -> Order:
    """A client's status change (update-status), as the table allows; the order is locked by the caller.

    PICKING binds the caller as picker; PICKED consumes the reservations (SALES_DOCUMENT records, recordType
    ORDER); SHIPPED needs the AWB link (sent now or set before); CANCELLED releases every reservation."""
    if status in AUTOMATIC:
        raise Conflict(
            f"Order {order.id} is {base.word(order.status)}; {base.word(status)} is reached by itself, never set."
        )
    LIFECYCLE.check_move(order, status)
    if status == S.VALIDATED and not order.requires_validation:
        raise Conflict(f"Order {order.id} is {base.word(order.status)} and does not require validation.")
    if status == S.SHIPPED and order.status == S.PICKED and order.requires_validation:
        raise Conflict(f"Order {order.id} is picked and must be validated before it is shipped.")
    if awb_external_link is not None:
        order.awb_external_link = awb_external_link
    if status == S.SHIPPED and not order.awb_external_link:
        raise Conflict(f"Order {order.id} cannot be shipped without an awbExternalLink.")
    if status == S.PICKING:
        order.picker_id = user.id
    elif status == S.PICKED:
        try:
            reservations.consume(db, tenant=tenant, user=user, reference=reference(order))
        except Conflict as exc:
            raise type(exc)(f"Order {order.id} cannot be picked: {exc.message}") from exc
    elif status == S.CANCELLED:
        reservations.release(db, tenant=tenant, reference=reference(order))
        db.execute(update(OrderLine).where(OrderLine.order_id == order.id).values(waiting=False))
    move(db, order, status, check=False)  # checked above, before anything moved
    stamp(order, user)
    db.flush()
    return order


def set_awb_link(db: Session, *, user: User, order: Order, link: str) -> Order:
    """Set the carrier's AWB link, at any status but the final ones (409 there)."""
    LIFECYCLE.check_not_final(order)
    order.awb_external_link = link
    stamp(order, user)
    db.flush()
    return order


def delete(db: Session, *, tenant: Tenant, orders: list[Order]) -> list[int]:
    """Delete orders not yet picked (409 otherwise, and nothing is deleted), releasing their reservations."""
    for order in orders:
        LIFECYCLE.check_editable(order)
    ids = []
    for order in orders:
        reservations.release(db, tenant=tenant, reference=reference(order))
        ids.append(base.delete(db, LIFECYCLE, order, data=event_data(order)))
    db.flush()
    return ids


# --- waiting for supply --------------------------------------------------------------------------------------
