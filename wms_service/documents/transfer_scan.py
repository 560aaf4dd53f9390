"""Scanning a transfer's lines: add (opening the transfer when none is named) and remove.

Where a scan's locations are: a location code names a bin of one warehouse (codes are unique per warehouse
only). A scan for an existing transfer reads both codes in the transfer's warehouse. A scan that opens a
transfer reads them in ``warehouse_id`` when it is sent; without it the source code must name exactly one bin
among the tenant's warehouses (404 when none, 409 listing the warehouses when several), and that bin's
warehouse is the transfer's. The destination is always a bin of the same warehouse.

What a scan reserves: ``quantity`` of the product from the source bin, all or nothing (409 saying how much is
free). With a ``batch_code`` only the product's batches with that code are taken; without one the allocation
order (FEFO, expired batches never) picks the batches, possibly several. A line is one batch, so a scan may
make or grow several lines, one per batch it took; the same product, batch, bins and SSCC scanned again grows
its line and reserves the extra.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product, Warehouse
from ..db import MAX_ID
from ..errors import Conflict, InsufficientStock, NotFound, ValidationFailed
from ..stock import bins, reservations
from ..stock.models import Batch, BatchCode, Bin
from ..stock.reservations import LineWant
from . import base
from .transfer_models import Transfer, TransferLine
from .transfer_models import TransferStatus as S
from .transfers import LIFECYCLE, get, reference


@dataclass(frozen=True)
class Scan:
    """One scan of a ``ScanClientRequest``."""

    product_id: int
    quantity: int
    source_location_code: str
    destination_location_code: str
    document_id: int | None = None
    warehouse_id: int | None = None
    batch_code: str | None = None
    sn: str | None = None
    sscc_code: str | None = None


@dataclass(frozen=True)
class Scanned:
    """The transfer a scan went to, and the lines it made or grew with what each got, first batch first."""

    transfer: Transfer
    lines: list[tuple[TransferLine, int]]
    message: str


def add(db: Session, *, tenant: Tenant, user: User, scan: Scan) -> Scanned:
    """Reserve the scan's stock and put it on the transfer (locked; made, with its ``transfer.status_changed``
    event, when the scan names none)."""
    transfer = None
    if scan.document_id is not None:
        transfer = get(db, tenant=tenant, transfer_id=scan.document_id, lock=True)
        LIFECYCLE.check_editable(transfer)
    warehouse_id = _warehouse(db, tenant.id, transfer, scan)
    product = db.scalar(select(Product).where(Product.tenant_id == tenant.id, Product.id == scan.product_id))
    if product is None:
        raise NotFound(f"Product {scan.product_id} not found.", {"productId": ["The product does not exist."]})
    source = _bin(db, tenant.id, warehouse_id, scan.source_location_code, "sourceLocationCode")
    destination = _bin(db, tenant.id, warehouse_id, scan.destination_location_code, "destinationLocationCode")
    if source.id == destination.id:
        raise ValidationFailed(
            "The source and the destination are the same location.",
            {"destinationLocationCode": ["Must differ from sourceLocationCode."]},
        )
    batch_ids = _batches(db, tenant.id, product, scan.batch_code)
    places = reservations.free_in(
        db, tenant=tenant, warehouse_id=warehouse_id, product_id=product.id, bin_id=source.id, batch_ids=batch_ids
    )
    free = sum(place.free for place in places)
    if free < scan.quantity:
        what = f"product {product.code}" + (f" batch {scan.batch_code!r}" if scan.batch_code else "")
        raise InsufficientStock(
            f"Only {free} of {what} is free in location {source.code}; cannot transfer {scan.quantity}.",
            {"quantity": [f"Only {free} free."]},
        )
    if transfer is None:
        transfer = Transfer(tenant_id=tenant.id, warehouse_id=warehouse_id, status=S.OPEN)
        stamp(transfer, user, created=True)
        db.add(transfer)
        db.flush()
        base.announce(db, LIFECYCLE, transfer, data={"warehouseId": warehouse_id})
    lines, left = [], scan.quantity
    for place in places:
        if not left:
            break
        amount = min(left, place.free)
        left -= amount
        line = _line(db, transfer, product.id, place.batch_id, source.id, destination.id, scan.sscc_code)
        line.quantity += amount
        lines.append((line, amount))
    if scan.sn:
        lines[0][0].add_serial_number(scan.sn)
    db.flush()
    wants = [LineWant(line.id, product.id, amount, source.id, line.batch_id) for line, amount in lines]
    got = reservations.reserve_lines(
        db, tenant=tenant, reference=reference(transfer), warehouse_id=warehouse_id, lines=wants
    )
    # Read under the source's lock just above, so this cannot happen; kept so a change there cannot go unnoticed.
    if any(result.shortfall for result in got):
        raise Conflict(f"The stock of location {source.code} changed while it was reserved; scan again.")
    stamp(transfer, user)
    db.flush()
    parts = ", ".join(f"{amount} to line {line.id}" for line, amount in lines)
    message = (
        f"Reserved {scan.quantity} of product {product.code} in {source.code} for {destination.code} on transfer "
        f"{transfer.id}: {parts}."
    )
    return Scanned(transfer, lines, message)


def remove(db: Session, *, tenant: Tenant, user: User, line_id: int) -> Transfer:
    """Remove a line of a transfer still editable (409 otherwise), releasing its reservation."""
    transfer_id = None
    if 0 < line_id <= MAX_ID:  # beyond it no row has the id, and the database's integer could not hold it
        transfer_id = db.scalar(select(TransferLine.transfer_id).where(*_own_line(tenant.id, line_id)))
    if transfer_id is None:
        raise NotFound(f"Transfer product {line_id} not found.")
    transfer = get(db, tenant=tenant, transfer_id=transfer_id, lock=True)
    line = db.scalar(select(TransferLine).where(*_own_line(tenant.id, line_id)))
    if line is None:  # removed while this request waited for the transfer's lock
        raise NotFound(f"Transfer product {line_id} not found.")
    LIFECYCLE.check_editable(transfer)
    reservations.release(db, tenant=tenant, reference=reference(transfer), line_id=line.id)
    db.delete(line)
    stamp(transfer, user)
    db.flush()
    return transfer


def _own_line(tenant_id: int, line_id: int) -> tuple:
    return TransferLine.tenant_id == tenant_id, TransferLine.id == line_id


def _warehouse(db, tenant_id: int, transfer: Transfer | None, scan: Scan) -> int:
    """The warehouse whose bins the scan's codes name (see the module's docstring)."""
    if transfer is not None:
        if scan.warehouse_id is not None and scan.warehouse_id != transfer.warehouse_id:
            raise ValidationFailed(
                f"Transfer {transfer.id} is in warehouse {transfer.warehouse_id}.",
                {"warehouseId": [f"Must be {transfer.warehouse_id}, the transfer's, or absent."]},
            )
        return transfer.warehouse_id
    if scan.warehouse_id is not None:
        found = db.scalar(
            select(Warehouse.id).where(Warehouse.tenant_id == tenant_id, Warehouse.id == scan.warehouse_id)
        )
        if found is None:
            raise NotFound(
                f"Warehouse {scan.warehouse_id} not found.", {"warehouseId": ["The warehouse does not exist."]}
            )
        return found
    code = scan.source_location_code
    holders = list(
        db.scalars(
            select(Bin.warehouse_id).where(Bin.tenant_id == tenant_id, Bin.code == code).order_by(Bin.warehouse_id)
        )
    )
    if not holders:
        raise NotFound(f"No location {code!r}.", {"sourceLocationCode": ["Unknown location."]})
    if len(holders) > 1:
        listed = ", ".join(str(w) for w in holders)
        raise Conflict(
            f"Location code {code!r} is used in warehouses {listed}; send warehouseId to say which.",
            {"warehouseId": ["Required: the location code is not unique."]},
        )
    return holders[0]


def _bin(db, tenant_id: int, warehouse_id: int, code: str, field: str) -> Bin:
    found = bins.by_code(db, tenant_id=tenant_id, warehouse_id=warehouse_id, code=code)
    if found is None:
        raise NotFound(f"No location {code!r} in warehouse {warehouse_id}.", {field: ["Unknown location."]})
    return found


def _batches(db, tenant_id: int, product: Product, code: str | None) -> set[int] | None:
    """The product's batches with this code (404 when none); None (any batch) without a code."""
    if not code:
        return None
    found = set(
        db.scalars(
            select(Batch.id)
            .join(BatchCode, BatchCode.batch_id == Batch.id)
            .where(Batch.tenant_id == tenant_id, Batch.product_id == product.id, BatchCode.code == code)
        )
    )
    if not found:
        raise NotFound(f"Product {product.code} has no batch {code!r}.", {"batchCode": ["Unknown batch."]})
    return found


def _line(db, transfer: Transfer, product_id, batch_id, source_id, destination_id, sscc) -> TransferLine:
    """The transfer's line for this product, batch, bins and SSCC; a new one (quantity 0) when there is none."""
    line = db.scalar(
        select(TransferLine).where(
            TransferLine.transfer_id == transfer.id,
            TransferLine.product_id == product_id,
            TransferLine.batch_id == batch_id,
            TransferLine.source_bin_id == source_id,
            TransferLine.destination_bin_id == destination_id,
            TransferLine.sscc_code.is_(None) if sscc is None else TransferLine.sscc_code == sscc,
        )
    )
    if line is None:
        line = TransferLine(
            tenant_id=transfer.tenant_id,
            transfer_id=transfer.id,
            product_id=product_id,
            batch_id=batch_id,
            source_bin_id=source_id,
            destination_bin_id=destination_id,
            quantity=0,
            sscc_code=sscc,
            sn="[]",
        )
        db.add(line)
    return line
