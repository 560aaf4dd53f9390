"""The inventory service in the domain (no HTTP): a count of more lines than one ledger post takes."""

from sqlalchemy import func, select

from wms_service.documents import inventory
from wms_service.stock import ledger
from wms_service.stock.models import BinInventoryRecord


def scan(world, bin_, product, quantity, **values):
    line = {"location_code": bin_.code, "model": product.code, "quantity": quantity}
    return inventory.adjust(world.db, tenant=world.tenant, user=world.user, values={**line, **values})


def test_an_inventory_of_more_lines_than_one_post_takes_validates_whole(world):
    bin_ = world.bin()
    product = world.product()
    lines = ledger.MAX_LINES + 1
    first = scan(world, bin_, product, 1, stock_batch_code="L0")
    for i in range(1, lines):
        scan(world, bin_, product, 1, stock_batch_code=f"L{i}", inventory_id=first.inventory.id)
    done = inventory.validate(world.db, tenant=world.tenant, user=world.user, inventory=first.inventory)
    assert done.status == "VALIDATED"
    posted = world.db.scalar(
        select(func.count()).where(
            BinInventoryRecord.reference_id == first.inventory.id, BinInventoryRecord.record_type == "INVENTORY"
        )
    )
    assert world.total(bin_, product) == lines
    assert posted == lines
