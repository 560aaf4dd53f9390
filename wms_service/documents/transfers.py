"""Transfers: stock moving between bins of one warehouse, scanned line by line (CONTRACT section 7).

Each line reserves its source stock through ``stock/reservations.py`` under ``Reference(TRANSFER, transfer.id)``
(``transfer_scan.py``); validating moves every line's reserved stock into its destination in one post (a
negative and a positive ``INVENTORY_TRANSFER`` record per line) and is final; cancelling releases. The status
moves only as ``LIFECYCLE`` allows, and every change runs with the transfer's row locked (``get(lock=True)``), so
two requests on one transfer (two validations, a validation and a cancel) happen one after the other: the second
sees what the first did.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..errors import Conflict, InsufficientStock, ValidationFailed
from ..events import outbox
from ..repo import get_or_404
from ..stock import reservations
from ..stock.models import Reservation
from ..stock.references import DocumentKind, Reference
from ..stock.reservations import LineWant
from . import base
from .transfer_models import Transfer, TransferLine
from .transfer_models import TransferStatus as S

LIFECYCLE = base.StatusTable(
    "Transfer",
    {
        S.OPEN: {S.OPEN, S.IN_PROGRESS, S.VALIDATED, S.CANCELLED},
        S.IN_PROGRESS: {S.IN_PROGRESS, S.OPEN, S.VALIDATED, S.CANCELLED},
        S.VALIDATED: set(),
        S.CANCELLED: set(),
    },
    # Lines are scanned and removed while the transfer is open or in progress.
    editable={S.OPEN, S.IN_PROGRESS},
    document_type="TRANSFER",
)
STATUSES = tuple(s.value for s in S)


def reference(transfer: Transfer) -> Reference:
    return Reference(DocumentKind.TRANSFER, transfer.id)


def move(db: Session, transfer: Transfer, to: S, *, check: bool = True) -> None:
    """Change the transfer's status (``base.move``: its ``transfer.status_changed`` event in the same transaction)."""
    base.move(db, LIFECYCLE, transfer, to, data={"warehouseId": transfer.warehouse_id}, check=check)


def get(db: Session, *, tenant: Tenant, transfer_id: int, lock: bool = False) -> Transfer:
    """The tenant's transfer (404 otherwise); ``lock``: its row is locked for the rest of the transaction."""
    return get_or_404(db, Transfer, tenant.id, transfer_id, "Transfer", lock=lock)


def lines_of(db: Session, transfer_id: int) -> list[TransferLine]:
    return list(
        db.scalars(select(TransferLine).where(TransferLine.transfer_id == transfer_id).order_by(TransferLine.id))
    )


def reserved_per_line(db: Session, *, tenant_id: int, transfer_id: int) -> dict[int, int]:
    """What each line of the transfer holds reserved now (lines holding nothing are absent)."""
    r = Reservation
    rows = db.execute(
        select(r.document_line_id, func.sum(r.quantity))
        .where(r.tenant_id == tenant_id, r.document_type == str(DocumentKind.TRANSFER), r.document_id == transfer_id)
        .group_by(r.document_line_id)
    )
    return {line: int(total) for line, total in rows}


# --- status --------------------------------------------------------------------------------------------------


def set_status(db: Session, *, tenant: Tenant, user: User, transfer: Transfer, status: str) -> Transfer:
    """A client's status change, as the table allows (409 naming the current status otherwise); the transfer is
    locked by the caller. VALIDATED validates (``validate``); CANCELLED releases every reservation."""
    try:
        to = S(status)
    except ValueError:
        raise ValidationFailed(
            f"Unknown transfer status {status!r}.", {"transferStatus": [f"Must be one of: {', '.join(STATUSES)}."]}
        ) from None
    if to == S.VALIDATED:
        return validate(db, tenant=tenant, user=user, transfer=transfer)
    LIFECYCLE.check_move(transfer, to)
    if to == S.CANCELLED:
        reservations.release(db, tenant=tenant, reference=reference(transfer))
    move(db, transfer, to, check=False)  # checked above
    stamp(transfer, user)
    db.flush()
    return transfer


def validate(db: Session, *, tenant: Tenant, user: User, transfer: Transfer) -> Transfer:
    """Move every line's stock from its source to its destination in one post and make the transfer final.

    A line whose reservation a count cut since it was scanned reserves the rest from its own bin and batch
    first; if that stock is not free, or a ledger rule refuses a record (the destination's ``maximumAmount``, an
    archived destination), it is a 409 and nothing moves."""
    LIFECYCLE.check_move(transfer, S.VALIDATED)
    lines = lines_of(db, transfer.id)
    if not lines:
        raise Conflict(f"Transfer {transfer.id} has no lines and cannot be validated.")
    held = reserved_per_line(db, tenant_id=tenant.id, transfer_id=transfer.id)
    short = [line for line in lines if held.get(line.id, 0) < line.quantity]
    if short:
        wants = [
            LineWant(line.id, line.product_id, line.quantity - held.get(line.id, 0), line.source_bin_id, line.batch_id)
            for line in short
        ]
        got = reservations.reserve_lines(
            db, tenant=tenant, reference=reference(transfer), warehouse_id=transfer.warehouse_id, lines=wants
        )
        for line, result in zip(short, got, strict=True):
            if result.shortfall:
                raise InsufficientStock(
                    f"Transfer {transfer.id} cannot be validated: line {line.id} lacks {result.shortfall} "
                    f"of its {line.quantity}, and its source holds no more free stock of its batch."
                )
    try:
        reservations.consume(
            db,
            tenant=tenant,
            user=user,
            reference=reference(transfer),
            into={line.id: line.destination_bin_id for line in lines},
        )
    except Conflict as exc:
        raise type(exc)(f"Transfer {transfer.id} cannot be validated: {exc.message}", exc.errors) from exc
    move(db, transfer, S.VALIDATED, check=False)  # checked above, before anything moved
    stamp(transfer, user)
    db.flush()
    return transfer


def delete(db: Session, *, tenant: Tenant, transfer: Transfer) -> int:
    """Delete a transfer not validated (409 once it is), releasing what it reserved; answers its id."""
    if transfer.status == S.VALIDATED:
        raise Conflict(f"Transfer {transfer.id} is validated and cannot be deleted.")
    reservations.release(db, tenant=tenant, reference=reference(transfer))
    outbox.emit(
        db,
        tenant_id=transfer.tenant_id,
        type="transfer.deleted",
        document_type=LIFECYCLE.document_type,
        document_id=transfer.id,
        data={"status": str(transfer.status), "warehouseId": transfer.warehouse_id},
    )
    transfer_id = transfer.id
    db.delete(transfer)
    db.flush()
    return transfer_id
