"""/product: plain CRUD with a code unique per tenant; what keeps a product is in tests/catalog/test_delete_rules.py."""

import pytest

from ..conftest import unique_code
from .conftest import PREFIXES


@pytest.mark.parametrize("prefix", PREFIXES)
def test_create_read_update_delete(api, colleague, clock, prefix):
    code = unique_code("P")
    created = api.create(f"{prefix}/product", {"code": code, "name": "Widget"})
    assert created == {
        "id": created["id"],
        "added": clock.seconds,
        "addedById": api.user_id,
        "changed": clock.seconds,
        "changedById": api.user_id,
        "changedBy": api.username,
        "code": code,
        "name": "Widget",
        "active": True,
    }
    assert api.get(f"{prefix}/product/{created['id']}").get_json() == created

    clock.tick()
    updated = colleague.put(f"{prefix}/product/{created['id']}", json={"name": "Gadget"})
    assert updated.status_code == 200
    assert updated.get_json() == {
        **created,
        "name": "Gadget",
        "changed": clock.seconds,
        "changedById": colleague.user_id,
        "changedBy": "colleague",
    }
    assert api.delete(f"{prefix}/product/{created['id']}").status_code == 204
    assert api.get(f"{prefix}/product/{created['id']}").status_code == 404


def test_code_and_name_are_required(api):
    response = api.post("/product", json={})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {
        "code": ["Missing data for required field."],
        "name": ["Missing data for required field."],
    }
    assert api.post("/product", json={"code": "", "name": "x"}).get_json()["errors"] == {
        "code": ["Length must be between 1 and 100."]
    }


def test_a_list_in_is_a_list_out_in_the_same_order(api):
    codes = [unique_code("P") for _ in range(3)]
    created = api.create("/product", [{"code": c, "name": c.lower()} for c in codes])
    assert [(p["code"], p["name"]) for p in created] == [(c, c.lower()) for c in codes]
    fetched = api.get("/product?id=" + ",".join(str(p["id"]) for p in created)).get_json()
    assert fetched == created


def test_duplicate_code_is_a_conflict_and_changes_nothing(api):
    first = api.product()
    response = api.post("/product", json={"code": first["code"], "name": "again"})
    assert response.status_code == 409
    assert api.get(f"/product?code={first['code']}").get_json() == [first]


def test_filters(api):
    active, inactive = api.product(), api.product(active=False)
    assert [p["id"] for p in api.get("/product?active=false").get_json()] == [inactive["id"]]
    assert [p["id"] for p in api.get("/product?active=true").get_json()] == [active["id"]]
    assert [p["id"] for p in api.get(f"/product?code={active['code']}").get_json()] == [active["id"]]


def test_another_tenants_product_is_not_found_and_untouched(api, make_api):
    other = make_api()
    theirs = other.product()
    assert api.get(f"/product/{theirs['id']}").status_code == 404
    assert api.put(f"/product/{theirs['id']}", json={"name": "mine"}).status_code == 404
    assert api.delete(f"/product/{theirs['id']}").status_code == 404
    assert other.get(f"/product/{theirs['id']}").get_json() == theirs
