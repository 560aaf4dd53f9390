"""/api/return: add (received at once into the RETURNS bin), read, validation-info.

Thin views over ``documents/returns.py``; answers ReturnInfo (``return_schemas.py``) in the envelope. Writes need
the ORDERS permission (CONTRACT section 9: orders and returns).
"""

from flask import g
from sqlalchemy import select

from ..documents import returns as service
from ..documents.order_models import Order
from ..documents.return_models import CustomerReturn
from ..web import idempotency
from ..web.permissions import search
from ..web.session import get_db
from ..web.transaction import create
from .blueprint import ApiBlueprint, errors_doc
from .envelope import ok
from .nomenclature import apply_filters, page, summary
from .return_schemas import (
    CreateReturnApiRequest,
    ReadReturnsFilterRequest,
    ReturnApiResponse,
    ReturnInfoApiResponse,
    ReturnValidationInfoApiRequest,
    ReturnValidationInfoApiResponse,
    present,
    validation_info,
)

blp = ApiBlueprint(
    "planograma-return", __name__, url_prefix="/api/return", description="Planograma: returns", writes="ORDERS"
)
FILTERS = {
    "return_ids": "id",
    "external_references": "external_reference",
    "external_client_ids": "external_client_id",
    "warehouse_ids": "warehouse_id",
}


def _add(db, body: dict):
    values = {
        key: body.get(key)
        for key in ("external_reference", "external_client_id", "warehouse_id", "initial_external_order_id")
    }
    values["lines"] = body["returned_products"]
    ret = service.add(db, tenant=g.tenant, user=g.user, values=values)
    return present(db, [ret])[0]


@blp.route("/add", methods=["PUT"], endpoint="add")
@blp.arguments(CreateReturnApiRequest)
@blp.response(200, ReturnInfoApiResponse)
@blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(403, 404, 409, 413)
@summary(
    "Add a return: received at once into the warehouse's RETURNS bin",
    "Needs ORDERS. Posts positive SALES_DOCUMENT records (recordType RETURN) into the RETURNS bin (made on first "
    "use) and re-checks the orders waiting for those products. `externalReference` is required and unique per "
    "tenant (409). With `initialExternalOrderId` a product's returned total may not exceed what that order picked "
    "less earlier returns (409), the goods go back into the batches they left by, and `warehouseId` defaults to "
    "the order's; without it each line goes to the product's batch of `batchCode`/`expirationDate` (the plain "
    "batch when neither is given). Honours Idempotency-Key.",
)
def add(body):
    return create(lambda db: _add(db, body), answer=lambda info: ReturnInfoApiResponse().dump(ok(info)), status=200)


@blp.route("/read", methods=["POST"], endpoint="read")
@search
@blp.arguments(ReadReturnsFilterRequest)
@blp.response(200, ReturnApiResponse)
@summary(
    "List returns with filters, oldest first",
    "Any user of the tenant. Filters: returnIds, externalReferences, externalClientIds, warehouseIds, "
    "initialExternalOrderIds; `page` (from 1) and `limit`.",
)
def read(args):
    db = get_db()
    query = apply_filters(
        select(CustomerReturn).where(CustomerReturn.tenant_id == g.tenant.id), CustomerReturn, FILTERS, args
    )
    if args.get("initial_external_order_ids"):
        query = query.join(Order, Order.id == CustomerReturn.initial_order_id).where(
            Order.external_order_id.in_(args["initial_external_order_ids"])
        )
    rows = db.scalars(page(query.order_by(CustomerReturn.id), args)).all()
    return ok(present(db, rows))


@blp.route("/validation-info", methods=["POST"], endpoint="validation_info")
@search
@blp.arguments(ReturnValidationInfoApiRequest)
@blp.response(200, ReturnValidationInfoApiResponse)
@errors_doc(404)
@summary(
    "Validation information of a return",
    "Any user of the tenant; the return by `returnId` or `externalReference`. A return is received (validated) at "
    "add: who added it and when, and per line the expected and received quantity and the location.",
)
def validation_info_view(args):
    db = get_db()
    ret = service.find(
        db, tenant=g.tenant, return_id=args.get("return_id"), external_reference=args.get("external_reference")
    )
    return ok(validation_info(db, ret))
