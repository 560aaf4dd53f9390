"""/api/purchase-order: add, get, update, status, close, delete, add-product, remove-product.

Thin views over ``documents/purchase_orders.py``. Every endpoint, reads included, needs the PURCHASE_ORDER
permission (CONTRACT section 9): the blueprint declares it for its writes and its reads.
"""

from flask import g
from marshmallow import fields

from ..documents import purchase_orders as service
from ..documents.purchase_order_models import PurchaseOrderStatus
from ..errors import ValidationFailed
from ..web import idempotency
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from .blueprint import ApiBlueprint, errors_doc
from .envelope import envelope, ok
from .nomenclature import summary
from .purchase_order_schemas import (
    STATUSES,
    AddPurchaseOrderProductRequest,
    CreatePurchaseOrderDTO,
    PurchaseOrderApiResponse,
    PurchaseOrderInfo,
    UpdatePurchaseOrderRequest,
    header_values,
    present,
)

PERMISSION = "PURCHASE_ORDER"
blp = ApiBlueprint(
    "planograma-purchase-order",
    __name__,
    url_prefix="/api/purchase-order",
    description="Planograma: purchase orders (PURCHASE_ORDER for every endpoint, reads included)",
    writes=PERMISSION,
    reads=PERMISSION,
)
PurchaseOrdersApiResponse = envelope("PurchaseOrdersApiResponse", fields.List(fields.Nested(PurchaseOrderInfo)))
DeletedId = envelope("DeletedPurchaseOrderApiResponse", fields.Integer(metadata={"description": "The id deleted"}))


def _add(db, body: dict):
    values = header_values(body)
    values["lines"] = values.pop("products", None)
    order = service.add(db, tenant=g.tenant, user=g.user, values=values)
    return present(db, order)


@blp.route("/add", methods=["POST"], endpoint="add")
@blp.arguments(CreatePurchaseOrderDTO)
@blp.response(200, PurchaseOrderApiResponse)
@blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(403, 404, 409, 413)
@summary(
    "Add a purchase order (DRAFT)",
    "Needs PURCHASE_ORDER. `date` is required, `date` and `arrivalDate` are dd.MM.yyyy (anything else is a 400 "
    "naming the format). `supplier` is a company of the tenant: its id (a number) or its externalReference. "
    "`nirs` links NIRs; `products` optionally starts its lines. Honours Idempotency-Key.",
)
def add(body):
    return create(lambda db: _add(db, body), answer=lambda info: PurchaseOrderApiResponse().dump(ok(info)), status=200)


@blp.route("/<int:purchase_order_id>", methods=["GET"], endpoint="get")
@blp.response(200, PurchaseOrderApiResponse)
@errors_doc(403, 404)
@summary(
    "A purchase order, with its lines' ordered and received quantities",
    "Needs PURCHASE_ORDER. A line's receivedQuantity is what the validated NIRs linked to the order brought of "
    "its product.",
)
def get(purchase_order_id):
    db = get_db()
    return ok(present(db, service.get(db, tenant=g.tenant, order_id=purchase_order_id)))


@blp.route("/update", methods=["PATCH"], endpoint="update")
@blp.arguments(UpdatePurchaseOrderRequest)
@blp.response(200, PurchaseOrdersApiResponse)
@errors_doc(403, 404, 409, 413)
@summary(
    "Update purchase orders",
    "Needs PURCHASE_ORDER. The orders `purchaseOrderIds` names get `updateFields` (date, arrivalDate, supplier, "
    "warehouseId, nirs (replacing the links), comment, documentNumber), while DRAFT, SENT or PARTIALLY_RECEIVED "
    "(409 otherwise). A NIR that brought goods stays linked (409).",
)
def update(args):
    with unit_of_work() as db:
        orders = service.update(
            db,
            tenant=g.tenant,
            user=g.user,
            order_ids=args["purchase_order_ids"],
            changes=header_values(args["update_fields"]),
        )
        infos = [present(db, order) for order in orders]
    return ok(infos)


@blp.route("/<int:purchase_order_id>/status/<status>", methods=["PATCH"], endpoint="status")
@blp.response(200, PurchaseOrderApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Change a purchase order's status",
    "Needs PURCHASE_ORDER. DRAFT <-> SENT; CANCELLED from DRAFT or SENT while nothing was received; CLOSED from "
    "SENT, PARTIALLY_RECEIVED or RECEIVED. PARTIALLY_RECEIVED and RECEIVED are reached by themselves as linked "
    "NIRs are validated, never set. Any other change is a 409 naming the current status.",
)
def status(purchase_order_id, status):
    if status not in STATUSES:
        raise ValidationFailed(f"Unknown status {status!r}: one of {', '.join(STATUSES)}.")
    return _set_status(purchase_order_id, PurchaseOrderStatus(status))


@blp.route("/<int:purchase_order_id>/close", methods=["PATCH"], endpoint="close")
@blp.response(200, PurchaseOrderApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Close a purchase order",
    "Needs PURCHASE_ORDER. From SENT, PARTIALLY_RECEIVED or RECEIVED; CLOSED is final (409 from anything else).",
)
def close(purchase_order_id):
    return _set_status(purchase_order_id, PurchaseOrderStatus.CLOSED)


def _set_status(order_id: int, to: PurchaseOrderStatus):
    with unit_of_work() as db:
        order = service.set_status(db, tenant=g.tenant, user=g.user, order_id=order_id, status=to)
        info = present(db, order)
    return ok(info)


@blp.route("/<int:purchase_order_id>", methods=["DELETE"], endpoint="delete")
@blp.response(200, DeletedId)
@errors_doc(403, 404, 409)
@summary(
    "Delete a purchase order",
    "Needs PURCHASE_ORDER. Only while nothing was received: once a linked NIR is validated, a 409.",
)
def delete(purchase_order_id):
    with unit_of_work() as db:
        deleted = service.delete(db, tenant=g.tenant, order_id=purchase_order_id)
    return ok(deleted)


@blp.route("/add-product", methods=["POST"], endpoint="add_product")
@blp.arguments(AddPurchaseOrderProductRequest)
@blp.response(200, PurchaseOrderApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Order a product",
    "Needs PURCHASE_ORDER. `productId` or `code`, and the ordered `quantity`; one line per product (409 when the "
    "product is already ordered). Answers the purchase order.",
)
def add_product(args):
    with unit_of_work() as db:
        order = service.add_product(db, tenant=g.tenant, user=g.user, order_id=args["purchase_order_id"], line=args)
        info = present(db, order)
    return ok(info)


@blp.route("/remove-product/<int:line_id>", methods=["DELETE"], endpoint="remove_product")
@blp.response(200, PurchaseOrderApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Remove a product from a purchase order",
    "Needs PURCHASE_ORDER. Takes the line's id; refused (409) once its product was received or the order is "
    "received, closed or cancelled. Answers the purchase order.",
)
def remove_product(line_id):
    with unit_of_work() as db:
        order = service.remove_product(db, tenant=g.tenant, user=g.user, line_id=line_id)
        info = present(db, order)
    return ok(info)
