"""An order's lines as a request names them: the product by id or by model (its code), the location by code in
the order's warehouse. Used by add and by an update of the lines."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..catalog.models import Product
from ..errors import NotFound, ValidationFailed
from . import lines as lines_


def resolve(
    db: Session, tenant_id: int, warehouse_id: int, lines: list[dict], *, under: str | None = None
) -> tuple[list[dict], dict[int, Product]]:
    """Each line's product (by id or by model, i.e. code) and named bin (by code, in the order's warehouse), and the
    products found, by id (an answer shows their codes and names).

    Errors name the line as ``orderProducts.<index>``, inside ``under`` (``updateFields``) when given."""

    def _at(index: int, field: str, message: str) -> dict:
        return lines_.at("orderProducts", index, field, message, under=under)

    models = {line["product_model"] for line in lines if line.get("product_model")}
    ids = {line["product_id"] for line in lines if line.get("product_id")}
    # One look-up, and only when the lines need it: an order's add is on the hot path.
    named = [Product.code.in_(models)] if models else []
    named += [Product.id.in_(ids)] if ids else []
    products = (
        {p.id: p for p in db.scalars(select(Product).where(Product.tenant_id == tenant_id, or_(*named)))}
        if named
        else {}
    )
    by_model = {p.code: p.id for p in products.values() if p.code in models}
    bins = lines_.bins_by_code(db, tenant_id, warehouse_id, lines, list_field="orderProducts", under=under)
    resolved = []
    for i, line in enumerate(lines):
        product_id, model = line.get("product_id"), line.get("product_model")
        if product_id is None and model is None:
            raise ValidationFailed(
                "A line names no product.", _at(i, "productModel", "Give productModel or productId.")
            )
        if model is not None and model not in by_model:
            raise NotFound(f"No product has the model {model!r}.", _at(i, "productModel", "Unknown product."))
        if product_id is not None and product_id not in products:
            raise NotFound(f"Product {product_id} not found.", _at(i, "productId", "Unknown product."))
        if product_id is not None and model is not None and by_model[model] != product_id:
            raise ValidationFailed(
                "productModel and productId name different products.",
                _at(i, "productModel", f"Not the model of product {product_id}."),
            )
        code = line.get("location_code")
        resolved.append(
            {
                "product_id": product_id if product_id is not None else by_model[model],
                "quantity": line["quantity"],
                "external_line_id": line.get("external_line_id"),
                "bin_id": bins[code] if code else None,
            }
        )
    return resolved, products
