"""/bin-inventory (the totals) and /bin-inventory-record (the ledger)."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select

from ..db import MAX_ID
from ..stock import ledger, references
from ..stock.models import Bin, BinInventory, BinInventoryRecord
from ..stock.references import REFERENCE_TYPES
from ..web.permissions import writes_need
from ..web.session import get_db
from ..web.transaction import unit_of_work
from . import fast
from .common import (
    TOTAL_HEADER,
    AuditSchema,
    CamelSchema,
    Id,
    IdList,
    ListArgs,
    QueryBool,
    create_endpoint,
    document_errors,
    filter_ids,
    listing,
    page_of,
    require_session,
    tenant_query,
    update_endpoint,
)

blp = Blueprint("bin-inventory", __name__, url_prefix="/bin-inventory", description="Stock per bin and product")
blp.before_request(require_session)
records_blp = Blueprint(
    "bin-inventory-record", __name__, url_prefix="/bin-inventory-record", description="The stock ledger"
)
records_blp.before_request(require_session)
writes_need(records_blp, "STOCK")


class BatchAmount(CamelSchema):
    batch_id = fields.Integer()
    amount = fields.Integer()


class BinInventorySchema(CamelSchema):
    id = fields.Integer()
    bin_id = fields.Integer()
    warehouse_id = fields.Integer()
    product_id = fields.Integer()
    amount = fields.Integer()
    batches = fields.List(fields.Nested(BatchAmount))
    added = fields.Integer()
    changed = fields.Integer()


class BinInventoryArgs(ListArgs):
    id = IdList()
    bin_id = IdList()
    product_id = IdList()
    warehouse_id = IdList()


@blp.route("")
class BinInventories(MethodView):
    @blp.arguments(BinInventoryArgs, location="query")
    @blp.response(200, BinInventorySchema(many=True), headers=TOTAL_HEADER)
    @document_errors(blp, (400, 401))
    def get(self, args):
        """List how much of each product each bin holds

        One row per bin and product with `amount` and `batches: [{batchId, amount}]`, read from the totals the ledger
        keeps (never recounted). A row stays, with amount 0, once a product has been in a bin. Filters: `binId`,
        `productId`, `warehouseId`, `id`.
        """
        query = filter_ids(tenant_query(BinInventory), BinInventory.id, args.pop("id", None))
        query = filter_ids(query, BinInventory.bin_id, args.pop("bin_id", None))
        query = filter_ids(query, BinInventory.product_id, args.pop("product_id", None))
        warehouses = args.pop("warehouse_id", None)
        if warehouses:
            query = query.where(BinInventory.bin_id.in_(select(Bin.id).where(Bin.warehouse_id.in_(warehouses))))
        db = get_db()
        rows, status, headers = listing(db, query, BinInventory, args)
        warehouse_of = dict(
            db.execute(select(Bin.id, Bin.warehouse_id).where(Bin.id.in_({r.bin_id for r in rows}))).all()
        )
        return [_inventory(row, warehouse_of[row.bin_id]) for row in rows], status, headers


def _inventory(row, warehouse_id):
    return {
        "id": row.id,
        "bin_id": row.bin_id,
        "product_id": row.product_id,
        "amount": row.amount,
        "warehouse_id": warehouse_id,
        "added": row.added,
        "changed": row.changed,
        "batches": [{"batch_id": b.batch_id, "amount": b.amount} for b in row.batches],
    }


# --- the ledger ----------------------------------------------------------------------------------------------

Ref = lambda: fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=MAX_ID))  # noqa: E731


class RecordFields(CamelSchema):
    """The fields a client may edit after a record is written."""

    reference_type = fields.String(allow_none=True, validate=validate.OneOf(REFERENCE_TYPES))
    reference_id = Ref()
    prod_amort_type_id = Ref()
    document_row_id = Ref()
    orgper_id_dat = Ref()
    record_type = fields.String(allow_none=True, validate=validate.Length(max=40))

    @validates_schema
    def reference_pair(self, data, partial=None, **_):
        if not partial:
            check_reference_pair(data)


def check_reference_pair(data):
    errors = references.pair_errors(data.get("reference_type"), data.get("reference_id"))
    if errors:
        raise ValidationError(errors)


def nonzero(amount):
    errors = references.amount_errors(amount)
    if errors:
        raise ValidationError(errors)


class RecordIn(RecordFields):
    bin_id = Id(required=True)
    product_id = Id(required=True)
    batch_id = Id(required=True)
    amount = fields.Integer(
        strict=True,
        required=True,
        validate=[validate.Range(min=-(2**31), max=2**31 - 1), nonzero],
    )


# Well-formed records skip marshmallow (a third of posting 1000 of them); anything else is loaded by the schema.
RecordIn.fast_load = staticmethod(fast.record_loader(RecordIn, REFERENCE_TYPES))


class RecordOut(AuditSchema, RecordIn):
    reverses_id = fields.Integer(allow_none=True, metadata={"description": "The record this one cancels"})
    reversed_by_id = fields.Integer(allow_none=True, metadata={"description": "The reversal that deleted this record"})


class RecordArgs(ListArgs):
    id = IdList()
    reference_type = fields.String(validate=validate.OneOf(REFERENCE_TYPES))
    reference_id = fields.Integer(validate=validate.Range(min=0, max=MAX_ID))
    bin_id = IdList()
    product_id = IdList()
    batch_id = IdList()
    include_deleted = QueryBool(load_default=False, metadata={"description": "Also list records that were deleted"})


def _load_record(record_id):
    return ledger.get_record(get_db(), tenant=g.tenant, record_id=record_id)


PAGING = {"page", "page_size", "order", "after_id"}


@records_blp.route("")
class Records(MethodView):
    @records_blp.arguments(RecordArgs, location="query")
    @records_blp.response(200, RecordOut(many=True), headers=TOTAL_HEADER)
    @document_errors(records_blp, (400, 401))
    def get(self, args):
        """List ledger records (deleted originals only with includeDeleted=true)

        Every movement of stock, ordered by id; filter by bin, product, batch, reference and the other query
        parameters. Paged with `page`/`pageSize` or `afterId`, the total in `X-Total-Count`.
        """
        r = BinInventoryRecord
        bins = args.pop("bin_id", None)
        include_deleted = args.pop("include_deleted")
        # Only bins and deletion narrow the listing: the bins' counters give the exact total. Any other filter
        # (a new one too) keeps the COUNT(*).
        counted = set(args) <= PAGING
        if bins:
            # The bins as values, so that both engines read their records from the (bin_id, id) index (one bin's page
            # stops after pageSize rows; behind the subquery alone SQLite walks the ledger by id), and scoped through
            # the tenant's bins, not the tenant column, which SQLite may prefer to walk instead (bench/README.md).
            query = select(r).where(
                r.bin_id.in_(bins), r.bin_id.in_(select(Bin.id).where(Bin.tenant_id == g.tenant.id, Bin.id.in_(bins)))
            )
        else:
            query = tenant_query(r)
        query = filter_ids(query, r.id, args.pop("id", None))
        for name in ("product_id", "batch_id"):
            query = filter_ids(query, getattr(r, name), args.pop(name, None))
        for name in ("reference_type", "reference_id"):
            if name in args:
                query = query.where(getattr(r, name) == args.pop(name))
        if not include_deleted:
            query = query.where(r.reversed_by_id.is_(None))
        if not counted:
            return listing(get_db(), query, r, args)
        db = get_db()
        rows, total = page_of(args).apply(db, query, r.id, total=_counted_total(db, bins, include_deleted))
        return rows, 200, {"X-Total-Count": str(total)}

    @create_endpoint(records_blp, RecordIn, RecordOut)
    def post(self, items, single):
        """Append one record or a list of up to 1000, all or nothing

        `amount` is a non-zero integer (positive in, negative out); the batch must belong to the product. A record may
        not take a batch below zero in a bin (unless the tenant allows negative stock), take stock reserved for a
        document, or fill a bin with `maximumAmount > 0` past it: each is a 409 and nothing is written. `referenceType`
        comes with `referenceId` or not at all; document `recordType`s are reserved (400). Needs the STOCK permission;
        accepts `Idempotency-Key`.
        """
        lines = [
            ledger.Line(i.pop("bin_id"), i.pop("product_id"), i.pop("batch_id"), i.pop("amount"), i) for i in items
        ]
        return ledger.post(get_db(), tenant=g.tenant, user=g.user, lines=lines)


def _counted_total(db, bins, include_deleted) -> int:
    """The exact number of the tenant's records (in ``bins``, if given) from the bins' counters.

    The ledger keeps the counters in step under the bin lock, so this equals COUNT(*) over the records without
    reading the ledger: that count grew with it (50-185 ms at a million records, bench/README.md "Fixes").
    """
    counter = Bin.record_count if include_deleted else Bin.visible_record_count
    query = select(func.coalesce(func.sum(counter), 0)).where(Bin.tenant_id == g.tenant.id)
    if bins:
        query = query.where(Bin.id.in_(bins))
    return int(db.scalar(query))


@records_blp.route("/<int:record_id>")
class RecordById(MethodView):
    @records_blp.response(200, RecordOut)
    @document_errors(records_blp, (401, 404))
    def get(self, record_id):
        """Get a ledger record, deleted or not

        A deleted original shows `reversedById`; its reversal shows `reversesId`. 404 for an unknown id or another
        tenant's.
        """
        return _load_record(record_id)

    @update_endpoint(
        records_blp,
        RecordFields,
        RecordOut,
        _load_record,
        extra_read_only=("binId", "productId", "batchId", "amount", "reversesId", "reversedById"),
    )
    def put(self, obj, changes, record_id):
        """Edit a plain record's document fields; what moved and how much never changes

        Only `referenceType`, `referenceId`, `prodAmortTypeId`, `documentRowId`, `orgperIdDat` and `recordType` may
        change; a record a document posted is a 409 naming the document. Needs the STOCK permission.
        """
        return ledger.edit(get_db(), tenant=g.tenant, user=g.user, record_id=record_id, changes=changes)

    @records_blp.response(204)
    @document_errors(records_blp, (401, 403, 404, 409))
    def delete(self, record_id):
        """Delete a record by appending its reversal

        The reversal (`reversesId` points at the original) must obey the stock rules itself (409 otherwise). The
        original leaves the default listing but stays readable by id. A reversal, a record deleted already, or a record
        a document posted cannot be deleted (409). Needs the STOCK permission.
        """
        with unit_of_work() as db:
            ledger.reverse(db, tenant=g.tenant, user=g.user, record_id=record_id)
