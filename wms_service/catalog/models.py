"""The catalog that stock refers to: warehouses and products, and Planograma's categories, units and companies.

External keys (``external_reference``, ``third_party_reference``) are NULL when absent and unique per tenant
when present; a plain unique constraint allows any number of NULLs on both engines.
"""

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..db import Base, IdMixin, IdType
from ..exact import ExactDecimal
from .delete_rules import blocks_delete


class Warehouse(IdMixin, AuditMixin, Base):
    __tablename__ = "warehouse"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(IdMixin, AuditMixin, Base):
    __tablename__ = "category"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_reference"),
        UniqueConstraint("tenant_id", "third_party_reference"),
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    details: Mapped[str | None] = mapped_column(Text)
    external_reference: Mapped[str | None] = mapped_column(String(100))
    third_party_reference: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def _flag():
    return mapped_column(Boolean, default=False, server_default=false())


def _measure():
    return mapped_column(ExactDecimal)


class Product(IdMixin, AuditMixin, Base):
    """One product table for both faces: Planograma's productCode is ``code``, productName is ``name``."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("tenant_id", "code"), UniqueConstraint("tenant_id", "third_party_reference"))

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    sku: Mapped[str | None] = mapped_column(String(100))
    third_party_reference: Mapped[str | None] = mapped_column(String(100))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id"), index=True, info=blocks_delete("products")
    )
    # No VAT table: the id is the integrator's, kept and returned as given.
    vat_id: Mapped[int | None] = mapped_column(IdType)
    vat_percentage: Mapped[Decimal | None] = _measure()
    purchase_price: Mapped[Decimal | None] = _measure()
    selling_price: Mapped[Decimal | None] = _measure()
    minimum_stock: Mapped[int | None] = mapped_column(Integer)
    requires_serial_number: Mapped[bool] = _flag()
    requires_batch_code: Mapped[bool] = _flag()
    requires_batch_details: Mapped[bool] = _flag()
    requires_production_date: Mapped[bool] = _flag()
    requires_expiration_date: Mapped[bool] = _flag()
    width: Mapped[Decimal | None] = _measure()
    height: Mapped[Decimal | None] = _measure()
    length: Mapped[Decimal | None] = _measure()
    weight: Mapped[Decimal | None] = _measure()
    volume: Mapped[Decimal | None] = _measure()
    diameter: Mapped[Decimal | None] = _measure()
    material: Mapped[str | None] = mapped_column(String(100))
    color: Mapped[str | None] = mapped_column(String(100))


class MeasurementUnit(IdMixin, AuditMixin, Base):
    __tablename__ = "measurement_unit"
    __table_args__ = (UniqueConstraint("tenant_id", "code"), UniqueConstraint("tenant_id", "third_party_reference"))

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(40))
    details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="ACTIVE")
    third_party_reference: Mapped[str | None] = mapped_column(String(100))


class Company(IdMixin, AuditMixin, Base):
    """A client or supplier of the tenant."""

    __tablename__ = "company"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_reference"),
        UniqueConstraint("tenant_id", "third_party_reference"),
    )

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    external_reference: Mapped[str | None] = mapped_column(String(100))
    third_party_reference: Mapped[str | None] = mapped_column(String(100))
    cui: Mapped[str | None] = mapped_column(String(40), index=True)
    reg_no: Mapped[str | None] = mapped_column(String(60))
    bank: Mapped[str | None] = mapped_column(String(200))
    iban: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20), default="CLIENT")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
