"""Every document status change writes its event in the same transaction (CONTRACT section 8): one per change,
in order, carrying from and to; a refused or rolled-back change writes none."""

from sqlalchemy import select

from wms_service.auth import service as auth
from wms_service.db import new_session
from wms_service.documents import orders as order_service
from wms_service.errors import Conflict
from wms_service.events import outbox
from wms_service.events.models import OutboxEvent

from ..planograma.test_orders import add, status


def events_of(app, tenant_code, document_id=None):
    session = new_session(app)
    try:
        tenant = auth.tenant_by_code(session, tenant_code)
        query = select(OutboxEvent).where(OutboxEvent.tenant_id == tenant.id).order_by(OutboxEvent.id)
        if document_id is not None:
            query = query.where(OutboxEvent.document_id == document_id)
        return [outbox.body(e) for e in session.scalars(query)]
    finally:
        session.close()


def moves(events):
    return [(e["type"], e["data"]["from"], e["data"]["to"]) for e in events]


def test_an_order_emits_one_event_per_status_change_in_order(app, pg, shelf):
    order = add(pg, shelf, 3, thirdPartyReference="ERP-9")
    for to in ("PICKING", "PICKED"):
        status(pg, order, to)
    status(pg, order, "SHIPPED", awbExternalLink="https://carrier.example/9")
    status(pg, order, "DELIVERED")
    events = events_of(app, pg.tenant_code, order["orderId"])
    assert moves(events) == [
        ("order.status_changed", None, "READY_FOR_PICKING"),
        ("order.status_changed", "READY_FOR_PICKING", "PICKING"),
        ("order.status_changed", "PICKING", "PICKED"),
        ("order.status_changed", "PICKED", "SHIPPED"),
        ("order.status_changed", "SHIPPED", "DELIVERED"),
    ]
    first = events[0]
    assert (first["documentType"], first["documentId"]) == ("ORDER", order["orderId"])
    assert first["data"]["externalOrderId"] == order["externalOrderId"]
    assert first["data"]["thirdPartyReference"] == "ERP-9"
    assert first["occurredAt"].endswith("+00:00")
    assert len({e["id"] for e in events}) == len(events)


def test_waiting_and_ready_announce_themselves(app, pg, shelf):
    waiting = add(pg, shelf, 9)
    assert waiting["status"] == "WAITING_FOR_SUPPLY"
    assert pg.native.record(shelf, 10).status_code == 201
    assert [o["orderId"] for o in pg.ok("post", "/api/order/check-orders-in-waiting-for-supply", {})] == [
        waiting["orderId"]
    ]
    assert moves(events_of(app, pg.tenant_code, waiting["orderId"])) == [
        ("order.status_changed", None, "WAITING_FOR_SUPPLY"),
        ("order.status_changed", "WAITING_FOR_SUPPLY", "READY_FOR_PICKING"),
    ]


def test_a_refused_change_writes_no_event(app, pg, shelf):
    order = add(pg, shelf, 1)
    before = events_of(app, pg.tenant_code)
    pg.fail("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "PICKED"}, status=409)
    assert events_of(app, pg.tenant_code) == before


def test_a_change_rolled_back_after_its_event_was_written_emits_nothing(app, pg, shelf, monkeypatch):
    order = add(pg, shelf, 1)
    before = events_of(app, pg.tenant_code)

    def fail_after_the_event(*_args, **_kwargs):
        raise Conflict("Something after the status change failed.")

    monkeypatch.setattr(order_service, "stamp", fail_after_the_event)
    pg.fail("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "CANCELLED"}, status=409)
    assert events_of(app, pg.tenant_code) == before
    assert pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})[0]["status"] == "READY_FOR_PICKING"


def test_a_deleted_order_announces_its_deletion(app, pg, shelf):
    order = add(pg, shelf, 1)
    pg.ok("delete", "/api/order/delete", {"orderIds": [order["orderId"]]})
    last = events_of(app, pg.tenant_code, order["orderId"])[-1]
    assert (last["type"], last["data"]["status"]) == ("order.deleted", "READY_FOR_PICKING")


def test_a_native_stocktaking_announces_open_and_finished(app, api):
    pos = api.stock_position()
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    assert api.put(f"/stocktaking/{count['id']}", json={"finished": True}).status_code == 200
    assert moves(events_of(app, api.tenant_code, count["id"])) == [
        ("stocktaking.status_changed", None, "OPEN"),
        ("stocktaking.status_changed", "OPEN", "FINISHED"),
    ]
