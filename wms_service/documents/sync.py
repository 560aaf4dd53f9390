"""What the sync triggers send for a document (``order.sync``, ``order.delete``, ``nir.sync``): its status and the
keys the ERP knows it by (the kind's ``event_data``). Registered with ``events.triggers`` when the documents
package loads."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..events import triggers
from . import nirs, orders
from .nir_models import Nir
from .order_models import Order


def _lookup(model: type, event_data: Callable) -> triggers.Lookup:
    def sync_data(db: Session, tenant_id: int, document_id: int) -> dict | None:
        """The event data of the tenant's document, locked so its events stay in order; None if there is none."""
        document = db.scalar(
            select(model).where(model.id == document_id, model.tenant_id == tenant_id).with_for_update()
        )
        return None if document is None else {"status": str(document.status), **event_data(document)}

    return sync_data


triggers.register(orders.LIFECYCLE.document_type, label="Order", lookup=_lookup(Order, orders.event_data))
triggers.register(nirs.LIFECYCLE.document_type, label="NIR", lookup=_lookup(Nir, nirs.event_data))
