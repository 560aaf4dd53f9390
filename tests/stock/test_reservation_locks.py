"""Which bins a reservation locks (``allocation.take``): only those it takes from, plus any candidate below them by
id (so it waits in id order), and more when a concurrent taker emptied the first ones before the lock.

PostgreSQL only: on SQLite a write transaction holds the whole database, so there is nobody to wait for.
"""

import threading

import pytest
from sqlalchemy import text

from wms_service.auth.models import Tenant
from wms_service.db import new_session
from wms_service.stock import allocation, proof, reservations
from wms_service.stock.ledger import Line
from wms_service.stock.locks import lock_bins
from wms_service.stock.references import DocumentKind, Reference

from .conftest import World


@pytest.fixture
def pg_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")


def _two_bins(app, *, first_amount, second_amount, prefer_second=False):
    """A committed world: one product in two bins (the second by id preferred when ``prefer_second``)."""
    session = new_session(app, write=True)
    try:
        world = World(session)
        product = world.product()
        batch = world.batch(product)
        first, second = world.bin(), world.bin(preferred=prefer_second)
        world.post(
            Line(first.id, product.id, batch.id, first_amount), Line(second.id, product.id, batch.id, second_amount)
        )
        session.commit()
        return {
            "tenant": world.tenant.id,
            "warehouse": world.warehouse.id,
            "product": product.id,
            "batch": batch.id,
            "first": first.id,
            "second": second.id,
        }
    finally:
        session.close()


def _reserve(session, w, order_id, quantity):
    return reservations.reserve(
        session,
        tenant=session.get(Tenant, w["tenant"]),
        reference=Reference(DocumentKind.ORDER, order_id),
        line_id=1,
        warehouse_id=w["warehouse"],
        product_id=w["product"],
        quantity=quantity,
    )


def _spy(monkeypatch):
    """Record the bins each ``lock_bins`` call of ``take`` asks for."""
    asked = []

    def spying(db, tenant_id, bin_ids, **kwargs):
        asked.append(set(bin_ids))
        return lock_bins(db, tenant_id, bin_ids, **kwargs)

    monkeypatch.setattr(allocation, "lock_bins", spying)
    return asked


def _held_by(session, w):
    rows = session.execute(
        text("SELECT bin_id, quantity FROM stock_reservation WHERE tenant_id = :t ORDER BY bin_id"), {"t": w["tenant"]}
    )
    return dict(rows.all())


def test_a_reservation_does_not_wait_for_a_bin_it_does_not_take_from(app, pg_only, monkeypatch):
    """Another transaction holds the second bin; a reservation the first bin covers goes on (before, every bin
    with free stock of the product was locked and it waited for the other transaction)."""
    w = _two_bins(app, first_amount=5, second_amount=5)
    asked = _spy(monkeypatch)
    other = new_session(app, write=True)
    lock_bins(other, w["tenant"], {w["second"]})
    session = new_session(app, write=True)
    try:
        session.execute(text("SET LOCAL lock_timeout = '3s'"))
        assert _reserve(session, w, 1, 4).reserved == 4
        session.commit()
        assert asked == [{w["first"]}]
        assert _held_by(session, w) == {w["first"]: 4}
    finally:
        session.close()
        other.rollback()
        other.close()


def test_a_preferred_bin_above_another_candidate_locks_both_in_id_order(app, pg_only, monkeypatch):
    """The allocation takes from the preferred bin, whose id is higher: the lower candidate is locked with it (in one
    id-ordered statement), so that a later extension never waits for a bin below one it holds."""
    w = _two_bins(app, first_amount=5, second_amount=5, prefer_second=True)
    asked = _spy(monkeypatch)
    session = new_session(app, write=True)
    try:
        assert _reserve(session, w, 1, 2).reserved == 2
        session.commit()
        assert asked == [{w["first"], w["second"]}]
        assert _held_by(session, w) == {w["second"]: 2}
    finally:
        session.close()


def test_a_bin_emptied_before_the_lock_is_read_again_and_the_next_one_locked(app, pg_only, monkeypatch):
    """Between the unlocked read and the lock a concurrent taker reserves all of the first bin: the levels read
    under the lock show it, and the plan extends to the second bin, locking it too. Nothing is promised twice."""
    w = _two_bins(app, first_amount=4, second_amount=3)
    asked = []
    ours = threading.current_thread()

    def interfering(db, tenant_id, bin_ids, **kwargs):
        if threading.current_thread() is not ours:
            return lock_bins(db, tenant_id, bin_ids, **kwargs)  # the other client's own reservation
        if not asked:
            # Committed by another client just before our lock (its own thread: its own connection).
            def other_client():
                other = new_session(app, write=True)
                try:
                    assert _reserve(other, w, 2, 4).reserved == 4
                    other.commit()
                finally:
                    other.close()

            thread = threading.Thread(target=other_client)
            thread.start()
            thread.join(timeout=30)
        asked.append(set(bin_ids))
        return lock_bins(db, tenant_id, bin_ids, **kwargs)

    monkeypatch.setattr(allocation, "lock_bins", interfering)
    session = new_session(app, write=True)
    try:
        got = _reserve(session, w, 1, 4)
        session.commit()
        assert (got.reserved, got.shortfall) == (3, 1)
        assert asked == [{w["first"]}, {w["second"]}]
        assert _held_by(session, w) == {w["first"]: 4, w["second"]: 3}
        assert [m for m in proof.verify(session) if m.tenant_id == w["tenant"]] == []
    finally:
        session.close()
