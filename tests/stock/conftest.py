"""A small world for the domain tests: a tenant with a user, a warehouse, and factories for what stock needs."""

import pytest
from sqlalchemy import select

from wms_service.audit import stamp
from wms_service.auth import service as auth
from wms_service.auth.models import User
from wms_service.catalog.models import Product, Warehouse
from wms_service.db import now
from wms_service.stock import ledger
from wms_service.stock.models import Batch, Bin, BinInventory, BinInventoryBatch

from ..conftest import unique_code


class World:
    def __init__(self, db, *, allow_negative_stock=False):
        self.db = db
        self.tenant = auth.create_tenant(db, code=unique_code(), allow_negative_stock=allow_negative_stock)
        # The ledger needs a user's id and name, not a password: skip the slow hash.
        self.user = User(tenant_id=self.tenant.id, username="clerk", password_hash="-", created=now())
        db.add(self.user)
        db.flush()
        self.warehouse = self._add(Warehouse(tenant_id=self.tenant.id, code=unique_code("W"), name="Main"))

    def _add(self, obj):
        stamp(obj, self.user, created=True)
        self.db.add(obj)
        self.db.flush()
        return obj

    def bin(self, maximum_amount=0, **fields) -> Bin:
        fields = {"warehouse_id": self.warehouse.id, "active": True, **fields}
        return self._add(Bin(tenant_id=self.tenant.id, code=unique_code("A-"), maximum_amount=maximum_amount, **fields))

    def other_warehouse(self) -> Warehouse:
        return self._add(Warehouse(tenant_id=self.tenant.id, code=unique_code("W"), name="Other"))

    def product(self) -> Product:
        return self._add(Product(tenant_id=self.tenant.id, code=unique_code("P"), name="Widget"))

    def batch(self, product, expiry_date=None) -> Batch:
        return self._add(Batch(tenant_id=self.tenant.id, product_id=product.id, expiry_date=expiry_date))

    def position(self, maximum_amount=0):
        product = self.product()
        return self.bin(maximum_amount), product, self.batch(product)

    def post(self, *lines, reference=None):
        return ledger.post(self.db, tenant=self.tenant, user=self.user, lines=list(lines), reference=reference)

    def reserved(self, bin_, batch) -> int | None:
        """What reservations hold of ``batch`` in ``bin_``, as the projection keeps it."""
        return self.db.scalar(
            select(BinInventoryBatch.reserved).where(
                BinInventoryBatch.bin_id == bin_.id, BinInventoryBatch.batch_id == batch.id
            )
        )

    def level(self, bin_, batch) -> int | None:
        """The projected amount of ``batch`` in ``bin_`` (None if there is no row)."""
        return self.db.scalar(
            select(BinInventoryBatch.amount).where(
                BinInventoryBatch.bin_id == bin_.id, BinInventoryBatch.batch_id == batch.id
            )
        )

    def total(self, bin_, product) -> int | None:
        return self.db.scalar(
            select(BinInventory.amount).where(BinInventory.bin_id == bin_.id, BinInventory.product_id == product.id)
        )


@pytest.fixture
def world(db):
    return World(db)


@pytest.fixture
def make_world(db):
    return lambda **kwargs: World(db, **kwargs)
