"""The inventory's tables: a count over many bins of one warehouse (``inventory``) and its lines.

A line counts one product and batch in one bin with the same columns as a stocktaking's line (``CountedLine``):
the frozen expected quantity, the counted one, and the level at the finish.
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import Base, IdMixin, IdType, Quantity
from .models import CountedLine


class InventoryStatus(StrEnum):
    OPEN = "OPEN"
    VALIDATED = "VALIDATED"


class Inventory(IdMixin, AuditMixin, Base):
    """A count of many bins of one warehouse: open while scanned, validated (final) once its differences post."""

    __tablename__ = "inventory"
    # A document's id is never given again, not even on SQLite after a delete (main's db.NEVER_REUSED, when merged).
    __table_args__ = ({"sqlite_autoincrement": True},)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True, info=blocks_delete("inventories"))
    status_value: Mapped[str] = mapped_column("status", String(20))
    validated_at: Mapped[int | None] = mapped_column(IdType)

    @property
    def status(self) -> InventoryStatus:
        return InventoryStatus(self.status_value)

    @status.setter
    def status(self, value: InventoryStatus) -> None:
        self.status_value = str(value)


class InventoryLine(IdMixin, AuditMixin, CountedLine, Base):
    """One product and batch counted in one bin; counting it again replaces the count."""

    __tablename__ = "inventory_line"
    __table_args__ = (
        UniqueConstraint("inventory_id", "bin_id", "product_id", "batch_id"),
        # The overlap rule asks which open inventory counts a bin.
        Index("ix_inventory_line_bin_id", "bin_id"),
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventory.id", ondelete="CASCADE"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), info=blocks_delete("inventories"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True, info=blocks_delete("inventories"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True, info=blocks_delete("inventories"))
    # What the client thought was there (StockAdjustmentRequest.recordedQuantity): kept and shown, never posted.
    recorded_quantity: Mapped[int | None] = mapped_column(Quantity)
    production_date: Mapped[date | None] = mapped_column(Date)
    sn_list: Mapped[list | None] = mapped_column(JSON)
