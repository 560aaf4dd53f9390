"""The catalog service itself, without a face: keys unique per tenant, a product's category, all-or-none deletes."""

import pytest
from sqlalchemy import select

from tests.conftest import listed
from wms_service.catalog import service
from wms_service.catalog.entities import CATEGORY, COMPANY, MEASUREMENT_UNIT, PRODUCT, WAREHOUSE
from wms_service.catalog.models import Category
from wms_service.errors import Conflict, NotFound, ValidationFailed

from .conftest import Owner


def add(db, owner, entity, *items):
    return service.create(db, entity=entity, tenant=owner.tenant, user=owner.user, items=list(items))


def test_create_stamps_and_keeps_the_order(db, owner):
    first, second = add(db, owner, WAREHOUSE, {"code": "W1", "name": "North"}, {"code": "W2"})
    assert (first.code, first.name, second.code) == ("W1", "North", "W2")
    assert first.id < second.id
    assert (first.added_by_id, first.changed_by, first.tenant_id) == (owner.user.id, "clerk", owner.tenant.id)


@pytest.mark.parametrize(
    ("entity", "first", "again", "label", "value"),
    [
        (WAREHOUSE, {"code": "K"}, {"code": "K"}, "code", "K"),
        (PRODUCT, {"code": "K", "name": "a"}, {"code": "K", "name": "b"}, "code", "K"),
        (
            PRODUCT,
            {"code": "K", "name": "a", "third_party_reference": "R"},
            {"code": "L", "name": "b", "third_party_reference": "R"},
            "thirdPartyReference",
            "R",
        ),
        (MEASUREMENT_UNIT, {"code": "K", "name": "Piece"}, {"code": "K", "name": "Box"}, "code", "K"),
        (
            CATEGORY,
            {"name": "a", "external_reference": "R"},
            {"name": "b", "external_reference": "R"},
            "externalReference",
            "R",
        ),
        (
            COMPANY,
            {"name": "a", "third_party_reference": "R"},
            {"name": "b", "third_party_reference": "R"},
            "thirdPartyReference",
            "R",
        ),
    ],
)
def test_a_key_taken_in_the_tenant_is_a_conflict_naming_its_holder(db, owner, entity, first, again, label, value):
    (holder,) = add(db, owner, entity, first)
    noun = entity.noun
    with pytest.raises(Conflict) as one:
        add(db, owner, entity, again)
    assert one.value.message == f"{noun} {holder.id} already has {label} {value!r}."
    assert one.value.errors == {label: [f"Already used by {noun.lower()} {holder.id}."]}
    with pytest.raises(Conflict) as in_list:
        add(db, owner, entity, again)
    assert listed(in_list.value) == {"0": {label: [f"Already used by {noun.lower()} {holder.id}."]}}
    # Another tenant may use the same key.
    assert add(db, Owner(db), entity, again)[0].id != holder.id


def test_a_key_twice_in_one_list_names_the_earlier_item(db, owner):
    with pytest.raises(Conflict) as twice:
        add(db, owner, PRODUCT, {"code": "A", "name": "a"}, {"code": "B", "name": "b"}, {"code": "A", "name": "c"})
    assert twice.value.message == "Item 0 already has code 'A'."
    assert listed(twice.value) == {"2": {"code": ["Already used by item 0."]}}


def test_update_checks_only_keys_that_change(db, owner):
    a, b = add(db, owner, MEASUREMENT_UNIT, {"code": "A", "name": "a"}, {"code": "B", "name": "b"})
    kept = service.update(
        db, entity=MEASUREMENT_UNIT, tenant=owner.tenant, user=owner.user, obj=b, changes={"code": "B", "name": "B"}
    )
    assert (kept.code, kept.name) == ("B", "B")
    with pytest.raises(Conflict) as taken:
        service.update(db, entity=MEASUREMENT_UNIT, tenant=owner.tenant, user=owner.user, obj=b, changes={"code": "A"})
    assert taken.value.message == f"Measurement unit {a.id} already has code 'A'."


def test_a_products_category_is_one_of_the_tenants(db, owner):
    (category,) = add(db, owner, CATEGORY, {"name": "Tools", "external_reference": "TOOLS"})
    (product,) = add(db, owner, PRODUCT, {"code": "P", "name": "Hammer", "category_external_reference": "TOOLS"})
    assert product.category_id == category.id
    with pytest.raises(NotFound) as unknown:
        add(db, owner, PRODUCT, {"code": "Q", "name": "Saw", "category_external_reference": "NOPE"})
    assert unknown.value.message == "No category has externalReference 'NOPE'."
    with pytest.raises(ValidationFailed):
        service.update(
            db,
            entity=PRODUCT,
            tenant=owner.tenant,
            user=owner.user,
            obj=product,
            changes={"category_id": category.id + 1, "category_external_reference": "TOOLS"},
        )
    theirs = add(db, Owner(db), CATEGORY, {"name": "Theirs"})[0]
    with pytest.raises(NotFound):
        add(db, owner, PRODUCT, {"code": "R", "name": "Drill", "category_id": theirs.id})


def test_a_delete_takes_all_or_none(db, owner):
    free, used = add(db, owner, CATEGORY, {"name": "Free"}, {"name": "Used"})
    (product,) = add(db, owner, PRODUCT, {"code": "P", "name": "p", "category_id": used.id})
    with pytest.raises(Conflict) as refused:
        service.delete(db, entity=CATEGORY, tenant=owner.tenant, objs=[free, used])
    assert refused.value.message == f"Category {used.id} is used by products and cannot be deleted."
    assert db.scalars(select(Category.id).where(Category.id.in_([free.id, used.id])).order_by(Category.id)).all() == [
        free.id,
        used.id,
    ]
    # The product goes first; then nothing keeps its category.
    service.delete(db, entity=PRODUCT, tenant=owner.tenant, objs=[product])
    service.delete(db, entity=CATEGORY, tenant=owner.tenant, objs=[free, used])
    assert db.scalars(select(Category.id).where(Category.id.in_([free.id, used.id])).order_by(Category.id)).all() == []
