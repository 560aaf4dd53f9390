"""A receipt (a NIR's validation, of several NIRs at once too, a return, a production order's close) while an order it would serve is being changed, deterministically
(two sessions, no server): documents before bins, so neither waits for the other in a cycle, and the receipt
still serves the order once the change is done.

The writer holds the waiting order's row first. A cancel then releases its reservations, which locks their
bins; the receipt posts into one of those bins and re-checks the order. With the re-check locking the order
after the post (the code before ``order_supply.lock_waiting``), the receipt holds the bin and waits for the
order, the cancel waits for the bin, and PostgreSQL aborts one of them ("deadlock detected", a 503 through the
API). With ``lock_waiting`` the receipt waits for the order before it locks any bin: the writer finishes, and
the receipt serves the order as the writer left it (a cancelled one not at all). A re-check that merely skipped
held orders would not deadlock either, but would leave the commented order waiting with the goods on the shelf.
(On SQLite the writer's transaction holds the database, so the receipt simply waits for it.)
"""

import threading

import pytest

from wms_service.auth import service as auth
from wms_service.auth.models import User
from wms_service.db import new_session
from wms_service.documents import nirs, order_supply, order_update, orders, production, returns
from wms_service.documents.order_models import OrderStatus
from wms_service.stock import proof
from wms_service.stock.locks import lock_bins

from ..conftest import unique_code
from ..planograma.conftest import pg, shelf  # noqa: F401  (the Planograma client and its stocked bin)
from ..planograma.nir_helpers import add_nir, line
from ..planograma.test_orders import add as add_order

WAIT = 30


def _as_clerk(session, pg):  # noqa: F811
    return auth.tenant_by_code(session, pg.tenant_code), session.get(User, pg.native.user_id)


def _nir(pg, shelf):  # noqa: F811
    """A pending NIR of 3 into the shelf's bin (where the waiting order holds its 5); validates it when called."""
    supplier = pg.company(name="Supplier SRL", externalReference=unique_code("SUP-"), type="SUPPLIER")
    w = {"warehouse": shelf["warehouse"], "supplier": supplier}
    nir = add_nir(pg, w, line(shelf["product"], 3, locationCode=shelf["bin"]["code"]))

    def receive(session, tenant, user):
        (locked,) = nirs.targets(session, tenant=tenant, lists={"nir_ids": [nir["nirId"]]})
        nirs.validate(session, tenant=tenant, user=user, nir=locked)

    return receive


def _two_nirs(pg, shelf):  # noqa: F811
    """Two pending NIRs validated by one request: first 4 of another product into the shelf's bin, then the 3."""
    supplier = pg.company(name="Supplier SRL", externalReference=unique_code("SUP-"), type="SUPPLIER")
    w = {"warehouse": shelf["warehouse"], "supplier": supplier}
    where = {"locationCode": shelf["bin"]["code"]}
    first = add_nir(pg, w, line(pg.native.product(name="Nut"), 4, **where))
    second = add_nir(pg, w, line(shelf["product"], 3, **where))

    def receive(session, tenant, user):
        both = nirs.targets(session, tenant=tenant, lists={"nir_ids": [first["nirId"], second["nirId"]]})
        nirs.update_all(session, tenant=tenant, user=user, nirs=both, changes={"validated": True})

    return receive


def _production(pg, shelf):  # noqa: F811
    """An open production order making 3 of the shelf's product into the shelf's bin; closes it when called."""
    body = {
        "productId": shelf["product"]["id"],
        "quantity": 3,
        "thirdPartyReference": unique_code("PO-"),
        "locationCode": shelf["bin"]["code"],
    }
    (made,) = pg.ok("put", "/api/production/add", body)

    def receive(session, tenant, user):
        order = production.get(session, tenant=tenant, order_id=made["productionOrderId"], lock=True)
        production.close(session, tenant=tenant, user=user, order=order)

    return receive


def _return(pg, shelf):  # noqa: F811
    """A return of 1 into the RETURNS bin, where an earlier return left 2 that the waiting order then reserved."""

    def values(quantity):
        return {
            "external_reference": unique_code("RET-"),
            "external_client_id": "CLIENT-1",
            "warehouse_id": shelf["warehouse"]["id"],
            "initial_external_order_id": None,
            "lines": [{"code": shelf["product"]["code"], "quantity": quantity}],
        }

    body = values(2)
    pg.ok(
        "put",
        "/api/return/add",
        {
            "externalReference": body["external_reference"],
            "externalClientId": "CLIENT-1",
            "warehouseId": body["warehouse_id"],
            "returnedProducts": [{"code": shelf["product"]["code"], "quantity": 2}],
        },
    )

    def receive(session, tenant, user):
        returns.add(session, tenant=tenant, user=user, values=values(1))

    return receive


def _cancel(session, tenant, user, order):
    orders.set_status(session, tenant=tenant, user=user, order=order, status=OrderStatus.CANCELLED)


def _comment(session, tenant, user, order):
    order_update.update(session, tenant=tenant, user=user, orders=[order], fields={"comment": "Call first"})


WRITERS = {"cancel": (_cancel, ("CANCELLED", 0)), "comment": (_comment, ("READY_FOR_PICKING", 8))}


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize(
    "receipt", [_nir, _two_nirs, _production, _return], ids=["nir", "two-nirs", "production", "return"]
)
def test_a_receipt_while_an_order_it_would_serve_is_changed_waits_then_serves_it(
    app,
    pg,  # noqa: F811
    shelf,  # noqa: F811
    receipt,
    writer,
):
    change, expected = WRITERS[writer]
    order = add_order(pg, shelf, 8)  # takes the shelf's 5 and waits for 3 more: what the receipt brings
    receive = receipt(pg, shelf)
    (before,) = pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})
    assert before["status"] == "WAITING_FOR_SUPPLY"
    held = before["orderProducts"][0]["reservedQuantity"]
    assert held == (7 if receipt is _return else 5)  # the return's case also holds the first return's 2
    done, failures = threading.Event(), []

    def receive_and_commit():
        session = new_session(app, write=True)
        try:
            tenant, user = _as_clerk(session, pg)
            receive(session, tenant, user)
            session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
            session.rollback()
        finally:
            session.close()
            done.set()

    writing = new_session(app, write=True)
    try:
        tenant, user = _as_clerk(writing, pg)
        (locked,) = orders.lock(writing, tenant.id, [order["orderId"]])  # the order first, as every writer
        thread = threading.Thread(target=receive_and_commit)
        thread.start()
        assert not done.wait(1.0), "the receipt did not wait for the order it would serve"
        # A cancel now locks the bins of the order's reservations: the receipt holds one if it posted already.
        change(writing, tenant, user, locked)
        writing.commit()
    finally:
        writing.close()
    thread.join(WAIT)
    assert done.is_set() and failures == []
    (after,) = pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})
    assert (after["status"], after["orderProducts"][0]["reservedQuantity"]) == expected
    session = new_session(app)
    try:
        tenant_id = auth.tenant_by_code(session, pg.tenant_code).id
        assert [m for m in proof.verify(session) if m.tenant_id == tenant_id] == []
    finally:
        session.close()


# --- the residual window ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_an_order_that_waits_only_after_the_first_lock_is_skipped_while_another_request_holds_it(
    app,
    database_url,
    pg,  # noqa: F811
    shelf,  # noqa: F811
    monkeypatch,
    writer,
):
    """The order is ready when the NIR's validation locks the waiting orders, starts waiting before its post, and
    is held by a writer when the re-check comes: the receipt, holding the bin by then, skips it instead of waiting
    (a cancel would next want that bin: waiting would be the deadlock again). So the order is not served by this
    receipt; the next re-check serves it (the README's residual window)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    change, expected = WRITERS[writer]
    order = add_order(pg, shelf, 5)  # ready: the shelf's 5
    receive = _nir(pg, shelf)  # 3 into the shelf's bin
    first_lock_done, go, done, failures = threading.Event(), threading.Event(), threading.Event(), []
    lock_waiting = order_supply.lock_waiting

    def paused(*args, **kwargs):
        receipt = lock_waiting(*args, **kwargs)
        first_lock_done.set()
        assert go.wait(WAIT)
        return receipt

    monkeypatch.setattr(order_supply, "lock_waiting", paused)

    def receive_and_commit():
        session = new_session(app, write=True)
        try:
            tenant, user = _as_clerk(session, pg)
            receive(session, tenant, user)
            session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
            session.rollback()
        finally:
            session.close()
            done.set()

    thread = threading.Thread(target=receive_and_commit)
    thread.start()
    assert first_lock_done.wait(WAIT)
    # Now the order waits (8 wanted, 5 held), committed, and a writer takes it before the receipt's re-check.
    pg.ok(
        "post",
        "/api/order/update",
        {
            "orderIds": [order["orderId"]],
            "updateFields": {
                "orderProducts": [{"orderProductId": order["orderProducts"][0]["orderProductId"], "quantity": 8}]
            },
        },
    )
    writing = new_session(app, write=True)
    try:
        tenant, user = _as_clerk(writing, pg)
        (locked,) = orders.lock(writing, tenant.id, [order["orderId"]])
        go.set()
        alone = done.wait(2.0)  # the receipt finished while the order was held
        try:  # a cancel now locks the bin, which a receipt still waiting for the order holds: the deadlock
            change(writing, tenant, user, locked)
            writing.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
    finally:
        writing.close()
    thread.join(WAIT)
    assert failures == [] and alone, "the receipt waited for an order another request held, holding its bin"
    (after,) = pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})
    got = (after["status"], after["orderProducts"][0]["reservedQuantity"])
    if writer == "cancel":
        assert got == expected
    else:
        assert got == ("WAITING_FOR_SUPPLY", 5)  # the NIR's 3 are free on the shelf, not yet offered to it
        assert [o["orderId"] for o in pg.ok("post", "/api/order/check-orders-in-waiting-for-supply", {})] == [
            order["orderId"]
        ]
        (after,) = pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})
        assert (after["status"], after["orderProducts"][0]["reservedQuantity"]) == expected


def test_free_stock_in_a_bin_another_request_holds_is_skipped_not_waited_for(app, database_url, pg, shelf):  # noqa: F811
    """The NIR posts into a second bin (a higher id) and its re-check would also take the shelf's free units, but
    another writer holds the shelf's bin and, locking in id order, wants the NIR's bin next. The receipt, holding
    its bin, skips the shelf's (as a count does) rather than wait: the order gets the NIR's 3 only and keeps
    waiting for the rest (the README's residual window). Waiting there instead is a deadlock."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    other = add_order(pg, shelf, 2)
    order = add_order(pg, shelf, 10)  # holds the shelf's other 3, waits for 7
    pg.ok("patch", "/api/order/update-status", {"orderId": other["orderId"], "status": "CANCELLED"})  # 2 free now
    second = pg.native.bin(shelf["warehouse"]["id"])
    assert second["id"] > shelf["bin"]["id"]
    supplier = pg.company(name="Supplier SRL", externalReference=unique_code("SUP-"), type="SUPPLIER")
    nir = add_nir(
        pg,
        {"warehouse": shelf["warehouse"], "supplier": supplier},
        line(shelf["product"], 3, locationCode=second["code"]),
    )
    done, failures = threading.Event(), []

    def validate_and_commit():
        session = new_session(app, write=True)
        try:
            tenant, user = _as_clerk(session, pg)
            (locked,) = nirs.targets(session, tenant=tenant, lists={"nir_ids": [nir["nirId"]]})
            nirs.validate(session, tenant=tenant, user=user, nir=locked)
            session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
            session.rollback()
        finally:
            session.close()
            done.set()

    writing = new_session(app, write=True)
    try:
        tenant, _user = _as_clerk(writing, pg)
        lock_bins(writing, tenant.id, [shelf["bin"]["id"]])  # a writer in id order: the shelf's bin first
        thread = threading.Thread(target=validate_and_commit)
        thread.start()
        alone = done.wait(2.0)
        try:
            lock_bins(writing, tenant.id, [second["id"]])  # ... then the NIR's
            writing.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
    finally:
        writing.close()
    thread.join(WAIT)
    assert failures == [] and alone, "the receipt waited for a bin another request held, holding its own"
    (after,) = pg.ok("post", "/api/order/read", {"orderIds": [order["orderId"]]})
    assert (after["status"], after["orderProducts"][0]["reservedQuantity"]) == ("WAITING_FOR_SUPPLY", 6)
