"""What the sync triggers send for an order (``order.sync``, ``order.delete``): its status and the keys the ERP
knows it by. Registered with ``events.triggers`` when the documents package loads."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..events import triggers
from .order_models import Order
from .orders import LIFECYCLE, event_data


def sync_data(db: Session, tenant_id: int, order_id: int) -> dict | None:
    """The event data of the tenant's order ``order_id``, locked so its events stay in order; None if none."""
    order = db.scalar(select(Order).where(Order.id == order_id, Order.tenant_id == tenant_id).with_for_update())
    return None if order is None else {"status": str(order.status), **event_data(order)}


triggers.register(LIFECYCLE.document_type, label="Order", lookup=sync_data)
