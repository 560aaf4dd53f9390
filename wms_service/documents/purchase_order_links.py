"""Purchase orders and the NIRs linked to them: the links, and what the validated ones received.

A line's received quantity is never stored: it is the sum of its product over the validated NIRs linked to its
order, read here.
"""

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from .nir_models import Nir, NirLine, NirStatus
from .purchase_order_models import PurchaseOrder, PurchaseOrderNir


def nirs_of(db: Session, order_ids: Collection[int]) -> dict[int, list[int]]:
    """The NIR ids linked to each order (orders without any are absent)."""
    link = PurchaseOrderNir
    rows = db.execute(
        select(link.purchase_order_id, link.nir_id).where(link.purchase_order_id.in_(order_ids)).order_by(link.nir_id)
    )
    found: dict[int, list[int]] = {}
    for order_id, nir_id in rows:
        found.setdefault(order_id, []).append(nir_id)
    return found


def of_nirs(db: Session, nir_ids: Collection[int]) -> dict[int, list[PurchaseOrder]]:
    """The purchase orders each NIR is linked to, in id order."""
    rows = db.execute(
        select(PurchaseOrderNir.nir_id, PurchaseOrder)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderNir.purchase_order_id)
        .where(PurchaseOrderNir.nir_id.in_(nir_ids))
        .order_by(PurchaseOrder.id)
    )
    found: dict[int, list[PurchaseOrder]] = {}
    for nir_id, order in rows:
        found.setdefault(nir_id, []).append(order)
    return found


def received(db: Session, order_ids: Collection[int]) -> dict[tuple[int, int], int]:
    """(order id, product id) -> what the validated NIRs linked to the order brought of the product."""
    rows = db.execute(
        select(PurchaseOrderNir.purchase_order_id, NirLine.product_id, func.sum(NirLine.quantity))
        .join(Nir, Nir.id == PurchaseOrderNir.nir_id)
        .join(NirLine, NirLine.nir_id == Nir.id)
        .where(PurchaseOrderNir.purchase_order_id.in_(order_ids), Nir.status_value == str(NirStatus.VALIDATED))
        .group_by(PurchaseOrderNir.purchase_order_id, NirLine.product_id)
    )
    return {(order_id, product_id): int(total) for order_id, product_id, total in rows}


def received_anything(db: Session, order_id: int) -> bool:
    """Whether a validated NIR is linked to the order."""
    query = (
        select(PurchaseOrderNir.id)
        .join(Nir, Nir.id == PurchaseOrderNir.nir_id)
        .where(PurchaseOrderNir.purchase_order_id == order_id, Nir.status_value == str(NirStatus.VALIDATED))
    )
    return db.scalar(query.limit(1)) is not None


def link(db: Session, tenant_id: int, order: PurchaseOrder, nir_ids: list[int]) -> None:
    """The order's NIRs become ``nir_ids`` (each a NIR of the tenant: 404 otherwise); a validated NIR cannot be
    unlinked (409)."""
    wanted = set(nir_ids)
    known = set(db.scalars(select(Nir.id).where(Nir.tenant_id == tenant_id, Nir.id.in_(wanted))))
    if wanted - known:
        raise NotFound(f"No NIR {', '.join(str(i) for i in sorted(wanted - known))}.", {"nirs": ["Unknown NIR."]})
    current = {
        link.nir_id: link
        for link in db.scalars(select(PurchaseOrderNir).where(PurchaseOrderNir.purchase_order_id == order.id))
    }
    dropped = [link for nir_id, link in current.items() if nir_id not in wanted]
    kept = set(
        db.scalars(
            select(Nir.id).where(
                Nir.id.in_([link.nir_id for link in dropped]), Nir.status_value == str(NirStatus.VALIDATED)
            )
        )
    )
    if kept:
        # What it received stays received: the order keeps the NIRs that brought it.
        raise Conflict(f"Purchase order {order.id} received goods through NIR {min(kept)}, which stays linked.")
    for link in dropped:
        db.delete(link)
    db.add_all(
        PurchaseOrderNir(tenant_id=tenant_id, purchase_order_id=order.id, nir_id=nir_id)
        for nir_id in sorted(wanted - set(current))
    )
    db.flush()
