"""Batches: a product's units made together, with one expiry date and any number of codes."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog import delete_rules
from ..catalog.models import Product
from ..errors import NotFound, ValidationFailed
from ..repo import get_or_404
from .models import Batch, BatchCode


def create(db: Session, *, tenant: Tenant, user: User, items: list[dict]) -> list[Batch]:
    product_ids = {item["product_id"] for item in items}
    known = set(db.scalars(select(Product.id).where(Product.tenant_id == tenant.id, Product.id.in_(product_ids))))
    batches = []
    for i, item in enumerate(items):
        if item["product_id"] not in known:
            raise NotFound(
                f"Product {item['product_id']} not found.",
                {"productId": ["The product does not exist."]},
                index=i,
            )
        batch = Batch(tenant_id=tenant.id, product_id=item["product_id"], expiry_date=item.get("expiry_date"))
        batch.codes = [BatchCode(tenant_id=tenant.id, code=code) for code in item.get("batch_code", [])]
        stamp(batch, user, created=True)
        db.add(batch)
        batches.append(batch)
    db.flush()
    return batches


def update(db: Session, *, tenant: Tenant, user: User, batch: Batch, changes: dict) -> Batch:
    if "expiry_date" in changes:
        batch.expiry_date = changes["expiry_date"]
    if "batch_codes" in changes:
        _replace_codes(tenant, batch, changes["batch_codes"])
    stamp(batch, user)
    db.flush()
    if "batch_codes" in changes:
        # Reload so the codes come back in id order, as every read shows them, not in the order they were sent.
        db.refresh(batch, ["codes"])
    return batch


def _replace_codes(tenant, batch: Batch, wanted: list[dict]):
    """Codes with an id are kept (and renamed), codes without one are added, the ones left out are removed."""
    current = {code.id: code for code in batch.codes}
    kept = []
    for i, item in enumerate(wanted):
        code_id = item.get("id")
        if item.get("batch_id") not in (None, batch.id):
            raise _bad_code(i, "batchId", "A batch code cannot move to another batch.", "Must be this batch's id.")
        if code_id is None:
            kept.append(BatchCode(tenant_id=tenant.id, code=item["code"]))
        elif code_id not in current:
            raise _bad_code(i, "id", "Unknown batch code id.", f"Batch code {code_id} is not on this batch.")
        elif current[code_id] in kept:
            raise _bad_code(i, "id", "A batch code appears twice.", f"Batch code {code_id} is listed twice.")
        else:
            current[code_id].code = item["code"]
            kept.append(current[code_id])
    batch.codes = kept


def _bad_code(index, field, message, detail):
    return ValidationFailed(message, {"batchCodes": {str(index): {field: [detail]}}})


def delete(db: Session, *, tenant: Tenant, batch: Batch) -> None:
    # What keeps a batch is declared by the columns that point at it (catalog/references.py); its codes go with it.
    delete_rules.refuse_if_used(db, noun="Batch", objs=[batch])
    db.delete(batch)
    db.flush()


def get(db: Session, *, tenant: Tenant, batch_id: int) -> Batch:
    return get_or_404(db, Batch, tenant.id, batch_id, "Batch")
