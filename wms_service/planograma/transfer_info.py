"""TransferInfo: a transfer with its lines, read in one query (our addition; the seed has no transfer read)."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..auth.models import Tenant
from ..catalog.models import Product
from ..documents import transfers as service
from ..documents.transfer_models import Transfer, TransferLine
from ..stock.models import Batch, BatchCode, Bin


def present(db: Session, tenant: Tenant, transfer: Transfer) -> dict:
    """What TransferInfo dumps for ``transfer``: its lines in id order, with codes and what each holds reserved."""
    source, destination = aliased(Bin), aliased(Bin)
    first_code = (
        select(BatchCode.code)
        .where(BatchCode.batch_id == Batch.id)
        .order_by(BatchCode.id)
        .limit(1)
        .correlate(Batch)
        .scalar_subquery()
    )
    rows = db.execute(
        select(TransferLine, Product.code, Product.name, first_code, Batch.expiry_date, source.code, destination.code)
        .join(Product, Product.id == TransferLine.product_id)
        .join(Batch, Batch.id == TransferLine.batch_id)
        .join(source, source.id == TransferLine.source_bin_id)
        .join(destination, destination.id == TransferLine.destination_bin_id)
        .where(TransferLine.transfer_id == transfer.id)
        .order_by(TransferLine.id)
    ).all()
    held = service.reserved_per_line(db, tenant_id=tenant.id, transfer_id=transfer.id)
    return {
        "transfer_id": transfer.id,
        "warehouse_id": transfer.warehouse_id,
        "status": str(transfer.status),
        "date_added": datetime.fromtimestamp(transfer.added, UTC).isoformat().replace("+00:00", "Z"),
        "transfer_products": [
            {
                "transfer_product_id": line.id,
                "product_id": line.product_id,
                "product_model": product_code,
                "product_name": product_name,
                "batch_id": line.batch_id,
                "batch_code": batch_code,
                "expiration_date": expiry,
                "source_location_code": source_code,
                "destination_location_code": destination_code,
                "quantity": line.quantity,
                "reserved_quantity": held.get(line.id, 0),
                "sn_list": line.serial_numbers,
                "sscc_code": line.sscc_code,
            }
            for line, product_code, product_name, batch_code, expiry, source_code, destination_code in rows
        ],
    }
