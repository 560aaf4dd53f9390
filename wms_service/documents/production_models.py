"""A production order's tables: the header (what is made, how many, where) and its components (per unit made)."""

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import NEVER_REUSED, Base, IdMixin, IdType, Quantity


class ProductionStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class ProductionOrder(IdMixin, AuditMixin, Base):
    """Makes ``quantity`` of a product from its components when it is closed."""

    __tablename__ = "production_order"
    # A document's id is never given again, not even on SQLite (main's db.NEVER_REUSED, when merged).
    __table_args__ = (UniqueConstraint("tenant_id", "third_party_reference"), NEVER_REUSED)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    third_party_reference: Mapped[str] = mapped_column(String(100))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id"), index=True, info=blocks_delete("production orders")
    )
    quantity: Mapped[int] = mapped_column(Quantity)
    warehouse_id: Mapped[int] = mapped_column(
        ForeignKey("warehouse.id"), index=True, info=blocks_delete("production orders")
    )
    # The location the output goes to (locationCode); None: the warehouse's PRODUCTION bin.
    bin_id: Mapped[int | None] = mapped_column(
        ForeignKey("bin.id"), index=True, info=blocks_delete("production orders")
    )
    # The output's batch (batches.for_receipt): its code and expiry, when the client gave them.
    batch_code: Mapped[str | None] = mapped_column(String(100))
    expiration_date: Mapped[date | None] = mapped_column(Date)
    status_value: Mapped[str] = mapped_column("status", String(30))
    closed_at: Mapped[int | None] = mapped_column(IdType)
    closed_by_id: Mapped[int | None] = mapped_column(IdType)

    @property
    def status(self) -> ProductionStatus:
        return ProductionStatus(self.status_value)

    @status.setter
    def status(self, value: ProductionStatus) -> None:
        self.status_value = str(value)


class ProductionComponent(IdMixin, Base):
    """``quantity`` of a product consumed per unit made."""

    __tablename__ = "production_order_component"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    production_order_id: Mapped[int] = mapped_column(ForeignKey("production_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id"), index=True, info=blocks_delete("production orders")
    )
    quantity: Mapped[int] = mapped_column(Quantity)
