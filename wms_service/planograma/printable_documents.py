"""/api/printable-document: documents as PDF. Reads: any user of the tenant may print."""

from flask import Response, g

from ..documents import orders as service
from ..web.permissions import search
from ..web.session import get_db
from .blueprint import ApiBlueprint, errors_doc
from .nomenclature import summary
from .order_pdf import render

blp = ApiBlueprint(
    "planograma-printable-document",
    __name__,
    url_prefix="/api/printable-document",
    description="Planograma: printable documents",
    writes="ORDERS",
)

PDF_RESPONSE = {
    "200": {
        "description": "The document as PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def order_pdf(order_id: int) -> Response:
    """The tenant's order ``order_id`` (404 otherwise) as a PDF answer."""
    db = get_db()
    order = service.get(db, tenant=g.tenant, order_id=order_id)
    return Response(render(db, g.tenant, order), mimetype="application/pdf")


@blp.route("/notice/<int:orderId>", methods=["POST"], endpoint="notice")
@search
@blp.doc(responses=PDF_RESPONSE)
@errors_doc(404)
@summary(
    "An order's notice as PDF",
    "Any user of the tenant. Answers `application/pdf`: the order (ids, status, dates), its company, its lines "
    "with the locations and batches reserved for them, and a Code128 barcode of the order id.",
)
def notice(orderId):  # noqa: N803  (the path names it as the API does)
    return order_pdf(orderId)
