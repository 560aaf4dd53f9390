"""What can be promised: the ledger's quantity on hand less what reservations already hold.

Free = on hand - reserved, per product and per location. Reservations made without a location lower the
product's free quantity but no single location's.
"""

from dataclasses import dataclass, field

from . import levels, reservations


@dataclass(frozen=True)
class LocationAvailability:
    stock: levels.LocationStock
    reserved: int

    @property
    def free(self) -> int:
        return self.stock.quantity - self.reserved


@dataclass
class Availability:
    on_hand: int = 0
    reserved: int = 0
    locations: list[LocationAvailability] = field(default_factory=list)

    @property
    def free(self) -> int:
        return self.on_hand - self.reserved


def for_products(db, tenant_id: int, product_ids) -> dict[int, Availability]:
    """Availability of each product, with its locations; four aggregate queries whatever the number of products."""
    product_ids = list(product_ids)
    on_hand = levels.on_hand_by_product(db, tenant_id, product_ids)
    reserved = reservations.reserved_by_product(db, tenant_id, product_ids)
    reserved_at = reservations.reserved_by_location(db, tenant_id, product_ids)
    result = {pid: Availability(on_hand.get(pid, 0), reserved.get(pid, 0)) for pid in product_ids}
    for stock in levels.on_hand_by_location(db, tenant_id, product_ids):
        reserved_here = reserved_at.get((stock.product_id, stock.bin_id), 0)
        result[stock.product_id].locations.append(LocationAvailability(stock, reserved_here))
    return result
