"""Purchase orders: what was ordered from a supplier, and how much of it the linked NIRs brought in.

Lines carry ordered quantities, one line per product. Received quantities are never stored: a line has received
the sum of its product over the validated NIRs linked to its order. The status moves by ``LIFECYCLE``; the
received statuses are reached by themselves (``refresh``, in the transaction that validates a linked NIR or
changes the links or lines), never on a client's request.
"""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import repo
from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Company, Product, Warehouse
from ..errors import Conflict, NotFound
from ..repo import get_or_404
from . import base
from . import purchase_order_links as links
from .purchase_order_models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderNir
from .purchase_order_models import PurchaseOrderStatus as S

LIFECYCLE = base.StatusTable(
    "Purchase order",
    {
        S.DRAFT: {S.DRAFT, S.SENT, S.CANCELLED, S.PARTIALLY_RECEIVED, S.RECEIVED},
        S.SENT: {S.SENT, S.DRAFT, S.CANCELLED, S.PARTIALLY_RECEIVED, S.RECEIVED, S.CLOSED},
        S.PARTIALLY_RECEIVED: {S.RECEIVED, S.CLOSED},
        S.RECEIVED: {S.CLOSED},
        S.CLOSED: set(),
        S.CANCELLED: set(),
    },
    # Its header, lines and links change until it is fully received, closed or cancelled.
    editable={S.DRAFT, S.SENT, S.PARTIALLY_RECEIVED},
    document_type="PURCHASE_ORDER",
)
AUTOMATIC = frozenset({S.PARTIALLY_RECEIVED, S.RECEIVED})
HEADER = ("order_date", "arrival_date", "warehouse_id", "comment", "document_number")


def event_data(order: PurchaseOrder) -> dict:
    return {"documentNumber": order.document_number}


def add(db: Session, *, tenant: Tenant, user: User, values: dict) -> PurchaseOrder:
    """Make a DRAFT purchase order. ``values``: the ``HEADER`` attributes, ``supplier`` (a company's id or
    external reference), ``nirs`` (ids of NIRs to link) and ``lines`` (``product_id`` or ``code``, ``quantity``)."""
    values = dict(values)
    nirs, lines = values.pop("nirs", None) or [], values.pop("lines", None) or []
    supplier_id = supplier(db, tenant_id=tenant.id, value=values.pop("supplier"))
    _check_warehouse(db, tenant.id, values.get("warehouse_id"))
    order = PurchaseOrder(tenant_id=tenant.id, supplier_id=supplier_id, status=S.DRAFT, **values)
    stamp(order, user, created=True)
    db.add(order)
    db.flush()
    for line in lines:
        _add_line(db, tenant.id, order, line)
    links.link(db, tenant.id, order, nirs)
    base.announce(db, LIFECYCLE, order, data=event_data(order))
    refresh(db, order, user=user)
    return order


def update(
    db: Session, *, tenant: Tenant, user: User, order_ids: Collection[int], changes: dict
) -> list[PurchaseOrder]:
    """Change the orders' header (``supplier``, the ``HEADER`` attributes) and linked NIRs (``nirs`` replaces
    them), while each is editable (409 otherwise, and nothing changes)."""
    orders = lock(db, tenant=tenant, order_ids=order_ids)
    for order in orders:
        _update(db, tenant, user, order, changes)
    return orders


def _update(db, tenant: Tenant, user: User, order: PurchaseOrder, changes: dict) -> None:
    LIFECYCLE.check_editable(order)
    changes = dict(changes)
    if "supplier" in changes:
        order.supplier_id = supplier(db, tenant_id=tenant.id, value=changes.pop("supplier"))
    nirs = changes.pop("nirs", None)
    _check_warehouse(db, tenant.id, changes.get("warehouse_id"))
    for name, value in changes.items():
        setattr(order, name, value)
    if nirs is not None:
        links.link(db, tenant.id, order, nirs)
    stamp(order, user)
    refresh(db, order, user=user)


def set_status(db: Session, *, tenant: Tenant, user: User, order_id: int, status: S) -> PurchaseOrder:
    """A client's status change (``status``, ``close``), as the table allows; the received statuses are
    reached by themselves and never set (409)."""
    (order,) = lock(db, tenant=tenant, order_ids=[order_id])
    if status in AUTOMATIC:
        raise Conflict(
            f"Purchase order {order.id} is {base.word(order.status)}; {base.word(status)} is reached by itself, never set."
        )
    if status == S.CANCELLED and links.received_anything(db, order.id):
        raise Conflict(f"Purchase order {order.id} has received goods and cannot be cancelled.")
    base.move(db, LIFECYCLE, order, status, data=event_data(order))
    stamp(order, user)
    db.flush()
    return order


def delete(db: Session, *, tenant: Tenant, order_id: int) -> int:
    """Delete an order that has received nothing (no validated linked NIR; 409 otherwise)."""
    (order,) = lock(db, tenant=tenant, order_ids=[order_id])
    if links.received_anything(db, order.id):
        raise Conflict(f"Purchase order {order.id} has received goods and cannot be deleted.")
    order_id = base.delete(db, LIFECYCLE, order, data=event_data(order))
    db.flush()
    return order_id


def add_product(db: Session, *, tenant: Tenant, user: User, order_id: int, line: dict) -> PurchaseOrder:
    """Order a product (``product_id`` or ``code``, ``quantity``); a product already on the order is a 409."""
    (order,) = lock(db, tenant=tenant, order_ids=[order_id])
    LIFECYCLE.check_editable(order)
    _add_line(db, tenant.id, order, line)
    stamp(order, user)
    refresh(db, order, user=user)
    return order


def remove_product(db: Session, *, tenant: Tenant, user: User, line_id: int) -> PurchaseOrder:
    """Remove a line, while its order is editable and nothing of its product was received (409 otherwise)."""
    line = get_or_404(db, PurchaseOrderLine, tenant.id, line_id, "Purchase order product")
    (order,) = lock(db, tenant=tenant, order_ids=[line.purchase_order_id])
    LIFECYCLE.check_editable(order)
    if links.received(db, [order.id]).get((order.id, line.product_id)):
        raise Conflict(f"Purchase order {order.id} has received product {line.product_id}; its line stays.")
    db.delete(line)
    db.flush()
    stamp(order, user)
    refresh(db, order, user=user)
    return order


def after_receipt(db: Session, *, tenant: Tenant, user: User, nir_id: int) -> None:
    """A linked NIR was validated: its purchase orders move towards received (in the NIR's transaction)."""
    orders = db.scalars(
        select(PurchaseOrder)
        .join(PurchaseOrderNir, PurchaseOrderNir.purchase_order_id == PurchaseOrder.id)
        .where(PurchaseOrderNir.nir_id == nir_id, PurchaseOrder.tenant_id == tenant.id)
        .order_by(PurchaseOrder.id)
        .with_for_update()
    ).all()
    for order in orders:
        refresh(db, order, user=user)


def refresh(db: Session, order: PurchaseOrder, *, user: User) -> None:
    """Move the order to PARTIALLY_RECEIVED or RECEIVED as its lines' received quantities say (every line
    received in full: RECEIVED; something received: PARTIALLY_RECEIVED); closed and cancelled orders stay."""
    db.flush()
    if order.status not in LIFECYCLE.editable:
        return
    got = links.received(db, [order.id])
    rows = lines_of(db, [order.id])
    if not any(got.get((order.id, row.product_id)) for row in rows):
        return
    full = all(got.get((order.id, row.product_id), 0) >= row.quantity for row in rows)
    target = S.RECEIVED if full else S.PARTIALLY_RECEIVED
    if target != order.status:
        base.move(db, LIFECYCLE, order, target, data=event_data(order))
        stamp(order, user)
        db.flush()


# --- finding -------------------------------------------------------------------------------------------------


def get(db: Session, *, tenant: Tenant, order_id: int) -> PurchaseOrder:
    return get_or_404(db, PurchaseOrder, tenant.id, order_id, "Purchase order")


def lock(db: Session, *, tenant: Tenant, order_ids: Collection[int]) -> list[PurchaseOrder]:
    """The tenant's orders ``order_ids`` (404 for a missing one), locked in id order and read fresh.

    A NIR's validation locks the NIR, then its orders. Linking a NIR takes a key-share lock on its row (the link's
    foreign key), which waits for a validation in progress: the link then counts what the validation received,
    and a validation never misses a link made while it ran."""
    orders = [get(db, tenant=tenant, order_id=order_id) for order_id in sorted(set(order_ids))]
    query = select(PurchaseOrder).where(PurchaseOrder.id.in_([o.id for o in orders])).order_by(PurchaseOrder.id)
    return list(db.scalars(query.with_for_update().execution_options(populate_existing=True)))


def lines_of(db: Session, order_ids: Collection[int]) -> list[PurchaseOrderLine]:
    query = select(PurchaseOrderLine).where(PurchaseOrderLine.purchase_order_id.in_(order_ids))
    return list(db.scalars(query.order_by(PurchaseOrderLine.id)))


def supplier(db: Session, *, tenant_id: int, value: int | str) -> int:
    """The tenant's company a ``supplier`` names: a JSON number is its id; text is its external reference, or
    its id when no company has that reference and the text is a number (404 otherwise)."""
    found = None
    if isinstance(value, str):
        found = db.scalar(select(Company.id).where(Company.tenant_id == tenant_id, Company.external_reference == value))
    if found is None and (isinstance(value, int) or value.isdigit()) and 0 < int(value) < 2**53:
        found = db.scalar(select(Company.id).where(Company.tenant_id == tenant_id, Company.id == int(value)))
    if found is None:
        raise NotFound(f"No company matches supplier {value!r}.", {"supplier": ["No such company."]})
    return found


# --- rules ---------------------------------------------------------------------------------------------------


def _check_warehouse(db, tenant_id: int, warehouse_id: int | None) -> None:
    if warehouse_id is None:
        return
    repo.require(db, Warehouse, tenant_id, warehouse_id, "Warehouse", field="warehouseId")


def _add_line(db, tenant_id: int, order: PurchaseOrder, line: dict) -> PurchaseOrderLine:
    query = select(Product.id).where(Product.tenant_id == tenant_id)
    if line.get("product_id") is not None:
        product_id = db.scalar(query.where(Product.id == line["product_id"]))
        named = f"Product {line['product_id']}"
    else:
        product_id = db.scalar(query.where(Product.code == line.get("code")))
        named = f"Product {line.get('code')!r}"
    if product_id is None:
        raise NotFound(f"{named} not found.", {"productId": ["Unknown product."]})
    taken = db.scalar(
        select(PurchaseOrderLine.id).where(
            PurchaseOrderLine.purchase_order_id == order.id, PurchaseOrderLine.product_id == product_id
        )
    )
    if taken is not None:
        raise Conflict(f"Purchase order {order.id} already orders product {product_id} (line {taken}).")
    row = PurchaseOrderLine(
        tenant_id=tenant_id, purchase_order_id=order.id, product_id=product_id, quantity=line["quantity"]
    )
    db.add(row)
    db.flush()
    return row
