"""Where an inventory line counts: its bin (by location code), its product (by model) and its batch.

- The location is a bin code. The first line's bin decides the inventory's warehouse (a code used in several
  warehouses then needs ``warehouseId``); later codes are looked up in that warehouse, and a code that exists
  only elsewhere is a 409 naming both warehouses.
- The batch: ``stockBatchId`` (the product's), else ``stockBatchCode`` with ``expirationDate`` found or made as a
  receipt finds or makes it (``batches.for_receipt``); with neither, the one batch of the product the bin holds,
  or the product's plain batch when it holds none (a bin holding several batches needs one named: 400).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Tenant, User
from ..catalog.models import Product
from ..errors import Conflict, NotFound, ValidationFailed
from ..stock import batches, bins
from ..stock.models import Batch, Bin, BinInventoryBatch
from .inventory_models import Inventory


@dataclass(frozen=True)
class Spot:
    """Where a line counts: its bin, product and batch."""

    bin_id: int
    product_id: int
    batch_id: int


def location(db: Session, *, tenant_id: int, inventory: Inventory | None, values: dict) -> Bin:
    """The bin a ``StockAdjustmentRequest`` line names (404 / 400 / 409 as the module says)."""
    return _location(db, tenant_id, inventory, values["location_code"], values.get("warehouse_id"))


def resolve(db: Session, *, tenant: Tenant, user: User, bin_: Bin, values: dict) -> Spot:
    """Where the line counts: ``bin_`` (from ``location``), and the product and batch it names."""
    product = db.scalar(
        select(Product)
        .where(Product.tenant_id == tenant.id, Product.code == values["model"])
        # Key-shared before the bin is locked, as the line's insert would take it after.
        .with_for_update(key_share=True)
    )
    if product is None:
        raise NotFound(f"No product has the model {values['model']!r}.", {"model": ["Unknown product."]})
    batch_id = _batch(db, tenant, user, product, bin_.id, values)
    return Spot(bin_.id, product.id, batch_id)


def _location(db, tenant_id: int, inventory: Inventory | None, code: str, warehouse_id: int | None) -> Bin:
    if inventory is not None:
        found = bins.by_code(db, tenant_id=tenant_id, warehouse_id=inventory.warehouse_id, code=code)
        if found is not None:
            return found
        elsewhere = db.scalar(select(Bin.warehouse_id).where(Bin.tenant_id == tenant_id, Bin.code == code).limit(1))
        if elsewhere is not None:
            raise Conflict(
                f"Location {code!r} is in warehouse {elsewhere}; inventory {inventory.id} counts warehouse "
                f"{inventory.warehouse_id}.",
                {"locationCode": [f"Not a location of warehouse {inventory.warehouse_id}."]},
            )
        raise NotFound(f"No location {code!r} in warehouse {inventory.warehouse_id}.", _unknown_location())
    query = select(Bin).where(Bin.tenant_id == tenant_id, Bin.code == code)
    if warehouse_id is not None:
        query = query.where(Bin.warehouse_id == warehouse_id)
    found = db.scalars(query.order_by(Bin.id).limit(2)).all()
    if not found:
        raise NotFound(f"No location {code!r}.", _unknown_location())
    if len(found) > 1:
        raise ValidationFailed(
            f"Location code {code!r} is used in several warehouses; name one with warehouseId.",
            {"warehouseId": ["Required: the location code is not unique across warehouses."]},
        )
    return found[0]


def _unknown_location() -> dict:
    return {"locationCode": ["Unknown location."]}


def _batch(db, tenant: Tenant, user: User, product: Product, bin_id: int, values: dict) -> int:
    batch_id, code, expiry = values.get("stock_batch_id"), values.get("stock_batch_code"), values.get("expiration_date")
    if batch_id is not None:
        batch = db.scalar(select(Batch).where(Batch.tenant_id == tenant.id, Batch.id == batch_id))
        if batch is None:
            raise NotFound(f"Batch {batch_id} not found.", {"stockBatchId": ["Unknown batch."]})
        if batch.product_id != product.id:
            raise ValidationFailed(
                f"Batch {batch_id} is not a batch of product {product.code}.",
                {"stockBatchId": ["The batch does not belong to the product."]},
            )
        if code and code not in {c.code for c in batch.codes}:
            raise ValidationFailed(
                f"Batch {batch_id} has no code {code!r}.", {"stockBatchCode": ["Not a code of stockBatchId."]}
            )
        return batch.id
    if not code and expiry is None:
        held = db.scalars(
            select(BinInventoryBatch.batch_id)
            .where(
                BinInventoryBatch.bin_id == bin_id,
                BinInventoryBatch.product_id == product.id,
                BinInventoryBatch.amount != 0,
            )
            .order_by(BinInventoryBatch.batch_id)
        ).all()
        if len(held) == 1:
            return held[0]
        if len(held) > 1:
            raise ValidationFailed(
                f"The location holds product {product.code} in {len(held)} batches; name one with stockBatchId or "
                "stockBatchCode.",
                {"stockBatchId": ["Required: the location holds several batches of the product."]},
            )
    return batches.for_receipt(db, tenant=tenant, user=user, product=product, code=code or None, expiry=expiry).id
