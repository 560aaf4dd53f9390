"""An order as a printable PDF (reportlab): its ids, status and dates, its company, its lines with the locations
and batches reserved for them (once picked: where they were picked from, the order's SALES_DOCUMENT records), and
a Code128 barcode of the order id."""

from io import BytesIO

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..catalog.models import Company
from ..documents import picking
from .order_info import present

MARGIN = 18 * mm
LINE = 5.5 * mm


def render(db, tenant, order) -> bytes:
    (info,) = present(db, tenant, [order])
    company = db.get(Company, order.company_id) if order.company_id else None
    places: dict[int, list[dict]] = {}
    for row in picking.pick_list(db, tenant_id=tenant.id, order_id=order.id):
        places.setdefault(row["order_line_id"], []).append(row)
    # Picked: the reservations were consumed; the records say where each product left from.
    picked = picking.picked_from(db, tenant_id=tenant.id, order_id=order.id) if info["picked"] else []
    out = BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=0)
    pdf.setTitle(f"Order {order.id}")
    width, height = A4
    y = height - MARGIN

    def text(value: str, *, size: int = 10, indent: float = 0) -> None:
        nonlocal y
        if y < MARGIN:
            pdf.showPage()
            y = height - MARGIN
        pdf.setFont("Helvetica", size)
        pdf.drawString(MARGIN + indent, y, value)
        y -= LINE if size <= 10 else LINE * 1.6

    text(f"Order {order.id}", size=16)
    barcode = Code128(str(order.id), barHeight=12 * mm, barWidth=0.4 * mm)
    barcode.drawOn(pdf, width - MARGIN - barcode.width, height - MARGIN - 8 * mm)
    text(f"External order id: {info['external_order_id']}")
    if info["third_party_reference"]:
        text(f"Third party reference: {info['third_party_reference']}")
    text(f"Status: {info['status']}")
    text(f"Date added: {info['date_added']}")
    text(f"Warehouse: {info['warehouse_name']} ({info['warehouse_code']})")
    if order.awb_external_link:
        text(f"AWB: {order.awb_external_link}")
    y -= LINE / 2
    if company is not None:
        text("Company", size=12)
        text(company.name)
        for label, value in (("CUI", company.cui), ("External reference", company.external_reference)):
            if value:
                text(f"{label}: {value}")
        y -= LINE / 2
    text("Lines", size=12)
    for line in info["order_products"]:
        text(f"{line['product_model']}  {line['product_name']}  x {line['quantity']}")
        for row in places.get(line["order_product_id"], []):
            expiry = row["expiry_date"].isoformat() if row["expiry_date"] else "-"
            text(
                f"location {row['location_code']}  batch {row['batch_code'] or '-'}  expiry {expiry}  "
                f"qty {row['quantity']}",
                size=9,
                indent=6 * mm,
            )
    if picked:
        y -= LINE / 2
        text("Picked from", size=12)
        for row in picked:
            expiry = row["expiry_date"].isoformat() if row["expiry_date"] else "-"
            text(
                f"{row['product_code']}  location {row['location_code']}  batch {row['batch_code'] or '-'}  "
                f"expiry {expiry}  qty {row['quantity']}",
                size=9,
                indent=6 * mm,
            )
    pdf.showPage()
    pdf.save()
    return out.getvalue()
