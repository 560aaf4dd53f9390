"""Where reserved stock comes from, and how it is held: the allocation order and the reservation rows.

Allocation order (CONTRACT section 5), when a document does not name a place: batches by earliest expiry first
(FEFO); a batch whose expiry date has passed is never reserved (one expiring today still is); batches without
an expiry date come after every dated batch, as they can wait; then preferred bins, then ``binOrder``, then bin
id (then batch id, so the order is total). Only active bins of the document's warehouse, and only places with
free stock (on hand - reserved > 0). A named bin or batch narrows the candidates to it.

Every function that writes here expects the bins it writes to be locked (``locks.lock_bins``): the reservation
rows and the ``reserved`` totals on ``bin_inventory_batch`` move together under that lock, in the caller's
transaction. ``take`` finds candidates first, locks the bins it will take from, and reads the levels again under
the lock.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db import now
from . import availability
from .locks import lock_bins
from .models import Batch, Bin, BinInventoryBatch, Reservation
from .references import DocumentKind, Reference

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Holder:
    """A document line that holds reservations, and what it named (a count may not move those elsewhere)."""

    reference: Reference
    line_id: int
    bin_named: bool = False
    batch_named: bool = False


@dataclass(frozen=True)
class Place:
    """Free stock of one batch in one bin."""

    bin_id: int
    batch_id: int
    free: int


def candidates(
    db: Session,
    *,
    tenant_id: int,
    warehouse_id: int,
    product_id: int,
    bin_id: int | None = None,
    batch_id: int | None = None,
    among: set[int] | None = None,
) -> list[Place]:
    """Places holding free stock of the product in the warehouse, in allocation order (``among``: these bins)."""
    b = BinInventoryBatch
    free = availability.free(b.amount, b.reserved)  # as a SQL expression
    query = (
        select(b.bin_id, b.batch_id, free)
        .join(Bin, Bin.id == b.bin_id)
        .join(Batch, Batch.id == b.batch_id)
        .where(
            b.tenant_id == tenant_id,
            b.product_id == product_id,
            Bin.warehouse_id == warehouse_id,
            Bin.active.is_(True),
            free > 0,
            or_(Batch.expiry_date.is_(None), Batch.expiry_date >= date.today()),
        )
        .order_by(Batch.expiry_date.is_(None), Batch.expiry_date, Bin.preferred.desc(), Bin.bin_order, Bin.id, Batch.id)
    )
    if bin_id is not None:
        query = query.where(b.bin_id == bin_id)
    if batch_id is not None:
        query = query.where(b.batch_id == batch_id)
    if among is not None:
        query = query.where(b.bin_id.in_(among))
    return [Place(*row) for row in db.execute(query)]


def _by_product(
    db: Session, *, tenant_id: int, warehouse_id: int, product_ids: set[int], among: set[int] | None = None
) -> dict[int, list[Place]]:
    """``candidates`` of several products at once: product -> its places in allocation order."""
    b = BinInventoryBatch
    free = availability.free(b.amount, b.reserved)
    query = (
        select(b.product_id, b.bin_id, b.batch_id, free)
        .join(Bin, Bin.id == b.bin_id)
        .join(Batch, Batch.id == b.batch_id)
        .where(
            b.tenant_id == tenant_id,
            b.product_id.in_(sorted(product_ids)),
            Bin.warehouse_id == warehouse_id,
            Bin.active.is_(True),
            free > 0,
            or_(Batch.expiry_date.is_(None), Batch.expiry_date >= date.today()),
        )
        .order_by(Batch.expiry_date.is_(None), Batch.expiry_date, Bin.preferred.desc(), Bin.bin_order, Bin.id, Batch.id)
    )
    if among is not None:
        query = query.where(b.bin_id.in_(sorted(among)))
    places: dict[int, list[Place]] = {}
    for product_id, bin_id, batch_id, amount in db.execute(query):
        places.setdefault(product_id, []).append(Place(bin_id, batch_id, amount))
    return places


@dataclass(frozen=True)
class Want:
    """What one document line asks to reserve: a product in a warehouse, perhaps from a named bin or batch."""

    holder: Holder
    warehouse_id: int
    product_id: int
    quantity: int
    bin_id: int | None = None
    batch_id: int | None = None

    def fits(self, place: Place) -> bool:
        """Whether the place is one this want may take from (its named bin and batch, if any)."""
        return (self.bin_id is None or place.bin_id == self.bin_id) and (
            self.batch_id is None or place.batch_id == self.batch_id
        )

    @property
    def key(self) -> tuple:
        """What it asks for, whoever asks."""
        return (self.warehouse_id, self.product_id, self.bin_id, self.batch_id)

    def where(self, tenant_id: int) -> dict:
        return {
            "tenant_id": tenant_id,
            "warehouse_id": self.warehouse_id,
            "product_id": self.product_id,
            "bin_id": self.bin_id,
            "batch_id": self.batch_id,
        }


def take(db: Session, *, tenant_id: int, wants: list[Want], skip_locked: bool = False) -> list[int]:
    """Reserve up to each want's quantity in allocation order, one want after the other; answers how much each got.

    Only the bins the allocation takes from are locked, not every bin holding free stock of the products: adds of
    the same products would otherwise queue on bins none of them takes from. Each round reads the candidates in
    allocation order (one query per warehouse), plans the takes over them, and stops when every bin the plan takes
    from is locked: those levels were read under the lock, so what a concurrent writer took or reserved meanwhile
    is seen and two takers never promise the same unit. Otherwise it locks the candidate bins up to the highest
    unlocked one the plan uses (in id order, with any lower candidate not yet held, so the held bins always form
    a prefix of the candidates by id) and plans again: a concurrent taker may have emptied one, and the plan
    extends to the next. Every lock it waits for has a higher id than every bin it already holds (a bin below
    them that was no candidate when they were locked is left out of the plan), so it waits in id order as the
    ledger does and never in a cycle. Each round locks one more bin or drops one (``skip_locked``, gone), so it
    ends; the usual add is one round: read, lock, read. Every reservation is written at the end in a few
    statements.
    """
    products: dict[int, set[int]] = {}  # warehouse -> the products wanted there
    for want in wants:
        products.setdefault(want.warehouse_id, set()).add(want.product_id)
    locked: set[int] = set()
    left_out: set[int] = set()  # bins below the held ones that were no candidates then, or refused by the lock
    while True:
        read = {w: _by_product(db, tenant_id=tenant_id, warehouse_id=w, product_ids=ps) for w, ps in products.items()}
        top = max(locked, default=0)
        for places in (p for by in read.values() for p in by.values()):
            left_out.update(p.bin_id for p in places if p.bin_id not in locked and p.bin_id < top)
        got, takes = _plan(wants, read, left_out)
        unlocked = {place.bin_id for _h, _p, place, _a in takes} - locked
        if not unlocked:
            hold(db, tenant_id=tenant_id, takes=takes)
            return got
        upto = max(unlocked)
        candidates = {p.bin_id for by in read.values() for ps in by.values() for p in ps}
        asked = {b for b in candidates if b <= upto} - locked - left_out
        granted = set(lock_bins(db, tenant_id, asked, skip_locked=skip_locked))
        locked |= granted
        left_out |= asked - granted


def _plan(
    wants: list[Want], read: dict[int, dict[int, list[Place]]], left_out: set[int]
) -> tuple[list[int], list[tuple[Holder, int, Place, int]]]:
    """Serve the wants one after the other from ``read`` (warehouse -> product -> places in allocation order),
    skipping the ``left_out`` bins: how much each gets, and the takes ``(holder, product, place, amount)``."""
    order: dict[tuple, list[tuple[int, int]]] = {}  # key -> its places in allocation order
    free_now: dict[tuple[int, int], int] = {}  # (bin, batch) -> free as read, less what this plan took
    got, takes = [], []
    for want in wants:
        if want.key not in order:
            places = [
                p for p in read[want.warehouse_id].get(want.product_id, []) if want.fits(p) and p.bin_id not in left_out
            ]
            order[want.key] = [(p.bin_id, p.batch_id) for p in places]
            for p in places:
                # What we took from a place in this call is not written until the end: what we hold is the truth.
                free_now.setdefault((p.bin_id, p.batch_id), p.free)
        wanted = want.quantity
        for place in order[want.key]:
            if not wanted:
                break
            amount = min(wanted, free_now[place])
            if amount > 0:
                takes.append((want.holder, want.product_id, Place(place[0], place[1], free_now[place]), amount))
                free_now[place] -= amount
                wanted -= amount
        got.append(want.quantity - wanted)
    return got, takes


def hold(db: Session, *, tenant_id: int, takes: list[tuple[Holder, int, Place, int]]) -> None:
    """Add each take ``(holder, product_id, place, amount)`` to its holder's reservation row at the place (made
    when missing) and to the places' reserved totals (bins locked): two statements for any number of takes."""
    if not takes:
        return
    table = Reservation.__table__
    c = table.c
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
    # One statement: a line's row at a place is made, or grows (the unique key of a line and place); a grown row
    # keeps its id and creation time, so the newest-first order of partial releases and count cuts holds.
    upsert = _INSERT[db.get_bind().dialect.name](table)
    db.execute(
        upsert.on_conflict_do_update(
            index_elements=[
                c.tenant_id,
                c.document_type,
                c.document_id,
                c.document_line_id,
                c.bin_id,
                c.batch_id,
            ],
            set_={"quantity": c.quantity + upsert.excluded.quantity},
        ),
        rows,
    )
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
    table = BinInventoryBatch.__table__
    db.execute(
        update(table)
        .where(table.c.bin_id == bindparam("_bin"), table.c.batch_id == bindparam("_batch"))
        .values(reserved=table.c.reserved + bindparam("delta")),
        moves,
    )
    for obj in list(db.identity_map.values()):
        if isinstance(obj, BinInventoryBatch):
            db.expire(obj, ["reserved"])
