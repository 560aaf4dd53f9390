"""Clients racing for the last units through the reservation service: each thread its own session and
transaction, started together at a barrier. The sum reserved never exceeds what is on hand (CONTRACT section 6).

Without the bin lock in ``allocation.take`` this fails on PostgreSQL: every client reads 5 free before any
commits, and all 8 get their unit.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from wms_service.auth.models import Tenant
from wms_service.db import new_session
from wms_service.stock import proof, reservations
from wms_service.stock.ledger import Line
from wms_service.stock.models import BinInventoryBatch, Reservation
from wms_service.stock.references import DocumentKind, Reference

from .conftest import World

CLIENTS, UNITS, ROUNDS = 8, 5, 3


def _stock(app):
    """A committed world with UNITS of one product spread over two bins: (tenant id, warehouse id, product id)."""
    session = new_session(app, write=True)
    try:
        world = World(session)
        product = world.product()
        batch = world.batch(product)
        first, second = world.bin(), world.bin()
        world.post(Line(first.id, product.id, batch.id, 2), Line(second.id, product.id, batch.id, UNITS - 2))
        session.commit()
        return world.tenant.id, world.warehouse.id, product.id
    finally:
        session.close()


def _race(app, tenant_id, warehouse_id, product_id, round_):
    barrier = threading.Barrier(CLIENTS)

    def client(n):
        # Together at the barrier, then each in its own transaction (on SQLite a write transaction holds the
        # database from its first statement, so none may start before the barrier).
        barrier.wait(timeout=30)
        session = new_session(app, write=True)
        try:
            tenant = session.get(Tenant, tenant_id)
            got = reservations.reserve(
                session,
                tenant=tenant,
                reference=Reference(DocumentKind.ORDER, round_ * 100 + n),
                line_id=1,
                warehouse_id=warehouse_id,
                product_id=product_id,
                quantity=1,
            )
            session.commit()
            return got.reserved
        finally:
            session.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(client, range(CLIENTS)))


def test_racing_clients_never_reserve_more_than_is_on_hand(app):
    for round_ in range(ROUNDS):
        tenant_id, warehouse_id, product_id = _stock(app)
        got = _race(app, tenant_id, warehouse_id, product_id, round_)
        assert sorted(got) == [0] * (CLIENTS - UNITS) + [1] * UNITS
        session = new_session(app)
        try:
            rows = select(func.sum(Reservation.quantity)).where(Reservation.tenant_id == tenant_id)
            kept = select(func.sum(BinInventoryBatch.reserved)).where(BinInventoryBatch.tenant_id == tenant_id)
            assert (session.scalar(rows), session.scalar(kept)) == (UNITS, UNITS)
            assert [m for m in proof.verify(session) if m.tenant_id == tenant_id] == []
        finally:
            session.close()
