"""Delivery to a real receiver on a loopback port (CONTRACT section 8): signed bodies, one event per status change
in order, retries while the receiver is down, failed kept and retried by hand, a hanging receiver cut off by the
timeout while the others get theirs."""

import json
import time

from wms_service.events.delivery import Backoff

from ..conftest import Api, login, make_tenant
from ..planograma.conftest import Planograma
from ..planograma.test_orders import add, status
from .conftest import SECRET, cli, deliver
from .receiver import Receiver, verifies
from .test_status_events import events_of


def test_events_arrive_signed_one_per_status_change_in_order(app, pg, shelf, receiver, hook):
    hook(pg.tenant_code, receiver.url)
    order = add(pg, shelf, 2)
    for to in ("PICKING", "PICKED"):
        status(pg, order, to)
    assert deliver(app) == (3, 0, 0)
    bodies = receiver.bodies()
    assert [(b["type"], b["data"]["from"], b["data"]["to"]) for b in bodies] == [
        ("order.status_changed", None, "READY_FOR_PICKING"),
        ("order.status_changed", "READY_FOR_PICKING", "PICKING"),
        ("order.status_changed", "PICKING", "PICKED"),
    ]
    assert bodies == events_of(app, pg.tenant_code, order["orderId"])
    for headers, raw, body, _at in receiver.received:
        assert verifies(SECRET, headers, raw)
        assert not verifies("another-secret-of-some-length", headers, raw)
        assert headers["Content-Type"] == "application/json"
        assert (headers["X-WMS-Event"], headers["X-WMS-Event-Id"]) == (body["type"], body["id"])
        assert json.loads(raw) == body
    assert deliver(app) == (0, 0, 0)  # delivered once, not again


def test_a_webhook_hears_only_the_types_it_asked_for(app, pg, shelf, receiver, hook):
    hook(pg.tenant_code, receiver.url, "order.deleted")
    order = add(pg, shelf, 1)
    pg.ok("delete", "/api/order/delete", {"orderIds": [order["orderId"]]})
    deliver(app)
    assert [b["type"] for b in receiver.bodies()] == ["order.deleted"]


def test_a_receiver_that_is_down_gets_everything_when_it_comes_back(app, pg, shelf, receiver, hook):
    hook(pg.tenant_code, receiver.url)
    receiver.stop()
    order = add(pg, shelf, 2)
    status(pg, order, "PICKING")
    delivered, retrying, failed = deliver(app)
    assert (delivered, failed) == (0, 0) and retrying >= 1
    receiver.start()
    deadline = time.monotonic() + 20
    while len(receiver.bodies()) < 2 and time.monotonic() < deadline:
        deliver(app)
        time.sleep(0.1)
    assert [b["data"]["to"] for b in receiver.bodies()] == ["READY_FOR_PICKING", "PICKING"]


def test_a_receiver_that_keeps_failing_leaves_the_event_failed_until_retried(app, pg, shelf, receiver, hook):
    webhook_id = hook(pg.tenant_code, receiver.url)
    receiver.mode = "fail"
    order = add(pg, shelf, 1)
    status(pg, order, "PICKING")
    deadline = time.monotonic() + 20
    while f"webhook={webhook_id} " not in cli(app, "outbox", "failed") and time.monotonic() < deadline:
        deliver(app, "--max-attempts", "3")
        time.sleep(0.05)
    (first, second) = events_of(app, pg.tenant_code, order["orderId"])
    failed = [line for line in cli(app, "outbox", "failed").splitlines() if f"webhook={webhook_id} " in line]
    assert len(failed) == 1 and failed[0].startswith(first["id"] + "\torder.status_changed\tORDER ")
    assert "attempts=3\tHTTP 500" in failed[0]
    # The event after it waits: a document's events arrive in order.
    assert receiver.ids() == [first["id"]] * 3
    assert deliver(app) == (0, 0, 0)

    receiver.mode = "ok"
    assert cli(app, "outbox", "retry", first["id"]) == "outbox: 1 delivery due again\n"
    assert deliver(app) == (2, 0, 0)
    assert receiver.ids() == [first["id"]] * 4 + [second["id"]]
    assert f"webhook={webhook_id} " not in cli(app, "outbox", "failed")


def test_retry_of_an_event_without_failed_deliveries_is_refused(app):
    result = app.test_cli_runner().invoke(args=["outbox", "retry", "no-such-event"])
    assert result.exit_code == 1 and "Event no-such-event has no failed delivery." in result.output


def test_a_hanging_receiver_is_cut_off_and_the_others_still_get_theirs(app, pg, shelf, receiver, hook):
    hanging = Receiver().start()
    hanging.mode = "hang"
    try:
        hook(pg.tenant_code, hanging.url)
        hook(pg.tenant_code, receiver.url)
        orders = [add(pg, shelf, 1) for _ in range(3)]
        started = time.monotonic()
        # Retries later than this run: it makes one attempt per hanging delivery at most.
        delivered, retrying, failed = deliver(app, "--backoff-base", "30", "--backoff-cap", "30")
        took = time.monotonic() - started
    finally:
        hanging.close()
    assert sorted(b["documentId"] for b in receiver.bodies()) == sorted(o["orderId"] for o in orders)
    # Each of the hanging webhook's deliveries timed out once at 0.5 s (after a timeout the rest of its round is
    # given back untried, and taken again in the next), and none of it held up the other webhook.
    assert (delivered, retrying, failed) == (3, 3, 0)
    assert len(hanging.bodies()) == 3
    assert took < 10


def test_a_webhook_hears_its_own_tenant_from_when_it_was_added_and_nothing_rolled_back(
    app, client, pg, shelf, receiver, hook
):
    before = add(pg, shelf, 1)  # emitted before the webhook existed
    hook(pg.tenant_code, receiver.url)
    order = add(pg, shelf, 1)
    pg.fail("patch", "/api/order/update-status", {"orderId": order["orderId"], "status": "PICKED"}, status=409)
    other = add_order_elsewhere(app, client)
    assert deliver(app) == (1, 0, 0)
    (only,) = receiver.bodies()
    assert (only["documentId"], only["data"]["to"]) == (order["orderId"], "READY_FOR_PICKING")
    assert before["orderId"] != only["documentId"] != other


def add_order_elsewhere(app, client):
    """An order of another tenant, whose events this tenant's webhook must never hear."""
    _tid, code, user_id = make_tenant(app)
    native = Api(client, code, "clerk", login(client, code).get_json()["sessionKey"], user_id)
    pg = Planograma(client, code, native=native)
    warehouse = native.warehouse(name="Elsewhere")
    pos = native.stock_position(warehouse_id=warehouse["id"])
    assert native.record(pos, 5).status_code == 201
    return add(pg, {**pos, "warehouse": warehouse}, 1)["orderId"]


def test_the_backoff_doubles_with_jitter_up_to_the_cap():
    backoff = Backoff(base=10, cap=3600, max_attempts=12)
    for attempt, full in ((1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (5000, 3600)):
        delays = [backoff.delay_ms(attempt) for _ in range(50)]
        assert all(full * 500 <= d <= full * 1000 for d in delays), (attempt, min(delays), max(delays))
        assert len(set(delays)) > 1  # jitter
