"""Every table, imported in one place for Alembic and the tests."""

from .auth.models import ApiSession, LoginFailure, Tenant, TenantHost, User  # noqa: F401
from .catalog.models import Category, Company, MeasurementUnit, Product, Warehouse  # noqa: F401
from .idempotency import IdempotencyKey  # noqa: F401
from .stock.models import (  # noqa: F401
    Batch,
    BatchCode,
    Bin,
    BinInventory,
    BinInventoryBatch,
    BinInventoryRecord,
    Stocktaking,
    StocktakingRecord,
)
from .stock.reservations import Reservation  # noqa: F401
