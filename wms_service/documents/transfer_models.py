"""The transfer's tables: a header (one warehouse) and its lines, each moving one product and batch from one bin
to another.

A line is concrete: one product, one batch, one source bin, one destination bin (and the SSCC it was scanned
under). Its source stock is reserved in ``stock_reservation`` under ``Reference(TRANSFER, transfer.id)`` with the
line's id, exactly one row (bin and batch named); validating posts that row as a negative record from the source
and a positive one into the destination.
"""

import json
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import NEVER_REUSED, Base, IdMixin, Quantity


class TransferStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    VALIDATED = "VALIDATED"
    CANCELLED = "CANCELLED"


class Transfer(IdMixin, AuditMixin, Base):
    """Stock moving between bins of one warehouse: scanned line by line, then validated (final) or cancelled."""

    __tablename__ = "transfer"
    __table_args__ = (NEVER_REUSED,)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True, info=blocks_delete("transfers"))
    # Stored as text, read as a ``TransferStatus`` (the status table speaks in members).
    status_value: Mapped[str] = mapped_column("status", String(30))

    @property
    def status(self) -> TransferStatus:
        return TransferStatus(self.status_value)

    @status.setter
    def status(self, value: TransferStatus) -> None:
        self.status_value = str(value)


class TransferLine(IdMixin, Base):
    """``quantity`` of one product and batch moving from ``source_bin_id`` to ``destination_bin_id``."""

    __tablename__ = "transfer_line"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True, info=blocks_delete("transfers"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True, info=blocks_delete("transfers"))
    source_bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), index=True, info=blocks_delete("transfers"))
    destination_bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), index=True, info=blocks_delete("transfers"))
    quantity: Mapped[int] = mapped_column(Quantity)
    sscc_code: Mapped[str | None] = mapped_column(String(100))
    # The serial numbers scanned into the line, a JSON list of strings (``serial_numbers`` reads it).
    sn: Mapped[str] = mapped_column(Text, default="[]")

    @property
    def serial_numbers(self) -> list[str]:
        return json.loads(self.sn or "[]")

    def add_serial_number(self, value: str) -> None:
        """Keep ``value`` among the line's serial numbers (once)."""
        known = self.serial_numbers
        if value not in known:
            self.sn = json.dumps([*known, value])
