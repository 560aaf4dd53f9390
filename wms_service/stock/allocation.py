"""Where reserved stock comes from: the allocation order, and taking free stock under the bins' locks.

Allocation order (CONTRACT section 5), when a document does not name a place: batches by earliest expiry first
(FEFO); a batch whose expiry date has passed is never reserved (one expiring today still is); batches without
an expiry date come after every dated batch, as they can wait; then preferred bins, then ``binOrder``, then bin
id (then batch id, so the order is total). Only active bins of the document's warehouse, and only places with
free stock (on hand - reserved > 0). A named bin or batch narrows the candidates to it.

``take`` finds candidates first, locks the bins it will take from, reads the levels again under the lock, and
records what it took through ``holds.hold`` (the reservation rows and the ``reserved`` totals, ``holds.py``).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from . import availability, holds
from .holds import Holder
from .locks import lock_bins
from .models import Batch, Bin, BinInventoryBatch


@dataclass(frozen=True)
class Place:
    """Free stock of one batch in one bin."""

    bin_id: int
    batch_id: int
    free: int


def _places() -> Select:
    """Free places of some products in a warehouse, in allocation order (parameters ``tenant_id``,
    ``warehouse_id``, ``product_ids``, ``today``)."""
    b = BinInventoryBatch
    free = availability.free(b.amount, b.reserved)  # as a SQL expression
    return (
        select(b.product_id, b.bin_id, b.batch_id, free)
        .join(Bin, Bin.id == b.bin_id)
        .join(Batch, Batch.id == b.batch_id)
        .where(
            b.tenant_id == bindparam("tenant_id"),
            b.product_id.in_(bindparam("product_ids", expanding=True)),
            Bin.warehouse_id == bindparam("warehouse_id"),
            Bin.active.is_(True),
            free > 0,
            or_(Batch.expiry_date.is_(None), Batch.expiry_date >= bindparam("today")),
        )
        .order_by(Batch.expiry_date.is_(None), Batch.expiry_date, Bin.preferred.desc(), Bin.bin_order, Bin.id, Batch.id)
    )


# Built once: every order add reads it twice, and building the statement costs more Python than running it.
PLACES = _places()


def candidates(
    db: Session, *, tenant_id: int, warehouse_id: int, product_id: int, bin_id: int | None = None
) -> list[Place]:
    """Places holding free stock of the product in the warehouse (in ``bin_id`` only, when given), in allocation
    order."""
    query = PLACES if bin_id is None else PLACES.where(BinInventoryBatch.bin_id == bin_id)
    return [Place(*row[1:]) for row in db.execute(query, _params(tenant_id, warehouse_id, [product_id]))]


def _by_product(db: Session, *, tenant_id: int, warehouse_id: int, product_ids: set[int]) -> dict[int, list[Place]]:
    """``candidates`` of several products at once: product -> its places in allocation order."""
    places: dict[int, list[Place]] = {}
    for product_id, bin_id, batch_id, amount in db.execute(PLACES, _params(tenant_id, warehouse_id, product_ids)):
        places.setdefault(product_id, []).append(Place(bin_id, batch_id, amount))
    return places


def _params(tenant_id: int, warehouse_id: int, product_ids) -> dict:
    return {
        "tenant_id": tenant_id,
        "warehouse_id": warehouse_id,
        "product_ids": sorted(product_ids),
        "today": date.today(),
    }


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
            holds.hold(db, tenant_id=tenant_id, takes=takes)
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
