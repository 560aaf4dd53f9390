"""/api/stock: the ledger's stock as Planograma shows it. Locations are bins; nothing here is a copy.

``includeReservations: true`` answers what is free (on hand less reservations); ``false`` what is on hand.
``isActive`` filters products by their active flag (absent or null: all products).
"""

from flask import g
from marshmallow import fields, validate
from sqlalchemy import func, select

from ..catalog.models import Product, Warehouse
from ..db import MAX_ID
from ..errors import NotFound
from ..stock import availability, levels
from ..stock.models import Bin, BinInventory
from ..web.paging import Page, count
from ..web.session import get_db
from .blueprint import ApiBlueprint, errors_doc
from .envelope import envelope, ok, page_object, paged
from .nomenclature import summary
from .requests import MAX_LIMIT, ApiSchema, Bool, Text
from .stock_report import DetailedReportArgs, DetailedStockPage, detailed_report

blp = ApiBlueprint("planograma-stock", __name__, url_prefix="/api/stock", description="Planograma: stock")


class CheckStockClientRequest(ApiSchema):
    source = Text(100, allow_none=True, metadata={"description": "The calling system; accepted and not used"})
    include_reservations = Bool(load_default=False, metadata={"description": "true: free quantity; false: on hand"})
    location = Bool(load_default=False, metadata={"description": "true: one row per location (bin)"})


class GetStocksRequest(ApiSchema):
    include_reservations = Bool(load_default=False, metadata={"description": "true: free quantity; false: on hand"})
    is_active = Bool(allow_none=True, load_default=None, metadata={"description": "Product filter; null: all"})
    location = Bool(load_default=False, metadata={"description": "true: one row per product and bin holding it"})


class StockPageArgs(ApiSchema):
    page = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**7), metadata={"description": "From 0"})
    size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=MAX_LIMIT))


class StockResponse(ApiSchema):
    product_id = fields.Integer()
    product_name = fields.String()
    product_code = fields.String()
    remaining_quantity = fields.Integer()
    location_code = fields.String(metadata={"description": "Only with location: true"})
    location_name = fields.String(metadata={"description": "Only with location: true"})


StockList = envelope("StockApiResponse", fields.List(fields.Nested(StockResponse)))
StockPage = paged("PagedStockApiResponse", "PagedStockResponse", StockResponse)


@blp.route("/remaining-stock/<int:product_id>", methods=["POST"], endpoint="remaining_stock")
@blp.arguments(CheckStockClientRequest)
@blp.response(200, StockList)
@errors_doc(404)
@summary(
    "A product's stock: one total, or one row per location",
    "Always a list: one total row, or with `location: true` one row per bin holding the product. "
    "`includeReservations: true` answers the free quantity (on hand less reservations), `false` (default) the "
    "quantity on hand in the ledger. `source` is accepted and not used. 404 for an unknown product.",
)
def remaining_stock(args, product_id):
    db = get_db()
    product = None
    if product_id <= MAX_ID:  # larger ids name nothing, and would overflow the database's integer
        product = db.scalar(select(Product).where(Product.id == product_id, Product.tenant_id == g.tenant.id))
    if product is None:
        raise NotFound(f"Product {product_id} not found.")
    stock = availability.for_products(db, g.tenant.id, [product.id])[product.id]
    base = {"product_id": product.id, "product_name": product.name, "product_code": product.code}
    free = args["include_reservations"]
    if not args["location"]:
        return ok([{**base, "remaining_quantity": stock.free if free else stock.on_hand}])
    return ok(
        [
            {
                **base,
                "remaining_quantity": place.free if free else place.stock.quantity,
                "location_code": place.stock.bin_code,
                "location_name": place.stock.location_name,
            }
            for place in stock.locations
        ]
    )


@blp.route("/all", methods=["POST"], endpoint="all")
@blp.arguments(StockPageArgs, location="query")
@blp.arguments(GetStocksRequest)
@blp.response(200, StockPage)
@summary(
    "Stock of every product (or of every product in every bin), a page at a time",
    "`location: false` gives one row per product, 0 for products no bin holds; `true` one row per product and bin "
    "holding some. `isActive` filters by the product's active flag (absent or null: all). `includeReservations` "
    "as for remaining-stock. Pages from 0, `size` at most 1000.",
)
def all_stock(paging, args):
    listing = _per_location if args["location"] else _per_product
    page = Page.from_zero(paging["page"], paging["size"])
    content, total = listing(get_db(), g.tenant.id, args, page)
    return ok(page_object(content, total, page))


def _products(tenant_id, is_active):
    query = select(Product.id).where(Product.tenant_id == tenant_id)
    return query if is_active is None else query.where(Product.active == is_active)


def _per_product(db, tenant_id, args, page: Page):
    """Every product, with 0 for those no bin holds."""
    totals = (
        select(BinInventory.product_id, func.sum(BinInventory.amount).label("quantity"))
        .where(BinInventory.tenant_id == tenant_id)
        .group_by(BinInventory.product_id)
        .subquery()
    )
    matching = _products(tenant_id, args["is_active"])
    query = (
        select(Product.id, Product.name, Product.code, func.coalesce(totals.c.quantity, 0))
        .outerjoin(totals, totals.c.product_id == Product.id)
        .where(Product.id.in_(matching))
        .order_by(Product.id)
    )
    rows = db.execute(page.select(query)).all()
    total = count(db, matching)
    reserved = (
        availability.reserved_by_product(db, tenant_id, [r[0] for r in rows]) if args["include_reservations"] else {}
    )
    content = [
        {
            "product_id": pid,
            "product_name": name,
            "product_code": code,
            "remaining_quantity": availability.free(int(qty), reserved.get(pid, 0)),
        }
        for pid, name, code, qty in rows
    ]
    return content, total


def _per_location(db, tenant_id, args, page: Page):
    """Every (product, bin) whose bin holds some of the product."""
    query = (
        levels.located(select(*levels.location_columns(), Product.name, Product.code))
        .join(Product, Product.id == BinInventory.product_id)
        .where(BinInventory.tenant_id == tenant_id, BinInventory.amount != 0)
    )
    if args["is_active"] is not None:
        query = query.where(Product.active == args["is_active"])
    total = count(db, query)
    ordered = query.order_by(BinInventory.product_id, Warehouse.code, Bin.code, BinInventory.bin_id)
    rows = db.execute(page.select(ordered)).all()
    reserved = {}
    if args["include_reservations"]:
        reserved = availability.reserved_by_location(db, tenant_id, {row[0] for row in rows})
    content = []
    for row in rows:
        place = levels.LocationStock(*row[:7])
        content.append(
            {
                "product_id": place.product_id,
                "product_name": row[7],
                "product_code": row[8],
                "remaining_quantity": availability.free(
                    place.quantity, reserved.get((place.product_id, place.bin_id), 0)
                ),
                "location_code": place.bin_code,
                "location_name": place.location_name,
            }
        )
    return content, total


@blp.route("/detailed-report", methods=["POST"], endpoint="detailed_report")
@blp.arguments(DetailedReportArgs, location="query")
@blp.response(200, DetailedStockPage)
@summary(
    "Stock per product, bin and batch, sorted and a page at a time",
    "One row per product, bin and batch holding stock, with `batchCodes`, `expirationDate` and the quantity on "
    "hand. `sortBy` is one of productName, productCode, productId, sku, warehouseCode, locationCode, batchId, "
    "expirationDate, quantity (else 400), `sortDirection` asc or desc; ties by product, bin and batch id, rows "
    "without an expiration date last. Pages from 0, `size` at most 1000.",
)
def detailed_report_view(args):
    page = Page.from_zero(args["page"], args["size"])
    content, total = detailed_report(get_db(), g.tenant.id, args, page)
    return ok(page_object(content, total, page))
