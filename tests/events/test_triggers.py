"""The sync triggers (/softone/trigger/...) and /api/notifies: each queues its event in the unit of work and
answers in the envelope; missing and foreign documents and recipients are 404s that queue nothing."""

from ..conftest import PASSWORD, make_tenant
from ..planograma.conftest import Planograma, add_user
from ..planograma.nir_helpers import add_nir
from ..planograma.nir_helpers import world as nir_world
from ..planograma.test_orders import add
from .conftest import deliver
from .test_status_events import events_of


def test_order_triggers_queue_sync_and_delete(app, pg, shelf, receiver, hook):
    hook(pg.tenant_code, receiver.url, "order.sync", "order.delete")
    order = add(pg, shelf, 1, thirdPartyReference="ERP-3")
    queued = pg.ok("get", f"/softone/trigger/order/{order['orderId']}")
    assert queued == {
        "eventId": queued["eventId"],
        "type": "order.sync",
        "documentType": "ORDER",
        "documentId": order["orderId"],
    }
    deleted = pg.ok("get", f"/softone/trigger/delete/order/{order['orderId']}")
    assert deliver(app) == (2, 0, 0)
    sync, delete = receiver.bodies()
    assert (sync["id"], sync["type"], delete["id"], delete["type"]) == (
        queued["eventId"],
        "order.sync",
        deleted["eventId"],
        "order.delete",
    )
    assert sync["data"] == {
        "status": "READY_FOR_PICKING",
        "externalOrderId": order["externalOrderId"],
        "thirdPartyReference": "ERP-3",
    }
    # A trigger changes nothing about the order.
    assert pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})[0]["status"] == "READY_FOR_PICKING"


def test_triggers_for_missing_and_foreign_documents_are_404(app, client, pg, shelf):
    order = add(pg, shelf, 1)
    _tid, other_code, _uid = make_tenant(app, hosts=())
    other = Planograma(client, other_code)
    before = events_of(app, other_code)
    for path in (f"/softone/trigger/order/{order['orderId']}", f"/softone/trigger/delete/order/{order['orderId']}"):
        assert other.fail("get", path, status=404) == f"Order {order['orderId']} not found."
    assert pg.fail("get", "/softone/trigger/order/9007199254740993", status=404)
    assert pg.fail("get", "/softone/trigger/order/0", status=404)
    assert pg.fail("get", "/softone/trigger/nir/9007199254740992", status=404) == "NIR 9007199254740992 not found."
    assert pg.fail("get", "/softone/trigger/nowhere/1", status=404)  # routing errors answer in the envelope too
    assert events_of(app, other_code) == before


def test_the_nir_trigger_queues_nir_sync_for_the_tenants_nir_only(app, client, pg, receiver, hook):
    hook(pg.tenant_code, receiver.url, "nir.sync")
    nir = add_nir(pg, nir_world(pg))
    queued = pg.ok("get", f"/softone/trigger/nir/{nir['nirId']}")
    assert (queued["type"], queued["documentType"], queued["documentId"]) == ("nir.sync", "NIR", nir["nirId"])
    assert deliver(app) == (1, 0, 0)
    (body,) = receiver.bodies()
    assert (body["id"], body["data"]) == (
        queued["eventId"],
        {"status": "PENDING", "externalReference": nir["externalReference"], "thirdPartyReference": None},
    )
    _tid, other_code, _uid = make_tenant(app, hosts=())
    other = Planograma(client, other_code)
    assert other.fail("get", f"/softone/trigger/nir/{nir['nirId']}", status=404) == f"NIR {nir['nirId']} not found."
    assert events_of(app, other_code) == []


def test_triggers_need_authentication_and_the_permission(app, client, pg, shelf):
    order = add(pg, shelf, 1)
    path = f"/softone/trigger/order/{order['orderId']}"
    assert pg.fail("get", path, auth=False, status=401)
    add_user(app, pg.tenant_code, "receiver", permissions=["RECEIVING"])
    before = events_of(app, pg.tenant_code)
    assert Planograma(client, pg.tenant_code, "receiver").fail("get", path, status=403)
    assert events_of(app, pg.tenant_code) == before


def test_a_notification_is_stored_announced_and_read_by_its_recipient(app, client, pg, receiver, hook):
    hook(pg.tenant_code, receiver.url, "notification.created")
    bob_id = add_user(app, pg.tenant_code, "bob")
    bob = Planograma(client, pg.tenant_code, "bob", PASSWORD)
    first = pg.ok("post", "/api/notifies", {"title": "Dock 3", "message": "Truck early", "recipientId": bob_id})
    second = pg.ok("post", "/api/notifies", {"title": "Dock 4", "message": "", "recipientId": bob_id})
    assert first["recipientId"] == bob_id and first["read"] is False and first["readAt"] is None
    assert [n["id"] for n in bob.ok("get", "/api/notifies")] == [second["id"], first["id"]]
    assert pg.ok("get", "/api/notifies") == []  # the sender's own inbox is empty

    read = bob.ok("patch", f"/api/notifies/{first['id']}/read")
    assert read["read"] is True and read["readAt"]
    assert [(n["id"], n["read"]) for n in bob.ok("get", "/api/notifies")] == [
        (second["id"], False),
        (first["id"], True),
    ]
    assert [n["id"] for n in bob.ok("get", "/api/notifies?unread=true")] == [second["id"]]
    assert pg.fail("patch", f"/api/notifies/{first['id']}/read", status=404) == f"Notification {first['id']} not found."

    assert deliver(app) == (2, 0, 0)
    assert [(b["type"], b["documentType"], b["documentId"]) for b in receiver.bodies()] == [
        ("notification.created", "NOTIFICATION", first["id"]),
        ("notification.created", "NOTIFICATION", second["id"]),
    ]
    assert receiver.bodies()[0]["data"] == {
        "title": "Dock 3",
        "message": "Truck early",
        "recipientId": bob_id,
        "senderId": pg.native.user_id,
    }


def test_a_notification_for_a_user_of_another_tenant_is_404(app, pg):
    _tid, _code, stranger_id = make_tenant(app)
    before = events_of(app, pg.tenant_code)
    message = pg.fail("post", "/api/notifies", {"title": "Hi", "message": "x", "recipientId": stranger_id}, status=404)
    assert message == f"User {stranger_id} not found."
    assert pg.fail("post", "/api/notifies", {"title": "", "message": "x", "recipientId": 1}, status=400)
    assert events_of(app, pg.tenant_code) == before


def test_a_notification_sent_twice_with_one_idempotency_key_is_stored_once(app, client, pg):
    bob_id = add_user(app, pg.tenant_code, "bob")
    body = {"title": "Once", "message": "only once", "recipientId": bob_id}
    answers = [pg.call("post", "/api/notifies", body, headers={"Idempotency-Key": "n-1"}).get_json() for _ in "12"]
    assert answers[0] == answers[1] and answers[0]["status"] == 200
    assert len(Planograma(client, pg.tenant_code, "bob").ok("get", "/api/notifies")) == 1
    created = [e for e in events_of(app, pg.tenant_code) if e["type"] == "notification.created"]
    assert [e["documentId"] for e in created] == [answers[0]["data"]["id"]]
