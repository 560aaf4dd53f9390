"""What a NIR's request must satisfy before anything is written: its external keys free, its warehouse and
supplier the tenant's, and each line's product, location and batch rules."""

from sqlalchemy.orm import Session

from .. import repo
from ..catalog.models import Company, Product, Warehouse
from ..errors import ValidationFailed
from ..stock import batches
from ..stock.models import Bin
from . import lines as lines_
from .nir_models import Nir, NirLine

LINE = ("quantity", "external_line_id", "batch_code", "expiration_date", "production_date")


def check_keys_free(db: Session, tenant_id: int, values: dict, *, own_id: int | None) -> None:
    """externalReference and thirdPartyReference are unique per tenant: a taken one is a 409 naming the NIR."""
    repo.check_keys_free(db, Nir, tenant_id, values, KEYS, noun="NIR", own_id=own_id)


KEYS = {"external_reference": "externalReference", "third_party_reference": "thirdPartyReference"}


def check_header(db: Session, tenant_id: int, values: dict) -> None:
    """The warehouse and the supplier (a company) are the tenant's (404 otherwise)."""
    if "warehouse_id" in values:
        repo.require(db, Warehouse, tenant_id, values["warehouse_id"], "Warehouse", field="warehouseId")
    if values.get("supplier_id") is not None:
        repo.require(db, Company, tenant_id, values["supplier_id"], "Company", field="supplierId")


def resolve_lines(db: Session, tenant_id: int, warehouse_id: int, lines: list[dict]) -> list[dict]:
    """Each line's product (by code), its named location (a bin of the NIR's warehouse), and the product's batch
    rules (a product that requires a batch code or an expiry date refuses a line without one: 400)."""
    if not lines:
        raise ValidationFailed("A NIR has at least one line.", {"nirProducts": ["At least one line."]})
    products = lines_.products_by_code(db, tenant_id, lines, list_field="nirProducts")
    bins = lines_.bins_by_code(db, tenant_id, warehouse_id, lines, list_field="nirProducts")
    resolved = []
    for i, line in enumerate(lines):
        product = products[line["code"]]
        code = line.get("location_code")
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
