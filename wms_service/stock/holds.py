"""How reserved stock is held: the reservation rows (one per document line, bin and batch) and the ``reserved``
totals beside each batch's amount, moved together in the caller's transaction.

Every function here expects the bins it writes to be locked (``locks.lock_bins``); ``allocation.take`` decides
where a reservation comes from and calls ``hold``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Insert, Update, and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db import now
from .models import BinInventoryBatch, Reservation
from .references import DocumentKind, Reference

if TYPE_CHECKING:
    from .allocation import Place


def _upsert(insert) -> Insert:
    """A line's reservation row at a place is made, or grows (the unique key of a line and place); a grown row keeps
    its id and creation time, so the newest-first order of partial releases and count cuts holds."""
    c = Reservation.__table__.c
    statement = insert(Reservation.__table__)
    return statement.on_conflict_do_update(
        index_elements=[c.tenant_id, c.document_type, c.document_id, c.document_line_id, c.bin_id, c.batch_id],
        set_={"quantity": c.quantity + statement.excluded.quantity},
    )


def _move_reserved() -> Update:
    table = BinInventoryBatch.__table__
    return (
        update(table)
        .where(table.c.bin_id == bindparam("_bin"), table.c.batch_id == bindparam("_batch"))
        .values(reserved=table.c.reserved + bindparam("delta"))
    )


# Built once (per engine kind): every order add runs both, and building them costs more Python than running them.
UPSERT = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}
MOVE_RESERVED = _move_reserved()


@dataclass(frozen=True)
class Holder:
    """A document line that holds reservations, and what it named (a count may not move those elsewhere)."""

    reference: Reference
    line_id: int
    bin_named: bool = False
    batch_named: bool = False


def hold(db: Session, *, tenant_id: int, takes: list[tuple[Holder, int, "Place", int]]) -> None:
    """Add each take ``(holder, product_id, place, amount)`` to its holder's reservation row at the place (made
    when missing) and to the places' reserved totals (bins locked): two statements for any number of takes."""
    if not takes:
        return
    merged: dict[tuple, tuple[Holder, int, int]] = {}
    for holder, product_id, place, amount in takes:
        key = (str(holder.reference.kind), holder.reference.id, holder.line_id, place.bin_id, place.batch_id)
        before = merged.get(key)
        merged[key] = (holder, product_id, amount + (before[2] if before else 0))
    moment = now()
    rows = [
        {
            "tenant_id": tenant_id,
            "product_id": product_id,
            "bin_id": key[3],
            "batch_id": key[4],
            "quantity": amount,
            "document_type": key[0],
            "document_id": key[1],
            "document_line_id": key[2],
            "bin_named": holder.bin_named,
            "batch_named": holder.batch_named,
            "created": moment,
        }
        for key, (holder, product_id, amount) in merged.items()
    ]
    db.execute(UPSERT[db.get_bind().dialect.name], rows)
    deltas: dict[tuple[int, int], int] = {}
    for key, (_h, _p, amount) in merged.items():
        deltas[(key[3], key[4])] = deltas.get((key[3], key[4]), 0) + amount
    move_reserved(db, deltas)


@dataclass(frozen=True)
class Held:
    """One reservation row as read under its bin's lock."""

    id: int
    holder: Holder
    product_id: int
    bin_id: int
    batch_id: int
    quantity: int


def held(
    db: Session,
    *,
    tenant_id: int,
    reference: Reference | None = None,
    line_id: int | None = None,
    places: Iterable[tuple[int, int]] | None = None,
) -> list[Held]:
    """Reservation rows of a document (or one line of it), or at ``places`` {(bin, batch)}; oldest first."""
    r = Reservation
    # Columns, not ORM objects: the session may hold rows that the bulk statements here changed behind its back.
    query = (
        select(
            r.id,
            r.document_type,
            r.document_id,
            r.document_line_id,
            r.bin_named,
            r.batch_named,
            r.product_id,
            r.bin_id,
            r.batch_id,
            r.quantity,
        )
        .where(r.tenant_id == tenant_id)
        .order_by(r.id)
    )
    if reference is not None:
        query = query.where(r.document_type == str(reference.kind), r.document_id == reference.id)
    if line_id is not None:
        query = query.where(r.document_line_id == line_id)
    if places is not None:
        query = query.where(or_(*(and_(r.bin_id == b, r.batch_id == bt) for b, bt in places)))
    return [
        Held(row_id, Holder(Reference(DocumentKind(kind), doc), line, bin_named, batch_named), *rest)
        for row_id, kind, doc, line, bin_named, batch_named, *rest in db.execute(query)
    ]


def drop(db: Session, cuts: list[tuple[Held, int]]) -> None:
    """Take ``amount`` off each reservation row (deleting the rows that reach 0) and off the reserved totals."""
    r = Reservation
    gone = [row.id for row, amount in cuts if amount >= row.quantity]
    if gone:
        db.execute(delete(r).where(r.id.in_(gone)))
    less = [{"_id": row.id, "cut": amount} for row, amount in cuts if amount < row.quantity]
    if less:
        table = r.__table__
        db.execute(
            update(table).where(table.c.id == bindparam("_id")).values(quantity=table.c.quantity - bindparam("cut")),
            less,
        )
    deltas = {}
    for row, amount in cuts:
        deltas[(row.bin_id, row.batch_id)] = deltas.get((row.bin_id, row.batch_id), 0) - min(amount, row.quantity)
    move_reserved(db, deltas)


def move_reserved(db: Session, deltas: dict[tuple[int, int], int]) -> None:
    """Add each delta to the reserved total of its (bin, batch)."""
    moves = [{"_bin": b, "_batch": bt, "delta": d} for (b, bt), d in sorted(deltas.items()) if d]
    if not moves:
        return
    db.execute(MOVE_RESERVED, moves)
    for obj in list(db.identity_map.values()):
        if isinstance(obj, BinInventoryBatch):
            db.expire(obj, ["reserved"])
