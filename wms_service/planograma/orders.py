"""/api/order: add (reserving), read, update, delete, update-status, start-picking, check-orders-in-waiting-for-supply.

Thin views over ``documents/orders.py``: each reads its body, runs one service call in the unit of work and
answers OrderInfo (``order_info.py``) in the envelope. Writes need the ORDERS permission.
"""

from flask import g
from sqlalchemy import select

from ..auth.models import User
from ..catalog.models import Company
from ..documents import order_supply, order_update, picking
from ..documents import orders as service
from ..documents.order_models import Order, OrderStatus
from ..web import idempotency
from ..web.permissions import search
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from .blueprint import ApiBlueprint, errors_doc
from .envelope import ok
from .nomenclature import DeletedIds, apply_filters, page, summary
from .order_info import present
from .order_schemas import (
    CheckWaitingRequest,
    CreateOrderApiRequest,
    DeleteOrderApiRequest,
    OrderApiResponse,
    OrderIdRequest,
    OrderInfoApiResponse,
    OrderReadyApiResponse,
    PickingInfoApiResponse,
    PickListApiResponse,
    ReadOrdersFilterRequest,
    StartPickingRequest,
    UpdateAwbLinkRequest,
    UpdateOrderApiRequest,
    UpdateOrderStatusRequest,
)
from .printable_documents import PDF_RESPONSE, order_pdf

blp = ApiBlueprint(
    "planograma-order", __name__, url_prefix="/api/order", description="Planograma: orders", writes="ORDERS"
)
FILTERS = {
    "order_ids": "id",
    "external_order_ids": "external_order_id",
    "warehouse_ids": "warehouse_id",
    "statuses": "status_value",
    "order_type": "order_type",
    "third_party_reference_ids": "third_party_reference",
}


def _add(db, body: dict):
    values = {key: body.get(key) for key in HEADER}
    values["requires_validation"] = bool(body.get("requires_validation") or body.get("validation_required"))
    values["company"] = body.get("company")
    values["lines"] = body["order_products"]
    return service.add(db, tenant=g.tenant, user=g.user, values=values)


ANSWER = OrderInfoApiResponse()  # made once: a schema keeps no state between dumps, and making one costs


def _answer(added: service.Added) -> dict:
    """The added order's OrderInfo, from what the add holds: nothing is read again."""
    info = present(get_db(), g.tenant, [added.order], lines=added.lines, reserved=added.reserved, loaded=added.loaded)
    return ANSWER.dump(ok(info[0]))


HEADER = (
    "external_order_id",
    "third_party_reference",
    "warehouse_id",
    "order_type",
    "comment",
    "awb_external_link",
    "invoice_external_link",
    "number_of_envelopes",
    "number_of_packages",
)


@blp.route("/add", methods=["PUT"], endpoint="add")
@blp.arguments(CreateOrderApiRequest)
@blp.response(200, OrderInfoApiResponse)
@blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(403, 404, 409, 413)
@summary(
    "Add an order and reserve its lines",
    "Needs ORDERS. Reserves every line in one transaction (FEFO, no expired batches, preferred bins, binOrder, bin "
    "id; only the `locationCode` bin when a line names one): READY_FOR_PICKING when all of it was reserved, else "
    "WAITING_FOR_SUPPLY keeping what it got. `externalOrderId` is required and unique per tenant (409); the "
    "company is matched by `cui` or external reference and made when missing. Honours Idempotency-Key.",
)
def add(body):
    return create(lambda db: _add(db, body), answer=_answer, status=200)


@blp.route("/read", methods=["POST"], endpoint="read")
@search
@blp.arguments(ReadOrdersFilterRequest)
@blp.response(200, OrderApiResponse)
@summary(
    "List orders with filters, oldest first",
    "Any user of the tenant. Filters: orderIds, externalOrderIds, companyExternalReferences, warehouseIds, "
    "statuses, orderType, thirdPartyReferenceIds; `page` (from 1) and `limit`.",
)
def read(args):
    db = get_db()
    query = apply_filters(select(Order).where(Order.tenant_id == g.tenant.id), Order, FILTERS, args)
    if args.get("company_external_references"):
        query = query.join(Company, Company.id == Order.company_id).where(
            Company.external_reference.in_(args["company_external_references"])
        )
    rows = db.scalars(page(query.order_by(Order.id), args)).all()
    return ok(present(db, g.tenant, rows))


@blp.route("/update", methods=["POST"], endpoint="update")
@blp.arguments(UpdateOrderApiRequest)
@blp.response(200, OrderApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Change orders: comment, packages, envelopes, links, and the lines before picking",
    "Needs ORDERS. Targets `orderIds`, `externalOrderIds`, `thirdPartyReferenceIds` (every one must match: 404); "
    "all or nothing; a delivered or cancelled order is a 409. `updateFields.orderProducts` replaces the lines of "
    "one order (not yet PICKED, else 409): an entry names its line by `orderProductId`, else by `externalLineId`, "
    "else it is a new line; lines not named are removed. Changed lines re-reserve at once and the order becomes "
    "READY_FOR_PICKING or WAITING_FOR_SUPPLY (a picking order loses its picker). Answers the orders.",
)
def update(args):
    fields = {key: value for key, value in args["update_fields"].items() if key != "order_products"}
    if "order_products" in args["update_fields"]:
        fields["lines"] = args["update_fields"]["order_products"]
    with unit_of_work() as db:
        orders = service.targets(db, tenant=g.tenant, lists=args)
        order_update.update(db, tenant=g.tenant, user=g.user, orders=orders, fields=fields)
        infos = present(db, g.tenant, orders)
    return ok(infos)


@blp.route("/delete", methods=["DELETE"], endpoint="delete")
@blp.arguments(DeleteOrderApiRequest)
@blp.response(200, DeletedIds)
@errors_doc(403, 404, 409)
@summary(
    "Delete orders not yet picked, releasing their reservations",
    "Needs ORDERS. Allowed up to PICKING; from PICKED on it is a 409 naming the status, and nothing is deleted.",
)
def delete(args):
    with unit_of_work() as db:
        ids = service.delete(db, tenant=g.tenant, orders=service.targets(db, tenant=g.tenant, lists=args))
    return ok(ids)


@blp.route("/update-status", methods=["PATCH"], endpoint="update_status")
@blp.arguments(UpdateOrderStatusRequest)
@blp.response(200, OrderInfoApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Change an order's status as the status table allows",
    "Needs ORDERS. READY_FOR_PICKING -> PICKING -> PICKED -> (VALIDATED when required) -> SHIPPED (with an AWB "
    "link) -> DELIVERED; CANCELLED before PICKED. PICKED posts SALES_DOCUMENT records from the reserved bins "
    "and batches and consumes the reservations; CANCELLED releases them. Any other move is a 409 naming the "
    "current status.",
)
def update_status(args):
    with unit_of_work() as db:
        order = service.get(db, tenant=g.tenant, order_id=args["order_id"], lock=True)
        service.set_status(
            db,
            tenant=g.tenant,
            user=g.user,
            order=order,
            status=OrderStatus(args["status"]),
            awb_external_link=args.get("awb_external_link"),
        )
        info = present(db, g.tenant, [order])[0]
    return ok(info)


@blp.route("/start-picking", methods=["POST"], endpoint="start_picking")
@blp.arguments(StartPickingRequest)
@blp.response(200, PickListApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Start picking an order and answer its pick list",
    "Needs ORDERS. READY_FOR_PICKING -> PICKING (any other status is a 409 naming it); binds `pickerId`, a user "
    "of the tenant (404 otherwise), or the caller when absent. Answers one row per reservation (location, batch "
    "code, expiry, product, quantity) in walking order: binOrder, bin code, expiry, batch id.",
)
def start_picking(args):
    with unit_of_work() as db:
        order = service.get(db, tenant=g.tenant, order_id=args["order_id"], lock=True)
        rows = picking.start(db, tenant=g.tenant, user=g.user, order=order, picker_id=args.get("picker_id"))
    return ok(rows)


@blp.route("/check-orders-in-waiting-for-supply", methods=["POST"], endpoint="check_waiting")
@blp.arguments(CheckWaitingRequest)
@blp.response(200, OrderApiResponse)
@errors_doc(403)
@summary(
    "Reserve again for waiting orders, oldest first",
    "Needs ORDERS. Re-reserves WAITING_FOR_SUPPLY orders (dateAdded, then id) whose missing products have free "
    "stock, and answers the orders that became READY_FOR_PICKING.",
)
def check_waiting(args):
    with unit_of_work() as db:
        ready = order_supply.recheck(db, tenant=g.tenant, user=g.user, warehouse_ids=args.get("warehouse_ids"))
        infos = present(db, g.tenant, ready)
    return ok(infos)


@blp.route("/update-awb-link", methods=["PATCH"], endpoint="update_awb_link")
@blp.arguments(UpdateAwbLinkRequest)
@blp.response(200, OrderInfoApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Set an order's AWB link",
    "Needs ORDERS. Refused (409) once the order is delivered or cancelled.",
)
def update_awb_link(args):
    with unit_of_work() as db:
        order = service.get(db, tenant=g.tenant, order_id=args["order_id"], lock=True)
        service.set_awb_link(db, user=g.user, order=order, link=args["awb_external_link"])
        info = present(db, g.tenant, [order])[0]
    return ok(info)


@blp.route("/picking-info", methods=["POST"], endpoint="picking_info")
@search
@blp.arguments(OrderIdRequest)
@blp.response(200, PickingInfoApiResponse)
@errors_doc(404)
@summary(
    "Picking information of an order",
    "Any user of the tenant: whether it was picked, its packages, envelopes and weight, and who picks it.",
)
def picking_info(args):
    db = get_db()
    order = service.get(db, tenant=g.tenant, order_id=args["order_id"])
    info = present(db, g.tenant, [order])[0]
    picker = db.get(User, order.picker_id) if order.picker_id else None
    return ok(
        {
            "picked": info["picked"],
            "number_of_packages": order.number_of_packages,
            "number_of_envelopes": order.number_of_envelopes,
            "total_weight": info["total_weight"],
            "picker_id": order.picker_id,
            "picker_username": picker.username if picker is not None and picker.tenant_id == g.tenant.id else None,
        }
    )


@blp.route("/print-document", methods=["PUT"], endpoint="print_document")
@search
@blp.arguments(OrderIdRequest)
@blp.doc(responses=PDF_RESPONSE)
@errors_doc(404)
@summary(
    "Print an order as PDF",
    "Any user of the tenant (it only reads). Answers `application/pdf`, as /api/printable-document/notice/{orderId} "
    "does: the order, its company, its lines with their locations and batches, and a barcode of the order id.",
)
def print_document(args):
    return order_pdf(args["order_id"])


@blp.route("/order-ready", methods=["POST"], endpoint="order_ready")
@search
@blp.arguments(OrderIdRequest)
@blp.response(200, OrderReadyApiResponse)
@errors_doc(404)
@summary(
    "Whether an order is ready",
    "Any user of the tenant: whether every line is reserved and, when not, what each line still lacks.",
)
def order_ready(args):
    db = get_db()
    order = service.get(db, tenant=g.tenant, order_id=args["order_id"])
    info = present(db, g.tenant, [order])[0]
    # Picked lines lack nothing; otherwise a line lacks what is not reserved for it (a cancelled order, all).
    done = order.status in service.PICKED_OR_LATER
    missing = [
        {**line, "missing_quantity": line["quantity"] - line["reserved_quantity"]}
        for line in info["order_products"]
        if not done and line["quantity"] > line["reserved_quantity"]
    ]
    return ok(
        {"order_id": order.id, "status": info["status"], "is_ready": info["is_ready"], "missing_products": missing}
    )
