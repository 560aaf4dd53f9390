"""The order's tables: a header (``sales_order``; ``order`` is an SQL word) and its lines.

An order line's reservations live in ``stock_reservation`` under ``Reference(DocumentKind.ORDER, order.id)`` with
the line's id; the order keeps no reserved quantities of its own, so it cannot drift from what the bins hold.
"""

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import NEVER_REUSED, Base, IdMixin, IdType, Quantity


class OrderStatus(StrEnum):
    WAITING_FOR_SUPPLY = "WAITING_FOR_SUPPLY"
    READY_FOR_PICKING = "READY_FOR_PICKING"
    PICKING = "PICKING"
    PICKED = "PICKED"
    VALIDATED = "VALIDATED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class Order(IdMixin, AuditMixin, Base):
    """A customer order: reserved at add, picked (the goods leave the bins), shipped, delivered."""

    __tablename__ = "sales_order"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_order_id"),
        UniqueConstraint("tenant_id", "third_party_reference"),
        # The re-check reads the tenant's waiting orders oldest first.
        Index("ix_sales_order_tenant_status_added", "tenant_id", "status", "added", "id"),
        NEVER_REUSED,
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    external_order_id: Mapped[str] = mapped_column(String(100))
    third_party_reference: Mapped[str | None] = mapped_column(String(100))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True, info=blocks_delete("orders"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True, info=blocks_delete("orders"))
    # Stored as text, read as an ``OrderStatus`` (the status table speaks in members).
    status_value: Mapped[str] = mapped_column("status", String(30))
    order_type: Mapped[int | None] = mapped_column(Integer)
    requires_validation: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str | None] = mapped_column(Text)
    awb_external_link: Mapped[str | None] = mapped_column(String(2000))
    invoice_external_link: Mapped[str | None] = mapped_column(String(2000))
    number_of_envelopes: Mapped[int | None] = mapped_column(Integer)
    number_of_packages: Mapped[int | None] = mapped_column(Integer)
    # The user who took it for picking (update-status PICKING); a user id, kept like the audit fields' ids.
    picker_id: Mapped[int | None] = mapped_column(IdType)

    @property
    def status(self) -> OrderStatus:
        return OrderStatus(self.status_value)

    @status.setter
    def status(self, value: OrderStatus) -> None:
        self.status_value = str(value)


class OrderLine(IdMixin, Base):
    """One product of an order; ``bin_id`` when the line named a location (its stock comes from there only).

    ``waiting``: the line is not fully reserved and its order waits for supply. The re-check reads waiting lines by
    product through a partial index, so its cost follows the lines waiting for the products that got stock, not
    every waiting order nor every line ever written for the product. Set where a line's reservations change
    against its quantity: add, the re-check, a count's cut, an update of the lines, cancel.
    """

    __tablename__ = "sales_order_line"
    __table_args__ = (
        Index(
            "ix_sales_order_line_waiting",
            "tenant_id",
            "product_id",
            "order_id",
            postgresql_where=text("waiting"),
            sqlite_where=text("waiting"),
        ),
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True, info=blocks_delete("orders"))
    quantity: Mapped[int] = mapped_column(Quantity)
    external_line_id: Mapped[str | None] = mapped_column(String(100))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id"), index=True, info=blocks_delete("orders"))
    waiting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
