"""The NIR's tables (the Romanian goods-receipt note): a header (``nir``) and its lines.

Until the NIR is validated no stock moves and its lines say what is expected; validation posts each line's
quantity (``PURCHASE_DOCUMENT`` records, recordType ``NIR``) and writes down where it went (``put_bin_id``) and
in which batch (``batch_id``), so ``validation-info`` answers what the ledger got.
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import NEVER_REUSED, Base, IdMixin, IdType, Quantity


class NirStatus(StrEnum):
    PENDING = "PENDING"  # waiting for validation; its lines may change and it may be deleted
    VALIDATED = "VALIDATED"  # final: the goods are in the bins


class Nir(IdMixin, AuditMixin, Base):
    __tablename__ = "nir"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_reference"),
        UniqueConstraint("tenant_id", "third_party_reference"),
        NEVER_REUSED,
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    external_reference: Mapped[str] = mapped_column(String(100))
    third_party_reference: Mapped[str | None] = mapped_column(String(100))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True, info=blocks_delete("NIRs"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True, info=blocks_delete("NIRs"))
    packaging_type: Mapped[str | None] = mapped_column(String(100))
    # Stored as text, read as a ``NirStatus`` (the status table speaks in members).
    status_value: Mapped[str] = mapped_column("status", String(30))
    # When and by whom it was validated (seconds, as the audit fields); the user's name kept as it was then.
    validated_at: Mapped[int | None] = mapped_column(IdType)
    validated_by_id: Mapped[int | None] = mapped_column(IdType)
    validated_by: Mapped[str | None] = mapped_column(String(100))

    @property
    def status(self) -> NirStatus:
        return NirStatus(self.status_value)

    @status.setter
    def status(self, value: NirStatus) -> None:
        self.status_value = str(value)

    @property
    def validated(self) -> bool:
        return self.status == NirStatus.VALIDATED


class NirLine(IdMixin, Base):
    """One product expected (and, once validated, received): ``bin_id`` when the line named its location."""

    __tablename__ = "nir_line"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    nir_id: Mapped[int] = mapped_column(ForeignKey("nir.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True, info=blocks_delete("NIRs"))
    quantity: Mapped[int] = mapped_column(Quantity)
    external_line_id: Mapped[str | None] = mapped_column(String(100))
    batch_code: Mapped[str | None] = mapped_column(String(100))
    expiration_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id"), index=True, info=blocks_delete("NIRs"))
    # Set by validation: where the line's goods went and in which batch.
    put_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bin.id"), index=True, info=blocks_delete("NIRs"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True, info=blocks_delete("NIRs"))
