"""The order as PDF: /api/printable-document/notice/{orderId} and PUT /api/order/print-document, read with pypdf."""

from io import BytesIO

from pypdf import PdfReader

from .conftest import Planograma, add_user
from .test_orders import add


def text_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)


def test_the_notice_and_print_document_show_the_order_its_company_and_lines(app, client, pg, shelf):
    order = add(pg, shelf, 3, company={"name": "Client SRL", "cui": "RO987"})
    add_user(app, pg.tenant_code, "reader")
    reader = Planograma(client, pg.tenant_code, username="reader")  # no permission: printing only reads
    for response in (
        reader.call("post", f"/api/printable-document/notice/{order['orderId']}"),
        reader.call("put", "/api/order/print-document", {"orderId": order["orderId"]}),
    ):
        text = text_of(response)
        for expected in (
            order["externalOrderId"],
            "Client SRL",
            shelf["product"]["code"],
            shelf["bin"]["code"],
            "READY_FOR_PICKING",
        ):
            assert expected in text, (expected, text)


def test_another_tenants_order_is_a_404(pg, shelf, make_api, client):
    order = add(pg, shelf, 1)
    stranger = Planograma(client, make_api().tenant_code)
    stranger.fail("post", f"/api/printable-document/notice/{order['orderId']}", status=404)
    stranger.fail("put", "/api/order/print-document", {"orderId": order["orderId"]}, status=404)
