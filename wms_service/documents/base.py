"""What every document stands on: its status table, and posting its lines through the ledger under its name.

A document kind writes its statuses and the moves between them once, as data::

    LIFECYCLE = StatusTable("Stocktaking", {OPEN: {OPEN, FINISHED}, FINISHED: set()}, editable={OPEN},
                            document_type="STOCKTAKING")

and changes status only through ``move`` (or announces a new document with ``announce``): the table is asked
first, so a refused change is always the same 409 naming the current status (CONTRACT section 6), and the change
writes its ``<document>.status_changed`` event into the same transaction (section 8). Stock moves only through
``post``: every record then names the document (``stock/references.py``) and belongs to it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session

from ..auth.models import Tenant, User
from ..errors import Conflict
from ..events import outbox
from ..stock import ledger
from ..stock.ledger_sql import PostedList
from ..stock.references import Reference


class Document(Protocol):
    id: int
    tenant_id: int

    @property
    def status(self) -> StrEnum: ...


@dataclass(frozen=True)
class StatusTable:
    """A document kind's statuses: which may follow which, and in which its header and lines may change.

    ``transitions[s]`` lists the statuses a document in ``s`` may be set to (``s`` itself when a request may
    send the status it already has); a status with no moves out is final.
    """

    kind: str
    transitions: Mapping[StrEnum, frozenset[StrEnum] | set[StrEnum]]
    editable: frozenset[StrEnum] | set[StrEnum]
    # The event body's ``documentType`` ("ORDER"); its status events are ``order.status_changed``.
    document_type: str

    @property
    def status_event(self) -> str:
        return f"{self.document_type.lower()}.status_changed"

    def check_move(self, document: Document, to: StrEnum) -> None:
        """Refuse (409) a status change the table does not allow, naming the current status."""
        current = document.status
        if to in self.transitions[current]:
            return
        if not self.transitions[current]:
            raise self._final(document)
        raise Conflict(f"{self.kind} {document.id} is {word(current)} and cannot become {word(to)}.")

    def check_editable(self, document: Document) -> None:
        """Refuse (409) a change of the header or lines, or a delete, outside the editable statuses."""
        if document.status not in self.editable:
            raise self._final(document)

    def check_not_final(self, document: Document) -> None:
        """Refuse (409) any change of a document in a final status (one with no moves out)."""
        if not self.transitions[document.status]:
            raise self._final(document)

    def _final(self, document: Document) -> Conflict:
        return Conflict(f"{self.kind} {document.id} is {word(document.status)} and cannot be changed.")


def move(
    db: Session, table: StatusTable, document: Document, to: StrEnum, *, data: dict | None = None, check: bool = True
) -> None:
    """Set ``document``'s status to ``to`` as ``table`` allows (409 otherwise; ``check=False`` for a move the
    domain itself decided, such as waiting and ready changing into each other), and queue its status event in the
    same transaction. Setting the status it already has announces nothing."""
    if check:
        table.check_move(document, to)
    before = document.status
    document.status = to
    if before != to:
        _status_event(db, table, document, before, data)


def announce(db: Session, table: StatusTable, document: Document, *, data: dict | None = None) -> None:
    """Queue the status event of a document just made (``from`` null, ``to`` its first status); it must have
    its id (flushed)."""
    _status_event(db, table, document, None, data)


def delete(db: Session, table: StatusTable, document: Document, *, data: dict | None = None) -> int:
    """Delete the document (its rules were checked by the caller) and queue its ``<document>.deleted`` event,
    carrying the status it had, in the same transaction; answers its id."""
    outbox.emit(
        db,
        tenant_id=document.tenant_id,
        type=f"{table.document_type.lower()}.deleted",
        document_type=table.document_type,
        document_id=document.id,
        data={"status": str(document.status), **(data or {})},
    )
    document_id = document.id
    db.delete(document)
    return document_id


def _status_event(db, table: StatusTable, document: Document, before: StrEnum | None, data: dict | None) -> None:
    outbox.emit(
        db,
        tenant_id=document.tenant_id,
        type=table.status_event,
        document_type=table.document_type,
        document_id=document.id,
        data={"from": str(before) if before is not None else None, "to": str(document.status), **(data or {})},
    )


def word(status: StrEnum) -> str:
    """A status as a message says it: ``READY_FOR_PICKING`` -> "ready for picking"."""
    return status.value.lower().replace("_", " ")


def post(
    db: Session, *, tenant: Tenant, user: User, reference: Reference, lines: list[ledger.Line], refusal: str
) -> PostedList | None:
    """Post a document's movements through the ledger, every record naming ``reference``; lines that move
    nothing are left out, and nothing is posted if none moves.

    A stock rule that refuses a line is a 409 whose message starts with ``refusal`` ("The count cannot be
    finished"). The ledger's index is dropped: it counts the postings, which are not the lines the client sent.
    """
    lines = [line for line in lines if line.amount]
    if not lines:
        return None
    try:
        return ledger.post(db, tenant=tenant, user=user, lines=lines, reference=reference)
    except Conflict as exc:
        raise type(exc)(f"{refusal}: {exc.message}") from exc
