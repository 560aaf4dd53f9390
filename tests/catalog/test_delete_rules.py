"""What blocks a deletion is declared once, on the columns that refer to a row, and both faces answer it alike."""

import pytest
from sqlalchemy import Column, ForeignKey, Integer, Table, insert

import wms_service.models  # noqa: F401  (every table in the metadata, as the running service has them)
from wms_service.catalog import delete_rules, service
from wms_service.catalog.entities import ENTITIES, PRODUCT
from wms_service.catalog.models import Product
from wms_service.db import Base
from wms_service.errors import Conflict
from wms_service.stock.models import Batch, Bin

from ..conftest import reserve_for

GUARDED = [entity.model.__table__ for entity in ENTITIES] + [Bin.__table__, Batch.__table__]

# --- the declaration -----------------------------------------------------------------------------------------


def test_the_rule_each_entity_declares():
    # Sets: the order of the nouns follows the order the tables were declared in, which no rule fixes.
    assert {table.name: set(delete_rules.blocking(table)) for table in GUARDED} == {
        "warehouse": {
            "NIRs",
            "inventories",
            "bins",
            "orders",
            "production orders",
            "purchase orders",
            "returns",
            "stocktakings",
            "transfers",
        },
        "product": {
            "NIRs",
            "inventories",
            "batches",
            "bin inventory",
            "orders",
            "production orders",
            "purchase orders",
            "reservations",
            "returns",
            "stock movements",
            "stocktaking counts",
            "transfers",
        },
        "category": {"products"},
        "measurement_unit": set(),
        "company": {"NIRs", "orders", "purchase orders"},
        "bin": {
            "NIRs",
            "inventories",
            "bin inventory",
            "orders",
            "production orders",
            "reservations",
            "returns",
            "stock movements",
            "stocktakings",
            "transfers",
        },
        "batch": {
            "NIRs",
            "inventories",
            "bin inventory",
            "reservations",
            "stock movements",
            "stocktaking counts",
            "transfers",
        },
    }


def test_every_foreign_key_into_the_catalog_blocks_a_delete_or_goes_with_the_row():
    """A new column that refers to a product (an order line, a NIR line, ...) must say which: this fails until it does."""
    undeclared = [
        f"{fk.parent.table.name}.{fk.parent.name}"
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if any(fk.references(guarded) for guarded in GUARDED)
        and delete_rules.KEY not in fk.parent.info
        and fk.ondelete != "CASCADE"
    ]
    assert undeclared == []


def test_a_new_document_table_keeps_products_by_declaring_its_column(db, owner):
    """What a future module does: declare its column; the catalog reads it from the metadata, unchanged."""
    lines = Table(
        "test_complaint_line",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("product_id", ForeignKey("product.id"), info=delete_rules.blocks_delete("complaints")),
    )
    try:
        assert "complaints" in delete_rules.blocking(Product.__table__)
        lines.create(db.connection())  # inside the test's transaction, rolled back with it
        (product,) = service.create(
            db, entity=PRODUCT, tenant=owner.tenant, user=owner.user, items=[{"code": "P", "name": "Widget"}]
        )
        db.execute(insert(lines).values(product_id=product.id))
        with pytest.raises(Conflict) as refused:
            service.delete(db, entity=PRODUCT, tenant=owner.tenant, objs=[product])
        assert refused.value.message == f"Product {product.id} is used by complaints and cannot be deleted."
    finally:
        Base.metadata.remove(lines)
    assert "complaints" not in delete_rules.blocking(Product.__table__)


def test_the_message_names_every_kind_once():
    assert (
        delete_rules.used_message("Category", 3, ["products"])
        == "Category 3 is used by products and cannot be deleted."
    )
    assert delete_rules.used_message("Bin", 4, ["stock movements", "stocktakings"], "archive it (active=false)") == (
        "Bin 4 is used by stock movements and stocktakings, and cannot be deleted; archive it (active=false)."
    )


# --- one answer for both faces ---------------------------------------------------------------------------------


def reserve(app, tenant_code, pos, quantity=1):
    """An order's reservation of the position's stock, through the reservations service."""
    got = reserve_for(
        app,
        tenant_code,
        warehouse_id=pos["bin"]["warehouseId"],
        product_id=pos["product"]["id"],
        quantity=quantity,
        bin_id=pos["bin"]["id"],
        order_id=1,
    )
    assert got.shortfall == 0


def count(api, pos, quantity=0):
    """An open stocktaking of the position's bin that counted its batch."""
    stocktaking = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    line = {"productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "countedQuantity": quantity}
    assert api.put(f"/stocktaking/{stocktaking['id']}/stocktaking-record", json=line).status_code == 200
    return stocktaking


def used_product(pg, situation):
    """A product that something keeps, and the message that says what."""
    api = pg.native
    pos = api.stock_position()
    product = pos["product"]
    if situation == "batch":
        return product, f"Product {product['id']} is used by batches and cannot be deleted."
    if situation == "counted":
        count(api, pos)
        return product, f"Product {product['id']} is used by batches and stocktaking counts, and cannot be deleted."
    assert api.record(pos, 5).status_code == 201
    if situation == "held":
        return product, (
            f"Product {product['id']} ({product['code']}) holds stock (5 in bin {pos['bin']['code']}) and cannot be "
            "deleted; move or write off the stock first, or deactivate it (active: false)."
        )
    assert api.record(pos, -5).status_code == 201
    return product, (
        f"Product {product['id']} is used by batches, bin inventory and stock movements, and cannot be deleted."
    )


# A reservation always sits on stock (0 <= reserved <= on hand), so a reserved product is a "held" one.
@pytest.mark.parametrize("situation", ["batch", "held", "history", "counted"])
def test_both_faces_refuse_to_delete_a_used_product_with_the_same_message(pg, situation):
    product, expected = used_product(pg, situation)
    native = pg.native.delete(f"/product/{product['id']}")
    assert native.status_code == 409
    planograma = pg.fail("delete", "/api/product/delete", {"productIds": [product["id"]]}, status=409)
    assert native.get_json()["message"] == planograma == expected
    assert pg.native.get(f"/product/{product['id']}").status_code == 200


def test_a_warehouse_with_bins_or_stocktakings_stays(api):
    warehouse, elsewhere = api.warehouse(), api.warehouse()
    bin_ = api.bin(warehouse["id"])
    refused = api.delete(f"/warehouse/{warehouse['id']}")
    assert refused.status_code == 409
    assert refused.get_json()["message"] == f"Warehouse {warehouse['id']} is used by bins and cannot be deleted."

    # A count names the warehouse it was taken in, and keeps it after its bin moved away.
    stocktaking = api.create("/stocktaking", {"binId": bin_["id"]})
    assert api.put(f"/stocktaking/{stocktaking['id']}", json={"finished": True}).status_code == 200
    assert api.put(f"/bin/{bin_['id']}", json={"warehouseId": elsewhere["id"]}).status_code == 200
    refused = api.delete(f"/warehouse/{warehouse['id']}")
    assert refused.status_code == 409
    assert (
        refused.get_json()["message"] == f"Warehouse {warehouse['id']} is used by stocktakings and cannot be deleted."
    )


def test_a_bin_with_movements_counts_or_reservations_stays(app, api):
    def refused(bin_id):
        response = api.delete(f"/bin/{bin_id}")
        assert response.status_code == 409
        return response.get_json()["message"]

    advice = "cannot be deleted; archive it (active=false)."
    pos = api.stock_position()
    assert api.record(pos, 2).status_code == 201
    assert (
        refused(pos["bin"]["id"])
        == f"Bin {pos['bin']['id']} is used by bin inventory and stock movements, and {advice}"
    )

    counted = api.bin()
    api.create("/stocktaking", {"binId": counted["id"]})
    assert refused(counted["id"]) == f"Bin {counted['id']} is used by stocktakings and {advice}"

    reserved = api.stock_position()
    assert api.record(reserved, 3).status_code == 201
    reserve(app, api.tenant_code, reserved)
    bin_id = reserved["bin"]["id"]
    assert refused(bin_id) == f"Bin {bin_id} is used by bin inventory, stock movements and reservations, and {advice}"


def test_a_batch_with_movements_or_counts_stays(api):
    def refused(batch_id):
        response = api.delete(f"/batch/{batch_id}")
        assert response.status_code == 409
        return response.get_json()["message"]

    moved = api.stock_position()
    assert api.record(moved, 2).status_code == 201
    batch_id = moved["batch"]["id"]
    assert refused(batch_id) == f"Batch {batch_id} is used by bin inventory and stock movements, and cannot be deleted."

    counted = api.stock_position()
    count(api, counted, quantity=3)
    batch_id = counted["batch"]["id"]
    assert refused(batch_id) == f"Batch {batch_id} is used by stocktaking counts and cannot be deleted."


# --- moved here from tests/erply and tests/planograma, assertions unchanged -----------------------------------


def test_a_product_with_batches_or_stock_cannot_be_deleted(api):
    with_batch = api.product()
    batch = api.batch(with_batch["id"])
    assert api.delete(f"/product/{with_batch['id']}").status_code == 409

    pos = api.stock_position()
    assert api.record(pos, 4).status_code == 201
    assert api.delete(f"/batch/{pos['batch']['id']}").status_code == 409
    assert api.delete(f"/product/{pos['product']['id']}").status_code == 409
    assert api.get(f"/product/{pos['product']['id']}").status_code == 200

    assert api.delete(f"/batch/{batch['id']}").status_code == 204
    assert api.delete(f"/product/{with_batch['id']}").status_code == 204


def test_a_warehouse_with_bins_cannot_be_deleted(api):
    warehouse = api.warehouse()
    bin_ = api.bin(warehouse["id"])
    response = api.delete(f"/warehouse/{warehouse['id']}")
    assert response.status_code == 409
    assert api.get(f"/warehouse/{warehouse['id']}").status_code == 200
    assert api.delete(f"/bin/{bin_['id']}").status_code == 204
    assert api.delete(f"/warehouse/{warehouse['id']}").status_code == 204


def test_a_product_with_stock_cannot_be_deleted(pg):
    native = pg.native
    pos = native.stock_position()
    assert native.record(pos, 7).status_code == 201
    product_id = pos["product"]["id"]
    message = pg.fail("delete", "/api/product/delete", {"productIds": [product_id]}, status=409)
    assert message == (
        f"Product {product_id} ({pos['product']['code']}) holds stock (7 in bin {pos['bin']['code']}) and cannot be "
        "deleted; move or write off the stock first, or deactivate it (active: false)."
    )
    # Emptied, it still has a history in the ledger, which keeps it.
    assert native.record(pos, -7).status_code == 201
    message = pg.fail("delete", "/api/product/delete", {"productIds": [product_id]}, status=409)
    assert (
        message == f"Product {product_id} is used by batches, bin inventory and stock movements, and cannot be deleted."
    )
    assert len(pg.products(productIds=[product_id])) == 1


def test_a_failed_delete_deletes_none_of_its_targets(pg):
    free = pg.product(code="FREE")
    pos = pg.native.stock_position()
    pg.native.record(pos, 1)
    pg.fail("delete", "/api/product/delete", {"productIds": [free["productId"], pos["product"]["id"]]}, status=409)
    assert len(pg.products(productIds=[free["productId"]])) == 1


def test_a_category_in_use_cannot_be_deleted(pg):
    category = pg.category()
    pg.product(categoryId=category["categoryId"])
    assert pg.fail("delete", "/api/category/delete", {"categoryIds": [category["categoryId"]]}, status=409) == (
        f"Category {category['categoryId']} is used by products and cannot be deleted."
    )
