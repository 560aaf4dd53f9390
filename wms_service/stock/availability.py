"""What can be promised: the ledger's quantity on hand less what reservations already hold.

Free = on hand - reserved (``free``), per product and per location; this module is the one place that says
so, and the faces read free quantities through it. What reservations hold is read from the projection
(``bin_inventory_batch.reserved``, kept in step with the reservations under the bin locks), so it costs the
same aggregate queries as the quantities on hand.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from . import levels
from .models import BinInventoryBatch


def free(on_hand: int | ColumnElement[int], reserved: int | ColumnElement[int]) -> int | ColumnElement[int]:
    """The quantity that can still be promised or taken (of numbers, or of columns in a query)."""
    return on_hand - reserved


@dataclass(frozen=True)
class LocationAvailability:
    stock: levels.LocationStock
    reserved: int

    @property
    def free(self) -> int:
        return free(self.stock.quantity, self.reserved)


@dataclass
class Availability:
    on_hand: int = 0
    reserved: int = 0
    locations: list[LocationAvailability] = field(default_factory=list)

    @property
    def free(self) -> int:
        return free(self.on_hand, self.reserved)


def reserved_by_product(db: Session, tenant_id: int, product_ids: Collection[int]) -> dict[int, int]:
    """Reserved quantity per product (only products with some reserved)."""
    b = BinInventoryBatch
    rows = db.execute(
        select(b.product_id, func.sum(b.reserved))
        .where(b.tenant_id == tenant_id, b.product_id.in_(product_ids), b.reserved != 0)
        .group_by(b.product_id)
    )
    return {product_id: int(total) for product_id, total in rows}


def reserved_by_location(db: Session, tenant_id: int, product_ids: Collection[int]) -> dict[tuple[int, int], int]:
    """Reserved quantity per (product, bin) (only where some is reserved)."""
    b = BinInventoryBatch
    rows = db.execute(
        select(b.product_id, b.bin_id, func.sum(b.reserved))
        .where(b.tenant_id == tenant_id, b.product_id.in_(product_ids), b.reserved != 0)
        .group_by(b.product_id, b.bin_id)
    )
    return {(product_id, bin_id): int(total) for product_id, bin_id, total in rows}


def for_products(db: Session, tenant_id: int, product_ids: Iterable[int]) -> dict[int, Availability]:
    """Availability of each product, with its locations; four aggregate queries whatever the number of products."""
    product_ids = list(product_ids)
    on_hand = levels.on_hand_by_product(db, tenant_id, product_ids)
    reserved = reserved_by_product(db, tenant_id, product_ids)
    reserved_at = reserved_by_location(db, tenant_id, product_ids)
    result = {pid: Availability(on_hand.get(pid, 0), reserved.get(pid, 0)) for pid in product_ids}
    for stock in levels.on_hand_by_location(db, tenant_id, product_ids):
        reserved_here = reserved_at.get((stock.product_id, stock.bin_id), 0)
        result[stock.product_id].locations.append(LocationAvailability(stock, reserved_here))
    return result
