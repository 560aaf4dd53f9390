"""A document's id is never given again, not even after a delete (an ERP keeps it; webhooks name it)."""

from wms_service import models  # noqa: F401  (every table on the metadata)
from wms_service.db import Base

from ..planograma.test_orders import add


def test_every_document_header_is_never_reused_on_sqlite():
    """Each documents' table with a status is a document header: it must be AUTOINCREMENT on SQLite."""
    headers = [
        m.class_
        for m in Base.registry.mappers
        if m.class_.__module__.startswith("wms_service.documents.") and hasattr(m.class_, "status")
    ]
    assert {"sales_order", "stocktaking", "transfer"} <= {c.__table__.name for c in headers}
    reused = [c.__table__.name for c in headers if not c.__table__.kwargs.get("sqlite_autoincrement")]
    assert reused == []


def test_a_deleted_orders_id_is_not_given_to_the_next(pg, shelf):
    order = add(pg, shelf, 1)
    pg.ok("delete", "/api/order/delete", {"orderIds": [order["orderId"]]})
    assert add(pg, shelf, 1)["orderId"] > order["orderId"]


def test_a_deleted_stocktakings_id_is_not_given_to_the_next(api):
    bin_id = api.stock_position()["bin"]["id"]
    count = api.create("/stocktaking", {"binId": bin_id})
    assert api.delete(f"/stocktaking/{count['id']}").status_code in (200, 204)
    assert api.create("/stocktaking", {"binId": bin_id})["id"] > count["id"]
