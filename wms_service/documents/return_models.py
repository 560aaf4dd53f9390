"""A customer return's tables: a header (``customer_return``; ``return`` is an SQL word) and its lines.

The stock a return brought in is its ledger records (``Reference(DocumentKind.RETURN, id)``), which name the bin
and batch; a line keeps only what the client sent back: a product and a quantity.
"""

from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import NEVER_REUSED, Base, IdMixin, Quantity


class ReturnStatus(StrEnum):
    RECEIVED = "RECEIVED"


class CustomerReturn(IdMixin, AuditMixin, Base):
    """Goods a customer sent back, received at add into the warehouse's RETURNS bin."""

    __tablename__ = "customer_return"
    # A document's id is never given again, not even on SQLite (main's db.NEVER_REUSED, when merged).
    __table_args__ = (UniqueConstraint("tenant_id", "external_reference"), NEVER_REUSED)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    external_reference: Mapped[str] = mapped_column(String(100))
    external_client_id: Mapped[str] = mapped_column(String(100))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True, info=blocks_delete("returns"))
    # The order the goods left by (initialExternalOrderId): it caps what may come back, and names the batches.
    initial_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    # The bin the goods went into (the warehouse's RETURNS bin).
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), index=True, info=blocks_delete("returns"))
    status_value: Mapped[str] = mapped_column("status", String(30))

    @property
    def status(self) -> ReturnStatus:
        return ReturnStatus(self.status_value)

    @status.setter
    def status(self, value: ReturnStatus) -> None:
        self.status_value = str(value)


class ReturnLine(IdMixin, Base):
    """One returned product (``returnedProducts``)."""

    __tablename__ = "customer_return_line"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    return_id: Mapped[int] = mapped_column(ForeignKey("customer_return.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True, info=blocks_delete("returns"))
    quantity: Mapped[int] = mapped_column(Quantity)
