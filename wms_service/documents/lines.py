"""What documents with lines share: an error that names one line's field as the request does, and the lines'
products and locations found by code (the first unknown one a 404 naming its line)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import Product
from ..errors import NotFound
from ..stock.models import Bin


def at(list_field: str, index: int, field: str, message: str, *, under: str | None = None) -> dict:
    """A line's field error, as the request names it: ``{"nirProducts": {"2": {"code": [message]}}}``, inside
    ``under`` when the list is (an update's ``updateFields``)."""
    errors = {list_field: {str(index): {field: [message]}}}
    return {under: errors} if under else errors


def products_by_code(
    db: Session, tenant_id: int, lines: list[dict], *, list_field: str, key: str = "code", field: str = "code"
) -> dict[str, Product]:
    """The tenant's products the lines name by code (``line[key]``), by code; 404 for the first unknown one."""
    codes = {line[key] for line in lines if line.get(key) is not None}
    found = {
        p.code: p for p in db.scalars(select(Product).where(Product.tenant_id == tenant_id, Product.code.in_(codes)))
    }
    for i, line in enumerate(lines):
        code = line.get(key)
        if code is not None and code not in found:
            raise NotFound(f"No product has the code {code!r}.", at(list_field, i, field, "Unknown product."))
    return found


def bins_by_code(
    db: Session, tenant_id: int, warehouse_id: int, lines: list[dict], *, list_field: str, under: str | None = None
) -> dict[str, int]:
    """The ids of the bins of the warehouse the lines name (``location_code``), by code; 404 for the first unknown
    one."""
    codes = {line["location_code"] for line in lines if line.get("location_code")}
    if not codes:
        return {}
    found = dict(
        db.execute(
            select(Bin.code, Bin.id).where(
                Bin.tenant_id == tenant_id, Bin.warehouse_id == warehouse_id, Bin.code.in_(codes)
            )
        ).all()
    )
    for i, line in enumerate(lines):
        code = line.get("location_code")
        if code and code not in found:
            raise NotFound(
                f"No location {code!r} in warehouse {warehouse_id}.",
                at(list_field, i, "locationCode", "Unknown location.", under=under),
            )
    return found
