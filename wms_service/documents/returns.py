"""Customer returns: received at add into the warehouse's RETURNS bin (CONTRACT section 7).

A return posts positive ``SALES_DOCUMENT`` records (``recordType`` RETURN) under ``Reference(RETURN, id)`` and is
RECEIVED from the start; nothing about it changes afterwards. With an initial order, each product's returned total
may not exceed what that order picked less what earlier returns against it brought back, and the goods go back
into the batches they left by (the order's own records name them). The order row is locked while that is
decided, so two returns against one order at once cannot both take the same picked units. Without an initial
order, ``batches.for_receipt`` picks the batch. Then the orders waiting for those products are re-checked, in
the same transaction.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import repo
from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product, Warehouse
from ..errors import Conflict, NotFound, ValidationFailed
from ..stock import batches, bins, ledger
from ..stock.models import BinInventoryRecord
from ..stock.references import DocumentKind, Reference
from . import base, order_supply
from . import lines as lines_
from .order_models import Order
from .return_models import CustomerReturn, ReturnLine
from .return_models import ReturnStatus as S

LINES = "returnedProducts"  # the request's list, as its errors name it

LIFECYCLE = base.StatusTable("Return", {S.RECEIVED: set()}, editable=set(), document_type="RETURN")


def reference(ret: CustomerReturn) -> Reference:
    return Reference(DocumentKind.RETURN, ret.id)


def add(db: Session, *, tenant: Tenant, user: User, values: dict) -> CustomerReturn:
    """Make the return and receive it in the caller's transaction. ``values``: ``external_reference``,
    ``external_client_id``, ``warehouse_id``, ``initial_external_order_id`` and ``lines`` (``code``, ``quantity``,
    and without an initial order optionally ``batch_code``, ``expiration_date``)."""
    lines = values["lines"]
    repo.check_keys_free(
        db, CustomerReturn, tenant.id, values, {"external_reference": "externalReference"}, noun="Return"
    )
    products = lines_.products_by_code(db, tenant.id, lines, list_field=LINES)
    order = None
    if values.get("initial_external_order_id") is not None:
        order = _initial_order(db, tenant.id, values["initial_external_order_id"])
    warehouse_id = values.get("warehouse_id")
    if warehouse_id is None and order is not None:
        warehouse_id = order.warehouse_id
    if warehouse_id is None:
        raise ValidationFailed(
            "A return needs a warehouseId (or an initialExternalOrderId, whose warehouse it then takes).",
            {"warehouseId": ["Required without an initialExternalOrderId."]},
        )
    repo.require(db, Warehouse, tenant.id, warehouse_id, "Warehouse", field="warehouseId")
    # The orders waiting for these products, before the products, the warehouse and the bins
    # (``order_supply.lock_waiting``). The initial order, locked above, is one that picked: no writer that locks
    # waiting orders holds it too (a return naming an unpicked order is refused, but only after this).
    receipt = order_supply.lock_waiting(
        db, tenant=tenant, warehouse_ids=[warehouse_id], product_ids={p.id for p in products.values()}
    )
    if order is not None:
        places = _back_to_batches(db, tenant.id, order, lines, products)
    else:
        places = _receipt_batches(db, tenant, user, lines, products)
    # The RETURNS bin locks the warehouse row: taken after the cap was decided under the order's lock.
    into = bins.special(db, tenant=tenant, user=user, warehouse_id=warehouse_id, code=bins.RETURNS)
    ret = CustomerReturn(
        tenant_id=tenant.id,
        external_reference=values["external_reference"],
        external_client_id=values["external_client_id"],
        warehouse_id=warehouse_id,
        initial_order_id=order.id if order is not None else None,
        bin_id=into.id,
        status=S.RECEIVED,
    )
    stamp(ret, user, created=True)
    db.add(ret)
    db.flush()
    db.add_all(
        ReturnLine(
            tenant_id=tenant.id, return_id=ret.id, product_id=products[line["code"]].id, quantity=line["quantity"]
        )
        for line in lines
    )
    amounts: dict[tuple[int, int], int] = defaultdict(int)
    for line, taken in zip(lines, places, strict=True):
        for batch_id, quantity in taken:
            amounts[(products[line["code"]].id, batch_id)] += quantity
    base.post(
        db,
        tenant=tenant,
        user=user,
        reference=reference(ret),
        lines=[ledger.Line(into.id, product_id, batch_id, n) for (product_id, batch_id), n in amounts.items()],
        refusal=f"Return {values['external_reference']!r} cannot be received",
    )
    base.announce(db, LIFECYCLE, ret, data=event_data(ret, order))
    order_supply.serve(db, receipt, user=user)
    db.flush()
    return ret


def event_data(ret: CustomerReturn, order: Order | None) -> dict:
    return {
        "externalReference": ret.external_reference,
        "initialExternalOrderId": order.external_order_id if order is not None else None,
    }


def _initial_order(db, tenant_id: int, external_order_id: str) -> Order:
    """The tenant's order with this externalOrderId, locked until the return commits."""
    order = db.scalar(
        select(Order)
        .where(Order.tenant_id == tenant_id, Order.external_order_id == external_order_id)
        .with_for_update()
    )
    if order is None:
        raise NotFound(
            f"No order has the externalOrderId {external_order_id!r}.",
            {"initialExternalOrderId": ["Unknown order."]},
        )
    return order


def _back_to_batches(
    db, tenant_id: int, order: Order, lines: list[dict], products: dict[str, Product]
) -> list[list[tuple[int, int]]]:
    """Per line, the batches its quantity goes back into, (batch id, quantity): what the order picked of each
    batch less what earlier returns brought back, in the order the batches were picked. 409 when a product's
    returned total would pass what is left."""
    for i, line in enumerate(lines):
        if line.get("batch_code") or line.get("expiration_date"):
            field = "batchCode" if line.get("batch_code") else "expirationDate"
            raise ValidationFailed(
                "With an initialExternalOrderId the goods go back into the batches the order picked.",
                lines_.at(LINES, i, field, "Not allowed with an initialExternalOrderId: the batches are the order's."),
            )
    left = _left_to_return(db, tenant_id, order.id, {p.id for p in products.values()})
    wanted: dict[int, int] = defaultdict(int)
    first: dict[int, int] = {}
    for i, line in enumerate(lines):
        product_id = products[line["code"]].id
        wanted[product_id] += line["quantity"]
        first.setdefault(product_id, i)
    for product_id, quantity in wanted.items():
        picked = sum(b.picked for b in left.get(product_id, []))
        returned = sum(b.returned for b in left.get(product_id, []))
        if quantity > picked - returned:
            code = lines[first[product_id]]["code"]
            raise Conflict(
                f"Order {order.external_order_id!r} picked {picked} of product {code}, {returned} of it returned "
                f"before; {quantity} cannot be returned.",
                lines_.at(LINES, first[product_id], "quantity", f"At most {picked - returned} can be returned."),
            )
    places = []
    for line in lines:
        batches_left = left[products[line["code"]].id]
        want, taken = line["quantity"], []
        for batch in batches_left:
            n = min(want, batch.picked - batch.returned)
            if n > 0:
                taken.append((batch.batch_id, n))
                batch.returned += n
                want -= n
        places.append(taken)
    return places


def _receipt_batches(db, tenant: Tenant, user: User, lines: list[dict], products: dict[str, Product]) -> list:
    """Without an initial order: per line, the one batch ``batches.for_receipt`` names for it."""
    places = []
    for i, line in enumerate(lines):
        product = products[line["code"]]
        code, expiry = line.get("batch_code"), line.get("expiration_date")
        batch = batches.for_receipt(db, tenant=tenant, user=user, product=product, code=code, expiry=expiry, index=i)
        places.append([(batch.id, line["quantity"])])
    return places


@dataclass
class _PickedBatch:
    """How much of one batch an order picked, and how much of that returns brought back."""

    batch_id: int
    picked: int
    returned: int


def _left_to_return(db, tenant_id: int, order_id: int, product_ids: Collection[int]) -> dict[int, list[_PickedBatch]]:
    """Per product, each batch the order picked, in the order it picked them."""
    r = BinInventoryRecord
    picked = db.execute(
        select(r.product_id, r.batch_id, func.sum(-r.amount), func.min(r.id))
        .where(
            r.tenant_id == tenant_id,
            r.record_type == str(DocumentKind.ORDER),
            r.reference_id == order_id,
            r.product_id.in_(product_ids),
        )
        .group_by(r.product_id, r.batch_id)
        .order_by(func.min(r.id))
    ).all()
    earlier = select(CustomerReturn.id).where(
        CustomerReturn.tenant_id == tenant_id, CustomerReturn.initial_order_id == order_id
    )
    returned = dict(
        ((product_id, batch_id), int(total))
        for product_id, batch_id, total in db.execute(
            select(r.product_id, r.batch_id, func.sum(r.amount))
            .where(
                r.tenant_id == tenant_id,
                r.record_type == str(DocumentKind.RETURN),
                r.reference_id.in_(earlier),
                r.product_id.in_(product_ids),
            )
            .group_by(r.product_id, r.batch_id)
        )
    )
    left: dict[int, list[_PickedBatch]] = defaultdict(list)
    for product_id, batch_id, total, _first in picked:
        left[product_id].append(_PickedBatch(batch_id, int(total), returned.get((product_id, batch_id), 0)))
    return left


# --- finding -------------------------------------------------------------------------------------------------


def find(
    db: Session, *, tenant: Tenant, return_id: int | None = None, external_reference: str | None = None
) -> CustomerReturn:
    """The tenant's return with this id or externalReference (both given: both must name it); 404 otherwise."""
    if return_id is None and external_reference is None:
        raise ValidationFailed(
            "Give returnId or externalReference.", {"returnId": ["Required without externalReference."]}
        )
    query = select(CustomerReturn).where(CustomerReturn.tenant_id == tenant.id)
    if return_id is not None:
        query = query.where(CustomerReturn.id == return_id)
    if external_reference is not None:
        query = query.where(CustomerReturn.external_reference == external_reference)
    found = db.scalar(query)
    if found is None:
        named = f"{return_id}" if return_id is not None else f"with externalReference {external_reference!r}"
        raise NotFound(f"Return {named} not found.")
    return found


def lines_of(db: Session, return_ids: Collection[int]) -> list[ReturnLine]:
    return list(db.scalars(select(ReturnLine).where(ReturnLine.return_id.in_(return_ids)).order_by(ReturnLine.id)))
