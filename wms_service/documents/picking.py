"""Start picking: READY_FOR_PICKING -> PICKING, binding a picker, and the pick list (CONTRACT section 6).

The pick list is the order's reservations, one row each, in walking order: the bin's ``binOrder``, then its
code, then the batch's expiry (none last), then the batch id. Once picked, the reservations are consumed and
``picked_from`` tells where the goods came from instead, from the order's records.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product
from ..errors import NotFound
from ..stock.models import Batch, BatchCode, Bin, BinInventoryRecord, Reservation
from ..stock.references import DocumentKind
from .order_models import Order
from .order_models import OrderStatus as S
from .orders import LIFECYCLE, move


def start(db: Session, *, tenant: Tenant, user: User, order: Order, picker_id: int | None = None) -> list[dict]:
    """Move the (locked) order to PICKING as the status table allows (409 naming its status otherwise), bind
    the picker (``picker_id``, a user of the tenant, else the caller) and answer the pick list."""
    LIFECYCLE.check_move(order, S.PICKING)  # before the picker is looked up: a 409 names the status first
    if picker_id is not None:
        picker = db.get(User, picker_id)
        if picker is None or picker.tenant_id != tenant.id:
            raise NotFound(f"User {picker_id} not found.", {"pickerId": ["The user does not exist."]})
    order.picker_id = picker_id if picker_id is not None else user.id
    move(db, order, S.PICKING, check=False)
    stamp(order, user)
    db.flush()
    return pick_list(db, tenant_id=tenant.id, order_id=order.id)


def _first_code():
    """A batch's first code (the one the pick list and the notice show)."""
    return (
        select(BatchCode.code)
        .where(BatchCode.batch_id == Batch.id)
        .order_by(BatchCode.id)
        .limit(1)
        .correlate(Batch)
        .scalar_subquery()
    )


def picked_from(db: Session, *, tenant_id: int, order_id: int) -> list[dict]:
    """Where a picked order's goods came from: its SALES_DOCUMENT records (``recordType`` ORDER, ``referenceId``
    the order) summed per bin, batch and product, in walking order. Empty before PICKED: nothing has left."""
    rec = BinInventoryRecord
    taken = func.sum(-rec.amount)
    rows = db.execute(
        select(Bin.code, _first_code(), Batch.expiry_date, rec.product_id, Product.code, taken)
        .join(Bin, Bin.id == rec.bin_id)
        .join(Batch, Batch.id == rec.batch_id)
        .join(Product, Product.id == rec.product_id)
        .where(
            rec.tenant_id == tenant_id,
            rec.record_type == str(DocumentKind.ORDER),
            rec.reference_id == order_id,
        )
        .group_by(Bin.code, Bin.bin_order, Batch.id, Batch.expiry_date, rec.product_id, Product.code)
        .order_by(Bin.bin_order, Bin.code, Batch.expiry_date.is_(None), Batch.expiry_date, Batch.id, rec.product_id)
    )
    return [
        {
            "location_code": bin_code,
            "batch_code": batch_code,
            "expiry_date": expiry,
            "product_id": product_id,
            "product_code": product_code,
            "quantity": int(quantity),
        }
        for bin_code, batch_code, expiry, product_id, product_code, quantity in rows
        if quantity
    ]


def pick_list(db: Session, *, tenant_id: int, order_id: int) -> list[dict]:
    """One row per reservation of the order, in walking order (``order_line_id``: the line it is for)."""
    r = Reservation
    first_code = _first_code()
    rows = db.execute(
        select(Bin.code, first_code, Batch.expiry_date, r.product_id, Product.code, r.quantity, r.document_line_id)
        .join(Bin, Bin.id == r.bin_id)
        .join(Batch, Batch.id == r.batch_id)
        .join(Product, Product.id == r.product_id)
        .where(r.tenant_id == tenant_id, r.document_type == str(DocumentKind.ORDER), r.document_id == order_id)
        .order_by(Bin.bin_order, Bin.code, Batch.expiry_date.is_(None), Batch.expiry_date, Batch.id, r.id)
    )
    return [
        {
            "location_code": bin_code,
            "batch_code": batch_code,
            "expiry_date": expiry,
            "product_id": product_id,
            "product_code": product_code,
            "quantity": int(quantity),
            "order_line_id": line_id,
        }
        for bin_code, batch_code, expiry, product_id, product_code, quantity, line_id in rows
    ]
