"""/api/transfer and /api/transfer-product: scan lines onto a transfer, validate, change its status, delete.

Thin views over ``documents/transfers.py`` and ``documents/transfer_scan.py``: each runs one service call in the
unit of work, with the transfer's row locked, and answers in the envelope. Writes need the STOCK permission.
``GET /api/transfer/{transferId}`` is our addition (the seed has no read).
"""

from flask import g

from ..documents import transfer_scan
from ..documents import transfers as service
from ..web import idempotency
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from .blueprint import ApiBlueprint, errors_doc
from .envelope import ok
from .nomenclature import summary
from .transfer_info import present
from .transfer_schemas import ClientBaseApiResponse, ScanClientRequest, TransferInfoApiResponse

blp = ApiBlueprint(
    "planograma-transfer", __name__, url_prefix="/api/transfer", description="Planograma: transfers", writes="STOCK"
)
lines_blp = ApiBlueprint(
    "planograma-transfer-product",
    __name__,
    url_prefix="/api/transfer-product",
    description="Planograma: transfer lines",
    writes="STOCK",
)


@blp.route("/<int:transferId>", methods=["GET"], endpoint="get")
@blp.response(200, TransferInfoApiResponse)
@errors_doc(404)
@summary(
    "A transfer with its lines (our addition)",
    "Any user of the tenant. The transfer's status and warehouse and, per line: product, batch, source and "
    "destination location codes, quantity, what it holds reserved, serial numbers and SSCC code.",
)
def get(transferId):  # noqa: N803  (the path names it as the API does)
    db = get_db()
    return ok(present(db, g.tenant, service.get(db, tenant=g.tenant, transfer_id=transferId)))


@blp.route("/validate-transfer/<int:transferId>", methods=["POST"], endpoint="validate")
@blp.response(200, TransferInfoApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Validate a transfer: move every line's stock, final",
    "Needs STOCK. In one transaction, per line a negative INVENTORY_TRANSFER record from the source and a positive "
    "one into the destination (recordType TRANSFER, referenceId the transfer), consuming the lines' reservations. "
    "A refused record (the destination's maximumAmount, an archived destination) or missing stock is a 409 and "
    "nothing moves. Allowed from OPEN and IN_PROGRESS; afterwards the transfer is final.",
)
def validate(transferId):  # noqa: N803
    with unit_of_work() as db:
        transfer = service.get(db, tenant=g.tenant, transfer_id=transferId, lock=True)
        service.validate(db, tenant=g.tenant, user=g.user, transfer=transfer)
        info = present(db, g.tenant, transfer)
    return ok(info)


@blp.route("/change-transfer-status/<int:transferId>/<transferStatus>", methods=["POST"], endpoint="change_status")
@blp.response(200, TransferInfoApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Change a transfer's status as the status table allows",
    "Needs STOCK. OPEN and IN_PROGRESS change into each other; VALIDATED validates (as validate-transfer); "
    "CANCELLED releases every reservation. VALIDATED and CANCELLED are final: any change after them is a 409 naming "
    "the status. An unknown status is a 400.",
)
def change_status(transferId, transferStatus):  # noqa: N803
    with unit_of_work() as db:
        transfer = service.get(db, tenant=g.tenant, transfer_id=transferId, lock=True)
        service.set_status(db, tenant=g.tenant, user=g.user, transfer=transfer, status=transferStatus)
        info = present(db, g.tenant, transfer)
    return ok(info)


@blp.route("/delete-transfer/<int:transferId>", methods=["DELETE"], endpoint="delete")
@blp.response(200, ClientBaseApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Delete a transfer not validated, releasing its reservations",
    "Needs STOCK. Allowed while OPEN, IN_PROGRESS or CANCELLED; a validated transfer is a 409 and stays.",
)
def delete(transferId):  # noqa: N803
    with unit_of_work() as db:
        transfer = service.get(db, tenant=g.tenant, transfer_id=transferId, lock=True)
        status = str(transfer.status)
        deleted = service.delete(db, tenant=g.tenant, transfer=transfer)
    return ok({"document_id": deleted, "message": f"Transfer {deleted} ({status}) deleted.", "status": "DELETED"})


def _scan(db, body: dict):
    scanned = transfer_scan.add(db, tenant=g.tenant, user=g.user, scan=transfer_scan.Scan(**body))
    return {
        "document_id": scanned.transfer.id,
        "transfer_product_id": scanned.lines[0][0].id,
        "transfer_product_ids": [line.id for line, _amount in scanned.lines],
        "message": scanned.message,
        "status": str(scanned.transfer.status),
    }


@lines_blp.route("/add-transfer-product", methods=["POST"], endpoint="add")
@lines_blp.arguments(ScanClientRequest)
@lines_blp.response(200, ClientBaseApiResponse)
@lines_blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(403, 404, 409, 413)
@summary(
    "Scan a product onto a transfer, reserving its source stock",
    "Needs STOCK. Without documentId a transfer is opened (OPEN) in the source location's warehouse: `warehouseId` "
    "(our addition) says which, else the source code must be unique among the tenant's warehouses (409 when "
    "several use it). Reserves `quantity` from the source location, all or nothing (409 saying how much is free): "
    "of the `batchCode` batch when given, else in FEFO order, one line per batch taken. The same product, batch, "
    "locations and ssccCode scanned again adds to its line. `sn` is kept on the line. Honours Idempotency-Key.",
)
def add_line(body):
    return create(lambda db: _scan(db, body), answer=lambda data: ClientBaseApiResponse().dump(ok(data)), status=200)


@lines_blp.route("/delete-transfer-product/<int:transferProductId>", methods=["DELETE"], endpoint="delete")
@lines_blp.response(200, TransferInfoApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Remove a line from a transfer, releasing its reservation",
    "Needs STOCK. Allowed while the transfer is OPEN or IN_PROGRESS (409 otherwise). Answers the transfer.",
)
def delete_line(transferProductId):  # noqa: N803
    with unit_of_work() as db:
        transfer = transfer_scan.remove(db, tenant=g.tenant, user=g.user, line_id=transferProductId)
        info = present(db, g.tenant, transfer)
    return ok(info)
