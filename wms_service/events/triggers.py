"""The sync triggers (``/softone/trigger/...``): an integrator asks for a document's state to be sent again
(``order.sync``, ``nir.sync``) or for its deletion to be announced (``order.delete``).

Each document kind registers how it is found (``register("ORDER", label="Order", lookup=...)``, as the
reservations take ``on_shortfall`` handlers): the lookup answers the event's ``data`` for the tenant's document,
locked so that its events stay in order, or None when the tenant has no such document. A kind that has not
registered yet finds nothing: its trigger answers 404.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..db import MAX_ID
from ..errors import NotFound
from . import outbox
from .models import OutboxEvent

Lookup = Callable[[Session, int, int], dict | None]  # (db, tenant id, document id) -> the event's data


@dataclass(frozen=True)
class Kind:
    label: str  # in messages: "Order 5 not found."
    lookup: Lookup


_kinds: dict[str, Kind] = {}


def register(document_type: str, *, label: str, lookup: Lookup) -> None:
    """Let triggers find documents of ``document_type`` ("ORDER", "NIR") through ``lookup``."""
    _kinds[document_type] = Kind(label, lookup)


def queue(db: Session, *, tenant_id: int, document_type: str, document_id: int, type: str) -> OutboxEvent:
    """Queue event ``type`` for the tenant's document in the caller's transaction; 404 if there is none."""
    kind = _kinds.get(document_type)
    data = kind.lookup(db, tenant_id, document_id) if kind is not None and 0 < document_id <= MAX_ID else None
    if data is None:
        label = kind.label if kind is not None else document_type
        raise NotFound(f"{label} {document_id} not found.")
    return outbox.emit(
        db, tenant_id=tenant_id, type=type, document_type=document_type, document_id=document_id, data=data
    )
