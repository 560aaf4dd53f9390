"""Linking a NIR to a purchase order while the NIR is being validated, deterministically (two sessions, no
server): the link waits for the validation and then counts what it received.

The validation holds the NIR's row lock (SELECT ... FOR UPDATE) until it commits; the link's foreign key takes a
key-share lock on that row, so the link waits. Without the row lock this fails on PostgreSQL: the link commits
first, reading the NIR as pending, and the validation, which did not see the link, moves no purchase order, so
the order stays SENT with its goods in the bins. (On SQLite the validation's write transaction holds the
database until it commits.)
"""

import threading

from wms_service.auth import service as auth
from wms_service.auth.models import User
from wms_service.db import new_session
from wms_service.documents import nirs, purchase_orders

from ..planograma.conftest import pg  # noqa: F401  (the Planograma client)
from ..planograma.nir_helpers import add_nir, line, world

WAIT = 30


def _as_clerk(session, pg):  # noqa: F811
    return auth.tenant_by_code(session, pg.tenant_code), session.get(User, pg.native.user_id)


def test_a_link_made_while_its_nir_is_validated_waits_and_counts_the_receipt(app, pg):  # noqa: F811
    w = world(pg)
    po = pg.ok(
        "post",
        "/api/purchase-order/add",
        {
            "date": "01.12.2026",
            "supplier": w["supplier"]["companyId"],
            "products": [{"code": w["bolt"]["code"], "quantity": 2}],
        },
    )
    pg.ok("patch", f"/api/purchase-order/{po['purchaseOrderId']}/status/SENT")
    nir = add_nir(pg, w, line(w["bolt"], 2))
    done, failures = threading.Event(), []

    def link():
        session = new_session(app, write=True)
        try:
            tenant, user = _as_clerk(session, pg)
            changes = {"nirs": [nir["nirId"]]}
            purchase_orders.update(
                session, tenant=tenant, user=user, order_ids=[po["purchaseOrderId"]], changes=changes
            )
            session.commit()
        except Exception as exc:  # noqa: BLE001  (reported by the test below)
            failures.append(exc)
        finally:
            session.close()
            done.set()

    validating = new_session(app, write=True)
    try:
        tenant, user = _as_clerk(validating, pg)
        (locked,) = nirs.targets(validating, tenant=tenant, lists={"nir_ids": [nir["nirId"]]})
        nirs.validate(validating, tenant=tenant, user=user, nir=locked)  # posted, not committed
        thread = threading.Thread(target=link)
        thread.start()
        assert not done.wait(1.0), "the link finished while the NIR's validation was still open"
        validating.commit()
    finally:
        validating.close()
    thread.join(WAIT)
    assert done.is_set() and failures == []
    got = pg.ok("get", f"/api/purchase-order/{po['purchaseOrderId']}")
    assert (got["status"], got["nirs"], got["products"][0]["receivedQuantity"]) == ("RECEIVED", [nir["nirId"]], 2)
