"""How much stock there is, read from the ledger's projection (never from a copy of it).

``bin_inventory`` holds, per bin and product, the sum of the ledger's records; these queries aggregate it per
product or list it per location. Reading costs the same whatever the ledger's length.
"""

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..catalog.models import Warehouse
from .models import Bin, BinInventory


@dataclass(frozen=True)
class LocationStock:
    product_id: int
    bin_id: int
    bin_code: str
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    quantity: int

    @property
    def location_name(self) -> str:
        return location_name(self.warehouse_name or self.warehouse_code, self.bin_code)


def location_name(warehouse_name: str, bin_code: str) -> str:
    """A bin's human name: its warehouse and its code, as a picker reads them off the shelf."""
    return f"{warehouse_name} / {bin_code}" if bin_code else warehouse_name


def on_hand_by_product(db: Session, tenant_id: int, product_ids: Collection[int]) -> dict[int, int]:
    rows = db.execute(
        select(BinInventory.product_id, func.sum(BinInventory.amount))
        .where(BinInventory.tenant_id == tenant_id, BinInventory.product_id.in_(product_ids))
        .group_by(BinInventory.product_id)
    )
    return {product_id: int(total or 0) for product_id, total in rows}


def location_columns() -> tuple[InstrumentedAttribute, ...]:
    """The columns a per-location stock row is made of, for queries that page or sort them."""
    return (
        BinInventory.product_id,
        BinInventory.bin_id,
        Bin.code,
        Bin.warehouse_id,
        Warehouse.code,
        Warehouse.name,
        BinInventory.amount,
    )


def located(query: Select) -> Select:
    """Join a query over ``BinInventory`` to its bin and warehouse."""
    return query.join(Bin, Bin.id == BinInventory.bin_id).join(Warehouse, Warehouse.id == Bin.warehouse_id)


def on_hand_by_location(db: Session, tenant_id: int, product_ids: Collection[int]) -> list[LocationStock]:
    """Every bin that holds (or, with negative stock allowed, owes) some of these products."""
    query = located(select(*location_columns())).where(
        BinInventory.tenant_id == tenant_id, BinInventory.product_id.in_(product_ids), BinInventory.amount != 0
    )
    query = query.order_by(BinInventory.product_id, Warehouse.code, Bin.code, Bin.id)
    return [LocationStock(*row) for row in db.execute(query)]
