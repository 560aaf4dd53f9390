"""NIRs (goods receipts): expected at add, received when validated (CONTRACT section 7).

A NIR's lines say what arrives; until it is validated no stock moves and its lines may change or it may be
deleted. Validation is the one status change that moves stock: in one transaction it posts each line into its
put-away bin (``put_away.py``) and batch (``stock.batches.for_receipt``) as ``PURCHASE_DOCUMENT`` records under
``Reference(NIR, id)``, moves the NIR to VALIDATED (``nir.status_changed``) and emits ``nir.validated``, moves
the purchase orders it is linked to towards received, and re-checks the orders waiting for those products. The
caller holds the NIR's row lock (``targets(..., lock=True)``), so of two validations racing one moves the stock
and the other finds it VALIDATED (409).
"""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..catalog.models import Product
from ..db import now
from ..errors import Conflict, NotFound
from ..events import outbox
from ..stock import batches, ledger
from ..stock.references import DocumentKind, Reference
from . import base, nir_lines, order_supply, purchase_orders, put_away
from .nir_models import Nir, NirLine
from .nir_models import NirStatus as S

LIFECYCLE = base.StatusTable(
    "NIR",
    {S.PENDING: {S.VALIDATED}, S.VALIDATED: set()},
    editable={S.PENDING},
    document_type="NIR",
)
HEADER = ("third_party_reference", "warehouse_id", "supplier_id", "packaging_type")


def reference(nir: Nir) -> Reference:
    return Reference(DocumentKind.NIR, nir.id)


def event_data(nir: Nir) -> dict:
    return {"externalReference": nir.external_reference, "thirdPartyReference": nir.third_party_reference}


# --- add and change ------------------------------------------------------------------------------------------


def add(db: Session, *, tenant: Tenant, user: User, values: dict) -> Nir:
    """Make the NIR (PENDING) with its lines; validated at once unless ``validation_required``.

    ``values``: ``external_reference`` and the ``HEADER`` attributes, ``validation_required`` and ``lines``
    (``code``, the ``nir_lines.LINE`` attributes and ``location_code``)."""
    values = dict(values)
    lines = values.pop("lines")
    validation_required = values.pop("validation_required", True)
    nir_lines.check_keys_free(db, tenant.id, values, own_id=None)
    nir_lines.check_header(db, tenant.id, values)
    resolved = nir_lines.resolve_lines(db, tenant.id, values["warehouse_id"], lines)
    nir = Nir(tenant_id=tenant.id, status=S.PENDING, **values)
    stamp(nir, user, created=True)
    db.add(nir)
    db.flush()
    db.add_all(NirLine(tenant_id=tenant.id, nir_id=nir.id, **line) for line in resolved)
    base.announce(db, LIFECYCLE, nir, data=event_data(nir))
    db.flush()
    if not validation_required:
        validate(db, tenant=tenant, user=user, nir=nir)
    return nir


def update(db: Session, *, tenant: Tenant, user: User, nir: Nir, changes: dict) -> Nir:
    """Change a pending NIR's header and lines (``lines`` replaces them all), then validate it when
    ``validated`` is true; the caller holds its lock. A validated NIR takes no change (409)."""
    changes = dict(changes)
    validated = changes.pop("validated", None)
    lines = changes.pop("lines", None)
    if changes or lines is not None:
        LIFECYCLE.check_editable(nir)
        nir_lines.check_keys_free(db, tenant.id, changes, own_id=nir.id)
        nir_lines.check_header(db, tenant.id, changes)
        for name, value in changes.items():
            setattr(nir, name, value)
        if lines is not None or "warehouse_id" in changes:
            # A line's location is a bin of the NIR's warehouse, so a new warehouse reads them again.
            lines = lines if lines is not None else [nir_lines.as_values(db, line) for line in lines_of(db, [nir.id])]
            resolved = nir_lines.resolve_lines(db, tenant.id, nir.warehouse_id, lines)
            for line in lines_of(db, [nir.id]):
                db.delete(line)
            db.flush()
            db.add_all(NirLine(tenant_id=tenant.id, nir_id=nir.id, **line) for line in resolved)
        stamp(nir, user)
        db.flush()
    if validated:
        validate(db, tenant=tenant, user=user, nir=nir)
    elif validated is False and nir.validated:
        raise Conflict(f"NIR {nir.id} is validated and cannot be changed.")
    return nir


def set_external_reference(db: Session, *, user: User, nir: Nir, value: str) -> Nir:
    """Rename the NIR's external key (unique per tenant, 409), at any status: it names the NIR, it moves nothing."""
    nir_lines.check_keys_free(db, nir.tenant_id, {"external_reference": value}, own_id=nir.id)
    nir.external_reference = value
    stamp(nir, user)
    db.flush()
    return nir


def set_packaging_type(db: Session, *, user: User, nir: Nir, value: str | None) -> Nir:
    """Set how the goods came packed, at any status (it moves nothing)."""
    nir.packaging_type = value
    stamp(nir, user)
    db.flush()
    return nir


def delete(db: Session, *, tenant: Tenant, nirs: list[Nir]) -> list[int]:
    """Delete pending NIRs (a validated one is a 409, and nothing is deleted); they moved no stock."""
    for nir in nirs:
        LIFECYCLE.check_editable(nir)
    ids = [base.delete(db, LIFECYCLE, nir, data=event_data(nir)) for nir in nirs]
    db.flush()
    return ids


# --- validation ----------------------------------------------------------------------------------------------


def update_all(db: Session, *, tenant: Tenant, user: User, nirs: list[Nir], changes: dict) -> list[Nir]:
    """``update`` each of these (locked) NIRs with the same ``changes``. Validating several, one NIR's bins are held
    while the next is validated: so the orders waiting for all their products are locked once, before the first
    posts (``order_supply.lock_waiting``), and re-checked once after the last."""
    if not changes.get("validated") or len(nirs) < 2:
        for nir in nirs:
            update(db, tenant=tenant, user=user, nir=nir, changes=changes)
        return nirs
    changes = {key: value for key, value in changes.items() if key != "validated"}
    for nir in nirs:
        update(db, tenant=tenant, user=user, nir=nir, changes=changes)
        LIFECYCLE.check_move(nir, S.VALIDATED)
    receipt = _lock_waiting(db, tenant, nirs)
    for nir in nirs:
        validate(db, tenant=tenant, user=user, nir=nir, receipt=receipt)
    order_supply.serve(db, receipt, user=user)
    return nirs


def _lock_waiting(db: Session, tenant: Tenant, nirs: list[Nir]) -> order_supply.Receipt:
    """The orders waiting for these NIRs' products, before their products and bins (``order_supply.lock_waiting``)."""
    products = {li.product_id for li in lines_of(db, [nir.id for nir in nirs])}
    warehouses = {nir.warehouse_id for nir in nirs}
    return order_supply.lock_waiting(db, tenant=tenant, warehouse_ids=warehouses, product_ids=products)


def validate(db: Session, *, tenant: Tenant, user: User, nir: Nir, receipt: order_supply.Receipt | None = None) -> Nir:
    """Receive the NIR's goods (see the module's docstring); the caller holds the NIR's lock. With ``receipt`` the
    caller locked the waiting orders (``update_all``) and re-checks them after; else this does both."""
    LIFECYCLE.check_move(nir, S.VALIDATED)
    lines = lines_of(db, [nir.id])
    own = receipt is None
    if own:
        receipt = _lock_waiting(db, tenant, [nir])
    # Locked in id order before ``for_receipt`` locks each again (then a no-op): two receipts of the same products
    # in other orders never wait on each other in a cycle.
    products = {
        p.id: p
        for p in db.scalars(
            select(Product)
            .where(Product.id.in_({li.product_id for li in lines}))
            .order_by(Product.id)
            .with_for_update()
        )
    }
    wants = [put_away.Want(line.product_id, line.quantity, line.bin_id) for line in lines]
    places = put_away.choose(db, tenant=tenant, user=user, warehouse_id=nir.warehouse_id, wants=wants)
    for i, (line, bin_id) in enumerate(zip(lines, places, strict=True)):
        batch = batches.for_receipt(
            db,
            tenant=tenant,
            user=user,
            product=products[line.product_id],
            code=line.batch_code,
            expiry=line.expiration_date,
            index=i,
        )
        line.put_bin_id, line.batch_id = bin_id, batch.id
    moves = [ledger.Line(line.put_bin_id, line.product_id, line.batch_id, line.quantity) for line in lines]
    base.post(
        db, tenant=tenant, user=user, reference=reference(nir), lines=moves, refusal=f"NIR {nir.id} cannot be validated"
    )
    nir.validated_at, nir.validated_by_id, nir.validated_by = now(), user.id, user.username
    base.move(db, LIFECYCLE, nir, S.VALIDATED, data=event_data(nir), check=False)  # checked above
    stamp(nir, user)
    outbox.emit(
        db,
        tenant_id=tenant.id,
        type="nir.validated",
        document_type=LIFECYCLE.document_type,
        document_id=nir.id,
        data={
            **event_data(nir),
            "warehouseId": nir.warehouse_id,
            "nirProducts": [
                {"productId": li.product_id, "quantity": li.quantity, "binId": li.put_bin_id, "batchId": li.batch_id}
                for li in lines
            ],
        },
    )
    db.flush()
    purchase_orders.after_receipt(db, tenant=tenant, user=user, nir_id=nir.id)
    if own:
        order_supply.serve(db, receipt, user=user)
    return nir


# --- finding -------------------------------------------------------------------------------------------------

TARGETS = {"nir_ids": "id", "external_references": "external_reference"}


def targets(db: Session, *, tenant: Tenant, lists: dict, lock: bool = True) -> list[Nir]:
    """The NIRs each given list names (every value must name one: else 404 naming the misses), in id order,
    locked when ``lock``."""
    found, missing = {}, []
    for arg, attr in TARGETS.items():
        wanted = lists.get(arg) or []
        if not wanted:
            continue
        column = getattr(Nir, attr)
        query = select(Nir).where(Nir.tenant_id == tenant.id, column.in_(wanted)).order_by(Nir.id)
        if lock:
            # Fresh from the locked row: a validation that waited on the lock sees the status the other left.
            query = query.with_for_update().execution_options(populate_existing=True)
        rows = db.scalars(query).all()
        have = {getattr(row, attr) for row in rows}
        missing += [repr(value) for value in wanted if value not in have]
        found.update({row.id: row for row in rows})
    if missing:
        raise NotFound(f"No NIR matches {', '.join(missing)}.")
    return [found[key] for key in sorted(found)]


def lines_of(db: Session, nir_ids: Collection[int]) -> list[NirLine]:
    return list(db.scalars(select(NirLine).where(NirLine.nir_id.in_(nir_ids)).order_by(NirLine.id)))
