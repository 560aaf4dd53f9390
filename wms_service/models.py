"""Every table, imported in one place for Alembic and the tests."""

from .auth.models import ApiSession, LoginFailure, Tenant, TenantHost, User  # noqa: F401
from .catalog.models import Category, Company, MeasurementUnit, Product, Warehouse  # noqa: F401
from .documents.inventory_models import Inventory, InventoryLine  # noqa: F401
from .documents.models import Stocktaking, StocktakingRecord  # noqa: F401
from .documents.nir_models import Nir, NirLine  # noqa: F401
from .documents.order_models import Order, OrderLine  # noqa: F401
from .documents.production_models import ProductionComponent, ProductionOrder  # noqa: F401
from .documents.purchase_order_models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderNir  # noqa: F401
from .documents.return_models import CustomerReturn, ReturnLine  # noqa: F401
from .documents.transfer_models import Transfer, TransferLine  # noqa: F401
from .events.models import Notification, OutboxDelivery, OutboxEvent, Webhook  # noqa: F401
from .stock.models import (  # noqa: F401
    Batch,
    BatchCode,
    Bin,
    BinInventory,
    BinInventoryBatch,
    BinInventoryRecord,
    Reservation,
)
from .web.idempotency import IdempotencyKey  # noqa: F401
