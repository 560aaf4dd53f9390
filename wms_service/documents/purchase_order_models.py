"""The purchase order's tables: a header, its lines (ordered quantities, one line per product) and the NIRs
linked to it. Received quantities are not stored: they are read from the validated linked NIRs."""

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import NEVER_REUSED, Base, IdMixin, Quantity


class PurchaseOrderStatus(StrEnum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    PARTIALLY_RECEIVED = "PARTIALLY_RECEIVED"
    RECEIVED = "RECEIVED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class PurchaseOrder(IdMixin, AuditMixin, Base):
    __tablename__ = "purchase_order"
    __table_args__ = (NEVER_REUSED,)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    # "date" in the API; not the attribute's name, which would hide the type in this class body.
    order_date: Mapped[date] = mapped_column("date", Date)
    arrival_date: Mapped[date | None] = mapped_column(Date)
    supplier_id: Mapped[int] = mapped_column(
        ForeignKey("company.id"), index=True, info=blocks_delete("purchase orders")
    )
    warehouse_id: Mapped[int | None] = mapped_column(
        ForeignKey("warehouse.id"), index=True, info=blocks_delete("purchase orders")
    )
    comment: Mapped[str | None] = mapped_column(Text)
    document_number: Mapped[str | None] = mapped_column(String(100))
    status_value: Mapped[str] = mapped_column("status", String(30))

    @property
    def status(self) -> PurchaseOrderStatus:
        return PurchaseOrderStatus(self.status_value)

    @status.setter
    def status(self, value: PurchaseOrderStatus) -> None:
        self.status_value = str(value)


class PurchaseOrderLine(IdMixin, Base):
    __tablename__ = "purchase_order_line"
    __table_args__ = (UniqueConstraint("purchase_order_id", "product_id"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True, info=blocks_delete("purchase orders"))
    quantity: Mapped[int] = mapped_column(Quantity)


class PurchaseOrderNir(IdMixin, Base):
    """A NIR received against a purchase order (a NIR may serve several, and an order arrive in several NIRs)."""

    __tablename__ = "purchase_order_nir"
    __table_args__ = (UniqueConstraint("purchase_order_id", "nir_id"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id", ondelete="CASCADE"), index=True)
    nir_id: Mapped[int] = mapped_column(ForeignKey("nir.id", ondelete="CASCADE"), index=True)
