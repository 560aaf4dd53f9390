"""Product rules: which category a product is in, and why one that holds stock stays."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Tenant
from ..errors import Conflict, NotFound, ValidationFailed
from ..stock import levels
from .models import Category, Product


def resolve_category(db: Session, tenant: Tenant, values: dict, product: Product | None = None) -> dict:
    """Turn ``category_external_reference`` into ``category_id``; either must name a category of the tenant."""
    values = dict(values)
    reference = values.pop("category_external_reference", None)
    if reference is not None:
        category_id = db.scalar(
            select(Category.id).where(Category.tenant_id == tenant.id, Category.external_reference == reference)
        )
        if category_id is None:
            raise NotFound(
                f"No category has externalReference {reference!r}.",
                {"categoryExternalReference": ["No such category."]},
            )
        if values.get("category_id") not in (None, category_id):
            raise ValidationFailed(
                "categoryId and categoryExternalReference name different categories.",
                {"categoryId": [f"categoryExternalReference names category {category_id}."]},
            )
        values["category_id"] = category_id
    elif values.get("category_id") is not None:
        found = db.scalar(
            select(Category.id).where(Category.tenant_id == tenant.id, Category.id == values["category_id"])
        )
        if found is None:
            raise NotFound(f"Category {values['category_id']} not found.", {"categoryId": ["No such category."]})
    return values


def refuse_if_stocked(db: Session, tenant: Tenant, products: Sequence[Product]) -> None:
    """A product that holds stock cannot be deleted: its units would be in the bins with no product to name.

    Asked before the references (``delete_rules.refuse_if_used``), whose "used by bin inventory" it makes precise.
    """
    held: dict[int, list[str]] = {}
    for place in levels.on_hand_by_location(db, tenant.id, [p.id for p in products]):
        held.setdefault(place.product_id, []).append(f"{place.quantity} in bin {place.bin_code or place.bin_id}")
    for product in products:
        if product.id in held:
            raise Conflict(
                f"Product {product.id} ({product.code}) holds stock ({', '.join(held[product.id])}) and cannot be "
                "deleted; move or write off the stock first, or deactivate it (active: false)."
            )
