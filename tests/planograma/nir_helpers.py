"""What the NIR and purchase order tests share: a receiving world, NIR bodies, and the ledger's word on it."""

from sqlalchemy import select

from wms_service.auth import service as auth
from wms_service.db import new_session
from wms_service.events import outbox
from wms_service.events.models import OutboxEvent
from wms_service.stock import proof

from ..conftest import unique_code


def world(pg):
    """A warehouse, a supplier company and two untracked products (codes in the answer)."""
    native = pg.native
    warehouse = native.warehouse(name="Main")
    supplier = pg.company(name="Supplier SRL", externalReference=unique_code("SUP-"), type="SUPPLIER")
    bolt = native.product(code=unique_code("BOLT-"), name="Bolt")
    nut = native.product(code=unique_code("NUT-"), name="Nut")
    return {"warehouse": warehouse, "supplier": supplier, "bolt": bolt, "nut": nut}


def nir_body(w, *lines, **fields):
    return {
        "externalReference": unique_code("NIR-"),
        "warehouseId": w["warehouse"]["id"],
        "supplierId": w["supplier"]["companyId"],
        "nirProducts": list(lines) or [{"code": w["bolt"]["code"], "quantity": 4}],
        **fields,
    }


def line(product, quantity, **fields):
    return {"code": product.get("code") or product["productCode"], "quantity": quantity, **fields}


def add_nir(pg, w, *lines, **fields):
    return pg.ok("put", "/api/nir/add", nir_body(w, *lines, **fields))


def validate(pg, nir):
    (info,) = pg.ok("patch", "/api/nir/update", {"nirIds": [nir["nirId"]], "updateFields": {"validated": True}})
    return info


def records(pg, nir_id):
    """The NIR's ledger records through the native API: (bin id, product id, batch id, amount, recordType)."""
    rows = pg.native.get(f"/bin-inventory-record?referenceType=PURCHASE_DOCUMENT&referenceId={nir_id}").get_json()
    return [(r["binId"], r["productId"], r["batchId"], r["amount"], r["recordType"]) for r in rows]


def held(pg, bin_id, product_id):
    """What /bin-inventory says the bin holds of the product (0 when it has no row)."""
    row = pg.native.inventory(bin_id, product_id)
    return row["amount"] if row else 0


def bins_of(pg, warehouse_id):
    return {b["code"]: b for b in pg.native.get(f"/bin?warehouseId={warehouse_id}").get_json()}


def assert_ledger_verifies(app, tenant_code):
    session = new_session(app)
    try:
        tenant_id = auth.tenant_by_code(session, tenant_code).id
        assert [m for m in proof.verify(session) if m.tenant_id == tenant_id] == []
    finally:
        session.close()


def events_of(app, tenant_code, document_type):
    session = new_session(app)
    try:
        tenant = auth.tenant_by_code(session, tenant_code)
        query = select(OutboxEvent).where(
            OutboxEvent.tenant_id == tenant.id, OutboxEvent.document_type == document_type
        )
        return [outbox.body(e) for e in session.scalars(query.order_by(OutboxEvent.id))]
    finally:
        session.close()
