"""POST /api/stock/detailed-report: one row per product, bin and batch, sorted by a whitelisted column."""

from marshmallow import fields, pre_load, validate
from sqlalchemy import select

from ..catalog.models import Product, Warehouse
from ..stock.levels import location_name
from ..stock.models import Batch, BatchCode, Bin, BinInventoryBatch
from ..web.paging import Page, count
from .envelope import paged
from .requests import MAX_LIMIT, ApiSchema, one_of

SORTS = {
    "productName": Product.name,
    "productCode": Product.code,
    "productId": Product.id,
    "sku": Product.sku,
    "warehouseCode": Warehouse.code,
    "locationCode": Bin.code,
    "batchId": Batch.id,
    "expirationDate": Batch.expiry_date,
    "quantity": BinInventoryBatch.amount,
}


class DetailedReportArgs(ApiSchema):
    page = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**7), metadata={"description": "From 0"})
    size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    sort_by = fields.String(load_default="productName", validate=one_of(*SORTS), metadata={"enum": list(SORTS)})
    sort_direction = fields.String(
        load_default="asc", validate=one_of("asc", "desc"), metadata={"enum": ["asc", "desc"]}
    )

    @pre_load
    def lower_direction(self, data, **_):
        if isinstance(data.get("sortDirection"), str):
            data = {**data, "sortDirection": data["sortDirection"].lower()}
        return data


class DetailedStockRow(ApiSchema):
    product_id = fields.Integer()
    product_name = fields.String()
    product_code = fields.String()
    sku = fields.String(allow_none=True)
    warehouse_id = fields.Integer()
    warehouse_code = fields.String()
    warehouse_name = fields.String()
    location_id = fields.Integer(metadata={"description": "The bin's id"})
    location_code = fields.String()
    location_name = fields.String()
    batch_id = fields.Integer()
    batch_codes = fields.List(fields.String())
    expiration_date = fields.Date(allow_none=True)
    quantity = fields.Integer(metadata={"description": "On hand, from the ledger"})


DetailedStockPage = paged("DetailedStockReportApiResponse", "DetailedStockPageObject", DetailedStockRow)


def detailed_report(db, tenant_id: int, args, page: Page) -> tuple[list[dict], int]:
    """One page of (product, bin, batch) positions holding stock, and how many there are in all."""
    query = (
        select(
            Product.id,
            Product.name,
            Product.code,
            Product.sku,
            Warehouse.id,
            Warehouse.code,
            Warehouse.name,
            Bin.id,
            Bin.code,
            Batch.id,
            Batch.expiry_date,
            BinInventoryBatch.amount,
        )
        .select_from(BinInventoryBatch)
        .join(Product, Product.id == BinInventoryBatch.product_id)
        .join(Bin, Bin.id == BinInventoryBatch.bin_id)
        .join(Warehouse, Warehouse.id == Bin.warehouse_id)
        .join(Batch, Batch.id == BinInventoryBatch.batch_id)
        .where(BinInventoryBatch.tenant_id == tenant_id, BinInventoryBatch.amount != 0)
    )
    total = count(db, query)
    column = SORTS[args["sort_by"]]
    first = column.desc() if args["sort_direction"] == "desc" else column.asc()
    # Ties in a fixed order, so pages neither repeat nor skip rows; dates without a value last on both engines.
    ordered = query.order_by(first.nulls_last(), Product.id, Bin.id, Batch.id)
    rows = db.execute(page.select(ordered)).all()
    codes = _batch_codes(db, {row[9] for row in rows})
    return [
        {
            "product_id": pid,
            "product_name": name,
            "product_code": code,
            "sku": sku,
            "warehouse_id": wid,
            "warehouse_code": wcode,
            "warehouse_name": wname,
            "location_id": bid,
            "location_code": bcode,
            "location_name": location_name(wname or wcode, bcode),
            "batch_id": batch_id,
            "batch_codes": codes.get(batch_id, []),
            "expiration_date": expiry,
            "quantity": amount,
        }
        for pid, name, code, sku, wid, wcode, wname, bid, bcode, batch_id, expiry, amount in rows
    ], total


def _batch_codes(db, batch_ids) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {}
    if batch_ids:
        query = (
            select(BatchCode.batch_id, BatchCode.code).where(BatchCode.batch_id.in_(batch_ids)).order_by(BatchCode.id)
        )
        for batch_id, code in db.execute(query):
            codes.setdefault(batch_id, []).append(code)
    return codes
