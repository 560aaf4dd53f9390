"""What every document stands on: its status table, and posting its lines through the ledger under its name.

A document kind writes its statuses and the moves between them once, as data::

    LIFECYCLE = StatusTable("Stocktaking", {OPEN: {OPEN, FINISHED}, FINISHED: set()}, editable={OPEN})

and asks the table before every change, so a refused change is always the same 409 naming the current status
(CONTRACT section 6). Stock moves only through ``post``: every record then names the document
(``stock/references.py``) and belongs to it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session

from ..auth.models import Tenant, User
from ..errors import Conflict
from ..stock import ledger
from ..stock.ledger_sql import PostedList
from ..stock.references import Reference


class Document(Protocol):
    id: int

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

    def check_move(self, document: Document, to: StrEnum) -> None:
        """Refuse (409) a status change the table does not allow, naming the current status."""
        current = document.status
        if to in self.transitions[current]:
            return
        if not self.transitions[current]:
            raise self._final(document)
        raise Conflict(f"{self.kind} {document.id} is {_word(current)} and cannot become {_word(to)}.")

    def check_editable(self, document: Document) -> None:
        """Refuse (409) a change of the header or lines, or a delete, outside the editable statuses."""
        if document.status not in self.editable:
            raise self._final(document)

    def _final(self, document: Document) -> Conflict:
        return Conflict(f"{self.kind} {document.id} is {_word(document.status)} and cannot be changed.")


def _word(status: StrEnum) -> str:
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
