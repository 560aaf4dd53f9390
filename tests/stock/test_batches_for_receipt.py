"""``batches.for_receipt``: the batch incoming stock goes to (a NIR line, a return without an order, ...).

Its rules, one by one: a product that requires a batch code or an expiry date refuses stock without one (400);
a code names the product's batch with that code, made when there is none; a lot has one expiry date (409 for
another); an expiry alone names the product's uncoded batch with that expiry; neither names its plain batch
(no code, no expiry), made once and reused after.
"""

from datetime import date

import pytest
from sqlalchemy import func, select

from wms_service.errors import Conflict, ValidationFailed
from wms_service.stock import batches
from wms_service.stock.models import Batch, BatchCode


def receive(world, product, **kwargs):
    return batches.for_receipt(world.db, tenant=world.tenant, user=world.user, product=product, **kwargs)


def count(world, product):
    return world.db.scalar(select(func.count(Batch.id)).where(Batch.product_id == product.id))


def codes(batch):
    return [c.code for c in batch.codes]


def test_a_product_that_requires_a_code_or_an_expiry_refuses_stock_without_one(world):
    product = world.product()
    product.requires_batch_code = True
    product.requires_expiration_date = True
    with pytest.raises(ValidationFailed) as refused:
        receive(world, product, index=2)
    assert refused.value.errors == {
        "batchCode": [f"Product {product.code} requires a batch code."],
        "expirationDate": [f"Product {product.code} requires an expiration date."],
    }
    assert refused.value.index == 2
    with pytest.raises(ValidationFailed, match="requires an expiration date"):
        receive(world, product, code="LOT-1")
    with pytest.raises(ValidationFailed, match="requires a batch code"):
        receive(world, product, expiry=date(2030, 1, 31))
    assert count(world, product) == 0
    made = receive(world, product, code="LOT-1", expiry=date(2030, 1, 31))
    assert (codes(made), made.expiry_date) == (["LOT-1"], date(2030, 1, 31))


def test_a_code_reuses_the_products_batch_of_that_code_or_makes_it(world):
    product, other = world.product(), world.product()
    known = world.batch(product, expiry_date=date(2031, 1, 31))
    world.db.add(BatchCode(tenant_id=world.tenant.id, batch_id=known.id, code="LOT-A"))
    world.db.flush()
    assert receive(world, product, code="LOT-A", expiry=date(2031, 1, 31)).id == known.id
    assert receive(world, product, code="LOT-A").id == known.id  # the code alone names it
    made = receive(world, product, code="LOT-B", expiry=date(2032, 2, 29))
    assert (made.id != known.id, made.product_id, codes(made), made.expiry_date) == (
        True,
        product.id,
        ["LOT-B"],
        date(2032, 2, 29),
    )
    assert receive(world, product, code="LOT-B").id == made.id
    # Another product's lot of the same code is its own batch.
    theirs = receive(world, other, code="LOT-A")
    assert (theirs.product_id, codes(theirs)) == (other.id, ["LOT-A"])
    assert (count(world, product), count(world, other)) == (2, 1)


def test_a_lot_has_one_expiry_date(world):
    product = world.product()
    dated = receive(world, product, code="LOT-D", expiry=date(2030, 6, 30))
    with pytest.raises(Conflict, match="expires on 2030-06-30, not 2031-01-01"):
        receive(world, product, code="LOT-D", expiry=date(2031, 1, 1))
    # A lot first received without an expiry takes the one a later receipt brings.
    undated = receive(world, product, code="LOT-U")
    assert undated.expiry_date is None
    assert receive(world, product, code="LOT-U", expiry=date(2030, 9, 1)).id == undated.id
    assert undated.expiry_date == date(2030, 9, 1)
    assert count(world, product) == 2 and dated.expiry_date == date(2030, 6, 30)


def test_an_expiry_alone_names_the_uncoded_batch_with_that_expiry(world):
    product = world.product()
    first = receive(world, product, expiry=date(2030, 3, 1))
    assert (codes(first), first.expiry_date) == ([], date(2030, 3, 1))
    assert receive(world, product, expiry=date(2030, 3, 1)).id == first.id
    assert receive(world, product, expiry=date(2030, 4, 1)).id != first.id
    assert count(world, product) == 2


def test_an_untracked_product_goes_to_its_plain_batch_made_once(world):
    product = world.product()
    coded = receive(world, product, code="LOT-X")
    plain = receive(world, product)
    assert plain.id != coded.id
    assert (codes(plain), plain.expiry_date) == ([], None)
    assert receive(world, product).id == plain.id
    assert count(world, product) == 2
