"""Batches: a product's units made together, with one expiry date and any number of codes."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog import delete_rules
from ..catalog.models import Product
from ..errors import Conflict, NotFound, ValidationFailed
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


def require_codes(product: Product, *, code: str | None, expiry: date | None, index: int | None = None) -> None:
    """A product that requires a batch code or an expiry date refuses incoming stock without one (400); a document
    that receives later (a production order, at close) asks at add."""
    missing = {}
    if product.requires_batch_code and not code:
        missing["batchCode"] = [f"Product {product.code} requires a batch code."]
    if product.requires_expiration_date and expiry is None:
        missing["expirationDate"] = [f"Product {product.code} requires an expiration date."]
    if missing:
        raise ValidationFailed(f"{' '.join(m[0] for m in missing.values())}", missing, index=index)


def for_receipt(
    db: Session,
    *,
    tenant: Tenant,
    user: User,
    product: Product,
    code: str | None = None,
    expiry: date | None = None,
    index: int | None = None,
) -> Batch:
    """The batch incoming stock of ``product`` goes to (a NIR line, a counted line, a return without an order).

    - A product that requires a batch code or an expiry date refuses a line without one (400).
    - A ``code``: the product's batch with that code, made (with ``expiry``) when there is none. An expiry that
      contradicts the found batch's is a 409: a lot has one expiry date.
    - No code but an ``expiry``: the product's batch with that expiry and no code, else a new one.
    - Neither: the product's batch without code and expiry (its "plain" batch), made on first use.

    The product row is locked first, so two receipts of a new lot at once make one batch.
    """
    require_codes(product, code=code, expiry=expiry, index=index)
    db.scalar(select(Product.id).where(Product.id == product.id).with_for_update())
    if code:
        found = db.scalar(
            select(Batch)
            .join(BatchCode, BatchCode.batch_id == Batch.id)
            .where(Batch.tenant_id == tenant.id, Batch.product_id == product.id, BatchCode.code == code)
            .order_by(Batch.id)
            .limit(1)
        )
        if found is not None and expiry is not None and found.expiry_date not in (None, expiry):
            raise Conflict(
                f"Batch {code!r} of product {product.code} expires on {found.expiry_date.isoformat()}, "
                f"not {expiry.isoformat()}.",
                {"expirationDate": ["Not the batch's expiry date."]},
                index=index,
            )
    else:
        found = db.scalar(
            select(Batch)
            .where(
                Batch.tenant_id == tenant.id,
                Batch.product_id == product.id,
                Batch.expiry_date.is_(None) if expiry is None else Batch.expiry_date == expiry,
                ~select(BatchCode.id).where(BatchCode.batch_id == Batch.id).exists(),
            )
            .order_by(Batch.id)
            .limit(1)
        )
    if found is not None:
        if found.expiry_date is None and expiry is not None:
            found.expiry_date = expiry
        return found
    (made,) = create(
        db,
        tenant=tenant,
        user=user,
        items=[{"product_id": product.id, "expiry_date": expiry, "batch_code": [code] if code else []}],
    )
    return made
