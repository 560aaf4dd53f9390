"""/warehouse: plain CRUD with a code unique per tenant; what keeps a warehouse is in tests/catalog/test_delete_rules.py."""

import pytest

from ..conftest import unique_code
from .conftest import PREFIXES


@pytest.mark.parametrize("prefix", PREFIXES)
def test_create_read_update_delete(api, clock, prefix):
    code = unique_code("W")
    created = api.create(f"{prefix}/warehouse", {"code": code})
    assert created == {
        "id": created["id"],
        "added": clock.seconds,
        "addedById": api.user_id,
        "changed": clock.seconds,
        "changedById": api.user_id,
        "changedBy": api.username,
        "code": code,
        "name": "",
        "active": True,
    }
    assert api.get(f"{prefix}/warehouse/{created['id']}").get_json() == created

    clock.tick()
    response = api.put(f"{prefix}/warehouse/{created['id']}", json={"name": "North", "active": False})
    assert response.status_code == 200
    assert response.get_json() == {**created, "name": "North", "active": False, "changed": clock.seconds}

    assert api.delete(f"{prefix}/warehouse/{created['id']}").status_code == 204
    assert api.get(f"{prefix}/warehouse/{created['id']}").status_code == 404


def test_a_list_in_is_a_list_out_in_the_same_order(api):
    codes = [unique_code("W") for _ in range(3)]
    created = api.create("/warehouse", [{"code": c, "name": f"n{i}"} for i, c in enumerate(codes)])
    assert [w["code"] for w in created] == codes
    assert [w["name"] for w in created] == ["n0", "n1", "n2"]
    assert created[0]["id"] < created[1]["id"] < created[2]["id"]


def test_code_is_required_and_unique_per_tenant(api, make_api):
    assert api.post("/warehouse", json={"name": "x"}).get_json()["errors"] == {
        "code": ["Missing data for required field."]
    }
    first = api.warehouse()
    duplicate = api.post("/warehouse", json={"code": first["code"]})
    assert duplicate.status_code == 409
    assert duplicate.get_json()["errors"] == {"code": [f"Already used by warehouse {first['id']}."]}
    # Another tenant may use the same code.
    assert make_api().post("/warehouse", json={"code": first["code"]}).status_code == 201


def test_a_duplicate_in_a_list_fails_the_whole_list_naming_the_index(api):
    holder = api.warehouse()
    taken = holder["code"]
    fresh = unique_code("W")
    response = api.post("/warehouse", json=[{"code": fresh}, {"code": taken}])
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"1": {"code": [f"Already used by warehouse {holder['id']}."]}}
    assert api.get(f"/warehouse?code={fresh}").get_json() == []
    same_twice = api.post("/warehouse", json=[{"code": fresh}, {"code": fresh}])
    assert same_twice.status_code == 409 and same_twice.get_json()["errors"] == {
        "1": {"code": ["Already used by item 0."]}
    }


def test_renaming_to_a_taken_code_is_a_conflict(api):
    a, b = api.warehouse(), api.warehouse()
    response = api.put(f"/warehouse/{b['id']}", json={"code": a["code"]})
    assert response.status_code == 409
    assert api.get(f"/warehouse/{b['id']}").get_json()["code"] == b["code"]
    assert api.put(f"/warehouse/{b['id']}", json={"code": b["code"]}).status_code == 200


def test_filters_and_paging(api):
    made = api.create("/warehouse", [{"code": unique_code("W"), "active": i % 2 == 0} for i in range(5)])
    ids = [w["id"] for w in made]
    listed = api.get("/warehouse?pageSize=2&page=2")
    assert listed.headers["X-Total-Count"] == "5"
    assert [w["id"] for w in listed.get_json()] == ids[2:4]
    assert [w["id"] for w in api.get("/warehouse?order=desc&pageSize=3").get_json()] == ids[::-1][:3]
    assert [w["id"] for w in api.get("/warehouse?active=false").get_json()] == [ids[1], ids[3]]
    assert [w["id"] for w in api.get(f"/warehouse?id={ids[4]},{ids[0]}").get_json()] == [ids[0], ids[4]]
    repeated = api.get(f"/warehouse?id={ids[4]},{ids[0]},{ids[4]}")
    assert [w["id"] for w in repeated.get_json()] == [ids[0], ids[4]] and repeated.headers["X-Total-Count"] == "2"
    assert [w["id"] for w in api.get(f"/warehouse?code={made[2]['code']}").get_json()] == [ids[2]]


def test_another_tenants_warehouse_is_not_found_and_untouched(api, make_api):
    theirs = make_api().warehouse()
    assert api.get(f"/warehouse/{theirs['id']}").status_code == 404
    assert api.put(f"/warehouse/{theirs['id']}", json={"name": "mine"}).status_code == 404
    assert api.delete(f"/warehouse/{theirs['id']}").status_code == 404
    assert api.get(f"/warehouse?id={theirs['id']}").get_json() == []
    assert api.get("/warehouse").headers["X-Total-Count"] == "0"
