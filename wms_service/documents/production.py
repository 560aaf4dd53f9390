"""Production orders: made OPEN at add, CLOSED (final) when the goods are made (CONTRACT section 7).

Closing is one transaction: every component (``quantity`` per unit made x the order's quantity) is reserved from
free stock of the order's warehouse in the allocation order under ``Reference(PRODUCTION, id)`` and consumed at
once (negative ``ASSIGNMENT`` records); if any is short it is a 409 naming each shortage and, the transaction
rolled back, nothing is posted. The output is posted as ``INVENTORY_REGISTRATION`` into the order's location,
else the warehouse's PRODUCTION bin, in the batch ``batches.for_receipt`` picks; then the orders waiting for the
product made are re-checked.

A production order needs a warehouse: its components come from that warehouse's free stock and its output goes
to one of its bins. ``warehouseId`` may be left out when ``locationCode`` names a bin that only one warehouse of
the tenant has; it is then that bin's warehouse.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import repo
from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product, Warehouse
from ..db import now
from ..errors import Conflict, NotFound, ValidationFailed
from ..repo import get_or_404
from ..stock import batches, bins, ledger, reservations
from ..stock.models import Bin
from ..stock.references import DocumentKind, Reference
from ..stock.reservations import LineWant
from . import base, order_supply
from .production_models import ProductionComponent, ProductionOrder
from .production_models import ProductionStatus as S

LIFECYCLE = base.StatusTable(
    "Production order", {S.OPEN: {S.CLOSED}, S.CLOSED: set()}, editable={S.OPEN}, document_type="PRODUCTION"
)
# What one record may move (what the native API takes): a component's total must fit.
MAX_AMOUNT = 2**31 - 1


def reference(order: ProductionOrder) -> Reference:
    return Reference(DocumentKind.PRODUCTION, order.id)


def event_data(order: ProductionOrder) -> dict:
    return {"thirdPartyReference": order.third_party_reference}


# --- add -----------------------------------------------------------------------------------------------------


def add(db: Session, *, tenant: Tenant, user: User, values: dict) -> ProductionOrder:
    """Make an OPEN production order. ``values``: ``product_id``, ``quantity``, ``third_party_reference``,
    ``warehouse_id``, ``location_code``, ``batch_code``, ``expiration_date`` and ``components``
    (``product_id``, ``quantity`` per unit made)."""
    repo.check_keys_free(
        db,
        ProductionOrder,
        tenant.id,
        values,
        {"third_party_reference": "thirdPartyReference"},
        noun="Production order",
    )
    product = _product(db, tenant.id, values["product_id"], {"productId": ["Unknown product."]})
    warehouse_id, bin_id = _place(db, tenant.id, values.get("warehouse_id"), values.get("location_code"))
    components = values.get("components") or []
    seen: set[int] = set()
    for i, component in enumerate(components):
        _product(db, tenant.id, component["product_id"], _at(i, "productId", "Unknown product."))
        if component["product_id"] == product.id:
            raise ValidationFailed(
                "A product is not a component of itself.", _at(i, "productId", "The product being made.")
            )
        if component["product_id"] in seen:
            raise ValidationFailed("A component is listed twice.", _at(i, "productId", "Listed before."))
        seen.add(component["product_id"])
        if component["quantity"] * values["quantity"] > MAX_AMOUNT:
            raise ValidationFailed(
                f"A component's total (quantity per unit x quantity) may be at most {MAX_AMOUNT}.",
                _at(i, "quantity", "Too much for the order's quantity."),
            )
    batches.require_codes(product, code=values.get("batch_code"), expiry=values.get("expiration_date"))
    order = ProductionOrder(
        tenant_id=tenant.id,
        third_party_reference=values["third_party_reference"],
        product_id=product.id,
        quantity=values["quantity"],
        warehouse_id=warehouse_id,
        bin_id=bin_id,
        batch_code=values.get("batch_code"),
        expiration_date=values.get("expiration_date"),
        status=S.OPEN,
    )
    stamp(order, user, created=True)
    db.add(order)
    db.flush()
    db.add_all(
        ProductionComponent(
            tenant_id=tenant.id, production_order_id=order.id, product_id=c["product_id"], quantity=c["quantity"]
        )
        for c in components
    )
    base.announce(db, LIFECYCLE, order, data=event_data(order))
    db.flush()
    return order


def _product(db, tenant_id: int, product_id: int, errors: dict) -> Product:
    found = db.scalar(select(Product).where(Product.tenant_id == tenant_id, Product.id == product_id))
    if found is None:
        raise NotFound(f"Product {product_id} not found.", errors)
    return found


def _place(db, tenant_id: int, warehouse_id: int | None, location_code: str | None) -> tuple[int, int | None]:
    """The order's warehouse and location bin (None: the PRODUCTION bin, found at close)."""
    if warehouse_id is not None:
        repo.require(db, Warehouse, tenant_id, warehouse_id, "Warehouse", field="warehouseId")
    if not location_code:
        if warehouse_id is None:
            raise ValidationFailed(
                "A production order needs a warehouseId, or a locationCode that names its warehouse.",
                {"warehouseId": ["Required without a locationCode."]},
            )
        return warehouse_id, None
    found = bins.locate(db, tenant_id=tenant_id, code=location_code, warehouse_id=warehouse_id)
    return found.warehouse_id, found.id


def _at(index: int, field: str, message: str) -> dict:
    return {"components": {str(index): {field: [message]}}}


# --- finding and closing ---------------------------------------------------------------------------------------


def get(db: Session, *, tenant: Tenant, order_id: int, lock: bool = False) -> ProductionOrder:
    return get_or_404(db, ProductionOrder, tenant.id, order_id, "Production order", lock=lock)


def components_of(db: Session, order_ids: list[int]) -> list[ProductionComponent]:
    return list(
        db.scalars(
            select(ProductionComponent)
            .where(ProductionComponent.production_order_id.in_(order_ids))
            .order_by(ProductionComponent.id)
        )
    )


def close(db: Session, *, tenant: Tenant, user: User, order: ProductionOrder) -> ProductionOrder:
    """Consume the components and post the output of the (locked) order, as one transaction; it becomes CLOSED."""
    LIFECYCLE.check_move(order, S.CLOSED)
    refusal = f"Production order {order.id} cannot be closed"
    # The orders waiting for the output, before the warehouse and any bin (``order_supply.lock_waiting``).
    receipt = order_supply.lock_waiting(
        db, tenant=tenant, warehouse_ids=[order.warehouse_id], product_ids=[order.product_id]
    )
    # The place first: finding the PRODUCTION bin locks the warehouse row, which a return or a receipt into the
    # warehouse also takes before any bin, so they queue there rather than lock bins in opposite orders.
    if order.bin_id is not None:
        into = db.get(Bin, order.bin_id)
    else:
        into = bins.special(db, tenant=tenant, user=user, warehouse_id=order.warehouse_id, code=bins.PRODUCTION)
    components = components_of(db, [order.id])
    if components:
        wants = [LineWant(c.id, c.product_id, c.quantity * order.quantity) for c in components]
        got = reservations.reserve_lines(
            db, tenant=tenant, reference=reference(order), warehouse_id=order.warehouse_id, lines=wants
        )
        short = [(c, want, r) for c, want, r in zip(components, wants, got, strict=True) if r.shortfall]
        if short:
            codes = dict(
                db.execute(
                    select(Product.id, Product.code).where(Product.id.in_([c.product_id for c, *_ in short]))
                ).all()
            )
            named = "; ".join(
                f"product {codes[c.product_id]} needs {want.quantity}, {r.reserved} free" for c, want, r in short
            )
            raise Conflict(f"{refusal}: short of components in warehouse {order.warehouse_id}: {named}.")
        try:
            reservations.consume(db, tenant=tenant, user=user, reference=reference(order))
        except Conflict as exc:
            raise type(exc)(f"{refusal}: {exc.message}") from exc
    product = db.get(Product, order.product_id)
    batch = batches.for_receipt(
        db, tenant=tenant, user=user, product=product, code=order.batch_code, expiry=order.expiration_date
    )
    base.post(
        db,
        tenant=tenant,
        user=user,
        reference=reference(order),
        lines=[ledger.Line(into.id, product.id, batch.id, order.quantity)],
        refusal=refusal,
    )
    order.closed_at = now()
    order.closed_by_id = user.id
    base.move(db, LIFECYCLE, order, S.CLOSED, data=event_data(order), check=False)  # checked above
    stamp(order, user)
    order_supply.serve(db, receipt, user=user)
    db.flush()
    return order
