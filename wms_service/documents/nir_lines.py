"""What a NIR's request must satisfy before anything is written: its external keys free, its warehouse and
supplier the tenant's, and each line's product, location and batch rules."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import Company, Product, Warehouse
from ..errors import Conflict, NotFound, ValidationFailed
from ..stock import batches
from ..stock.models import Bin
from .nir_models import Nir, NirLine

LINE = ("quantity", "external_line_id", "batch_code", "expiration_date", "production_date")


def check_keys_free(db: Session, tenant_id: int, values: dict, *, own_id: int | None) -> None:
    """externalReference and thirdPartyReference are unique per tenant: a taken one is a 409 naming the NIR (the
    unique constraints decide a race, and answer 409 too)."""
    for attr, label in (("external_reference", "externalReference"), ("third_party_reference", "thirdPartyReference")):
        value = values.get(attr)
        if value is None:
            continue
        taken = db.scalar(
            select(Nir.id).where(Nir.tenant_id == tenant_id, getattr(Nir, attr) == value, Nir.id != (own_id or 0))
        )
        if taken is not None:
            raise Conflict(f"NIR {taken} already has {label} {value!r}.", {label: [f"Already used by NIR {taken}."]})


def check_header(db: Session, tenant_id: int, values: dict) -> None:
    """The warehouse and the supplier (a company) are the tenant's (404 otherwise)."""
    if "warehouse_id" in values:
        found = db.scalar(
            select(Warehouse.id).where(Warehouse.tenant_id == tenant_id, Warehouse.id == values["warehouse_id"])
        )
        if found is None:
            raise NotFound(
                f"Warehouse {values['warehouse_id']} not found.", {"warehouseId": ["The warehouse does not exist."]}
            )
    if values.get("supplier_id") is not None:
        found = db.scalar(select(Company.id).where(Company.tenant_id == tenant_id, Company.id == values["supplier_id"]))
        if found is None:
            raise NotFound(
                f"Company {values['supplier_id']} not found.", {"supplierId": ["The company does not exist."]}
            )


def resolve_lines(db: Session, tenant_id: int, warehouse_id: int, lines: list[dict]) -> list[dict]:
    """Each line's product (by code), its named location (a bin of the NIR's warehouse), and the product's batch
    rules (a product that requires a batch code or an expiry date refuses a line without one: 400)."""
    if not lines:
        raise ValidationFailed("A NIR has at least one line.", {"nirProducts": ["At least one line."]})
    products = {
        p.code: p
        for p in db.scalars(
            select(Product).where(Product.tenant_id == tenant_id, Product.code.in_({li["code"] for li in lines}))
        )
    }
    codes = {li["location_code"] for li in lines if li.get("location_code")}
    bins = dict(
        db.execute(
            select(Bin.code, Bin.id).where(
                Bin.tenant_id == tenant_id, Bin.warehouse_id == warehouse_id, Bin.code.in_(codes)
            )
        ).all()
    )
    resolved = []
    for i, line in enumerate(lines):
        product = products.get(line["code"])
        if product is None:
            raise NotFound(f"No product has the code {line['code']!r}.", _at(i, "code", "Unknown product."))
        code = line.get("location_code")
        if code and code not in bins:
            raise NotFound(
                f"No location {code!r} in warehouse {warehouse_id}.", _at(i, "locationCode", "Unknown location.")
            )
        try:
            batches.require_codes(product, code=line.get("batch_code"), expiry=line.get("expiration_date"))
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, {"nirProducts": {str(i): exc.errors}}) from exc
        resolved.append(
            {"product_id": product.id, "bin_id": bins[code] if code else None, **{k: line.get(k) for k in LINE}}
        )
    return resolved


def as_values(db: Session, line: NirLine) -> dict:
    """A stored line as ``resolve_lines`` takes it (when the NIR moves to another warehouse)."""
    product = db.get(Product, line.product_id)
    bin_ = db.get(Bin, line.bin_id) if line.bin_id else None
    return {"code": product.code, "location_code": bin_.code if bin_ else None, **{k: getattr(line, k) for k in LINE}}


def _at(index: int, field: str, message: str) -> dict:
    """A line's field error, as the request names it."""
    return {"nirProducts": {str(index): {field: [message]}}}
