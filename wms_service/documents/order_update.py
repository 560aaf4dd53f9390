"""Changing an order (update): its header fields at any status but the final ones, its lines until it is picked.

The lines sent replace the order's lines. Each names the line it changes by ``order_product_id`` (the line's id),
else by ``external_line_id`` when one line of the order has it; an entry that names no line is a new line, and a
line no entry names is removed. A changed line re-reserves at once: a removed line gives back all it held, a
lowered quantity gives back the excess (the newest reservations first), a raised quantity or a new line reserves
the rest in the allocation order, and a line whose product or location changed gives back everything and
reserves anew. Then the order is ready if every line is fully reserved, else waiting; a picking order whose lines
changed is ready (or waiting) again and loses its picker, as its pick list changed. A line left as it was reserves
nothing new: filling it is the re-check's work, oldest order first.
"""

from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..errors import NotFound, ValidationFailed
from ..stock import reservations
from ..stock.reservations import LineWant
from . import order_lines
from .order_models import Order, OrderLine
from .order_models import OrderStatus as S
from .orders import LIFECYCLE, lines_of, mark_waiting, move, reference, reserved_per_line

HEADER = ("comment", "number_of_packages", "number_of_envelopes", "awb_external_link", "invoice_external_link")


def update(db: Session, *, tenant: Tenant, user: User, orders: list[Order], fields: dict) -> list[Order]:
    """Apply ``fields`` (the ``HEADER`` attributes, and ``lines``: the new list of lines) to the (locked) orders,
    all or nothing: a delivered or cancelled order is a 409, and so are lines of an order picked or later."""
    lines = fields.get("lines")
    if lines is not None and len(orders) != 1:
        raise ValidationFailed(
            "The lines of one order at a time: target exactly one order to change orderProducts.",
            {"updateFields": {"orderProducts": ["Target exactly one order to change its lines."]}},
        )
    for order in orders:
        LIFECYCLE.check_not_final(order)
        if lines is not None:
            LIFECYCLE.check_editable(order)
    for order in orders:
        for attr in HEADER:
            if attr in fields:
                setattr(order, attr, fields[attr])
        if lines is not None:
            _replace_lines(db, tenant, order, lines)
        stamp(order, user)
    db.flush()
    return orders


def _replace_lines(db: Session, tenant: Tenant, order: Order, entries: list[dict]) -> None:
    existing = lines_of(db, [order.id])
    plan = _match(order, existing, entries)
    resolved, _products = order_lines.resolve(
        db,
        tenant.id,
        order.warehouse_id,
        [_with_defaults(entry, row) for entry, row in zip(entries, plan, strict=True)],
        under="updateFields",
    )
    held = reserved_per_line(db, tenant_id=tenant.id, order_ids=[order.id])
    ref, kept, wants, changed = reference(order), {row.id for row in plan if row is not None}, [], False
    for row in existing:
        if row.id not in kept:
            reservations.release(db, tenant=tenant, reference=ref, line_id=row.id)
            db.delete(row)
            changed = True
    for entry, row, new in zip(entries, plan, resolved, strict=True):
        if row is None:
            row = OrderLine(tenant_id=tenant.id, order_id=order.id, **new)
            db.add(row)
            db.flush()
            wants.append(LineWant(row.id, row.product_id, row.quantity, row.bin_id))
            changed = True
            continue
        if "external_line_id" in entry:
            row.external_line_id = entry["external_line_id"]
        if "location_code" not in entry:
            new["bin_id"] = row.bin_id
        have = held.get(row.id, 0)
        if (row.product_id, row.bin_id) != (new["product_id"], new["bin_id"]):
            reservations.release(db, tenant=tenant, reference=ref, line_id=row.id)
            row.product_id, row.bin_id, have = new["product_id"], new["bin_id"], 0
        elif row.quantity == new["quantity"]:
            continue
        changed = True
        row.quantity = new["quantity"]
        if have > row.quantity:
            reservations.release(db, tenant=tenant, reference=ref, line_id=row.id, quantity=have - row.quantity)
        elif have < row.quantity:
            wants.append(LineWant(row.id, row.product_id, row.quantity - have, row.bin_id))
    db.flush()
    if wants:
        reservations.reserve_lines(db, tenant=tenant, reference=ref, warehouse_id=order.warehouse_id, lines=wants)
    if changed:
        _settle(db, tenant, order)


def _match(order: Order, existing: list[OrderLine], entries: list[dict]) -> list[OrderLine | None]:
    """The existing line each entry names (None: a new line); 404 for a line id not of this order, 400 for a line
    named twice or an external line id that two lines share."""
    by_id = {row.id: row for row in existing}
    by_external: dict[str, list[OrderLine]] = {}
    for row in existing:
        if row.external_line_id is not None:
            by_external.setdefault(row.external_line_id, []).append(row)
    plan, seen = [], set()
    for i, entry in enumerate(entries):
        row = None
        if entry.get("order_product_id") is not None:
            row = by_id.get(entry["order_product_id"])
            if row is None:
                raise NotFound(
                    f"Order {order.id} has no line {entry['order_product_id']}.",
                    _at(i, "orderProductId", "Not a line of this order."),
                )
        elif entry.get("external_line_id") in by_external:
            rows = by_external[entry["external_line_id"]]
            if len(rows) > 1:
                raise ValidationFailed(
                    f"Order {order.id} has {len(rows)} lines with externalLineId {entry['external_line_id']!r}.",
                    _at(i, "externalLineId", "Several lines have it: name the line by orderProductId."),
                )
            row = rows[0]
        if row is not None and row.id in seen:
            raise ValidationFailed(
                f"Line {row.id} is named twice.", _at(i, "orderProductId", "Another entry names this line.")
            )
        if row is not None:
            seen.add(row.id)
        plan.append(row)
    return plan


def _with_defaults(entry: dict, row: OrderLine | None) -> dict:
    """An entry for an existing line keeps the line's product when it names none (and its location when it leaves
    ``location_code`` out; ``null`` clears it)."""
    if row is None:
        return entry
    filled = dict(entry)
    if filled.get("product_id") is None and filled.get("product_model") is None:
        filled["product_id"] = row.product_id
    return filled


def _settle(db: Session, tenant: Tenant, order: Order) -> None:
    """Ready if every line is fully reserved, else waiting (its short lines marked); a picker is unbound."""
    rows = lines_of(db, [order.id])
    held = reserved_per_line(db, tenant_id=tenant.id, order_ids=[order.id])
    short = [row.id for row in rows if held.get(row.id, 0) < row.quantity]
    mark_waiting(db, [row.id for row in rows if row.id not in short], False)
    mark_waiting(db, short, True)
    order.picker_id = None
    move(db, order, S.WAITING_FOR_SUPPLY if short else S.READY_FOR_PICKING, check=False)


def _at(index: int, field: str, message: str) -> dict:
    return {"updateFields": {"orderProducts": {str(index): {field: [message]}}}}
