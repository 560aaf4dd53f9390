"""Reservations: stock promised to a document (an order) but not yet taken from the ledger.

A reservation lowers the free quantity and never the ledger: the goods stay in their bin until picking posts
the records that take them out, which then releases the reservation. Until the order documents exist the table
is empty, so every reserved quantity reads as 0 because nothing is reserved, not because the code says so.
"""

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..catalog.delete_rules import blocks_delete
from ..db import Base, IdMixin, IdType


class Reservation(IdMixin, Base):
    __tablename__ = "stock_reservation"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_reservation_tenant_product", "tenant_id", "product_id"),
        Index("ix_stock_reservation_document", "tenant_id", "document_type", "document_id"),
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), info=blocks_delete("reservations"))
    # NULL: reserved from the product's stock anywhere; a bin: reserved from that location.
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id"), info=blocks_delete("reservations"))
    quantity: Mapped[int] = mapped_column(Integer)
    document_type: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int] = mapped_column(IdType)
    document_line_id: Mapped[int | None] = mapped_column(IdType)
    created: Mapped[int] = mapped_column(IdType)


def reserved_by_product(db, tenant_id: int, product_ids) -> dict[int, int]:
    """Reserved quantity per product, wherever it is reserved from."""
    rows = db.execute(
        select(Reservation.product_id, func.sum(Reservation.quantity))
        .where(Reservation.tenant_id == tenant_id, Reservation.product_id.in_(product_ids))
        .group_by(Reservation.product_id)
    )
    return {product_id: int(total) for product_id, total in rows}


def reserved_by_location(db, tenant_id: int, product_ids) -> dict[tuple[int, int], int]:
    """Reserved quantity per (product, bin), for the reservations made from a named location."""
    rows = db.execute(
        select(Reservation.product_id, Reservation.bin_id, func.sum(Reservation.quantity))
        .where(
            Reservation.tenant_id == tenant_id,
            Reservation.product_id.in_(product_ids),
            Reservation.bin_id.is_not(None),
        )
        .group_by(Reservation.product_id, Reservation.bin_id)
    )
    return {(product_id, bin_id): int(total) for product_id, bin_id, total in rows}
