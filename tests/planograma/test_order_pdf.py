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


def test_a_picked_order_shows_where_its_goods_were_picked_from(pg, shelf):
    api = pg.native
    other = api.bin(shelf["warehouse"]["id"], binOrder=5)
    early = api.batch(shelf["product"]["id"], expiryDate="2029-03-31", batchCode=["LOT-EARLY"])
    assert api.record({"bin": other, "product": shelf["product"], "batch": early}, 2).status_code == 201
    order = add(pg, shelf, 6)  # the early batch's 2 in `other` first (FEFO), then 4 of the shelf's
    for to in ("PICKING", "PICKED"):
        pg.ok("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": to})
    text = text_of(pg.call("post", f"/api/printable-document/notice/{order['orderId']}"))
    assert "PICKED" in text and "Picked from" in text, text
    code = shelf["product"]["code"]
    late_code = shelf["batch"]["batchCode"][0]
    assert f"{code} location {shelf['bin']['code']} batch {late_code} expiry 2030-01-31 qty 4" in " ".join(
        text.split()
    ), text
    assert f"{code} location {other['code']} batch LOT-EARLY expiry 2029-03-31 qty 2" in " ".join(text.split()), text


def test_an_order_not_yet_picked_shows_no_picked_section(pg, shelf):
    order = add(pg, shelf, 2)
    text = text_of(pg.call("put", "/api/order/print-document", {"orderId": order["orderId"]}))
    assert "Picked from" not in text and f"location {shelf['bin']['code']}" in text
