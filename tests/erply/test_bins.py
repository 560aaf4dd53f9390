"""/bin: the places that hold stock, with the seed's defaults, filters and paging."""

import pytest

from ..conftest import unique_code
from .conftest import PREFIXES, selects_for


@pytest.mark.parametrize("prefix", PREFIXES)
def test_defaults_are_the_seeds(api, clock, prefix):
    warehouse = api.warehouse()
    created = api.create(f"{prefix}/bin", {"warehouseId": warehouse["id"]})
    assert created == {
        "id": created["id"],
        "added": clock.seconds,
        "addedById": api.user_id,
        "changed": clock.seconds,
        "changedById": api.user_id,
        "changedBy": api.username,
        "warehouseId": warehouse["id"],
        "code": "",
        "active": False,
        "preferred": False,
        "binOrder": 0,
        "allowedProduct": "",
        "replenishmentMinimum": 0,
        "maximumAmount": 0,
    }
    assert api.get(f"{prefix}/bin/{created['id']}").get_json() == created


def test_every_field_can_be_set_and_updated(api, colleague, clock):
    w1, w2 = api.warehouse(), api.warehouse()
    fields = {
        "warehouseId": w1["id"],
        "code": "A-01",
        "active": True,
        "preferred": True,
        "binOrder": -3,
        "allowedProduct": "Widgets",
        "replenishmentMinimum": 5,
        "maximumAmount": 100,
    }
    created = api.create("/bin", fields)
    assert {k: created[k] for k in fields} == fields

    clock.tick()
    changes = {
        "warehouseId": w2["id"],
        "code": "B-02",
        "active": False,
        "preferred": False,
        "binOrder": 7,
        "allowedProduct": "",
        "replenishmentMinimum": 0,
        "maximumAmount": 0,
    }
    response = colleague.put(f"/bin/{created['id']}", json=changes)
    assert response.status_code == 200
    assert response.get_json() == {
        **created,
        **changes,
        "changed": clock.seconds,
        "changedById": colleague.user_id,
        "changedBy": "colleague",
    }
    assert api.get(f"/bin/{created['id']}").get_json() == response.get_json()


def test_warehouse_is_required_and_must_be_the_tenants(api, make_api):
    assert api.post("/bin", json={}).get_json()["errors"] == {"warehouseId": ["Missing data for required field."]}
    theirs = make_api().warehouse()
    response = api.post("/bin", json={"warehouseId": theirs["id"]})
    assert response.status_code == 404
    assert response.get_json()["errors"] == {"warehouseId": ["The warehouse does not exist."]}
    mine = api.bin()
    assert api.put(f"/bin/{mine['id']}", json={"warehouseId": theirs["id"]}).status_code == 404
    assert api.get(f"/bin/{mine['id']}").get_json() == mine


@pytest.mark.parametrize(
    "field, value",
    [
        ("active", 1),
        ("preferred", "true"),
        ("binOrder", "1"),
        ("binOrder", True),
        ("maximumAmount", -1),
        ("replenishmentMinimum", 1.5),
        ("code", 5),
        ("code", "x" * 101),
        ("allowedProduct", None),
    ],
)
def test_wrong_values_are_refused(api, field, value):
    response = api.post("/bin", json={"warehouseId": api.warehouse()["id"], field: value})
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == [field]


def test_a_list_in_is_a_list_out_in_the_same_order(api):
    warehouse = api.warehouse()
    codes = [unique_code("C") for _ in range(4)]
    created = api.create(
        "/bin", [{"warehouseId": warehouse["id"], "code": c, "binOrder": i} for i, c in enumerate(codes)]
    )
    assert [(b["code"], b["binOrder"]) for b in created] == [(c, i) for i, c in enumerate(codes)]


def test_code_is_unique_within_its_warehouse(api):
    w1, w2 = api.warehouse(), api.warehouse()
    first = api.bin(w1["id"], code="X-1")
    response = api.post("/bin", json={"warehouseId": w1["id"], "code": "X-1"})
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"code": ["Already used in this warehouse."]}
    in_list = api.post("/bin", json=[{"warehouseId": w2["id"], "code": "Y"}, {"warehouseId": w2["id"], "code": "Y"}])
    assert in_list.status_code == 409
    assert in_list.get_json()["errors"] == {"1": {"code": ["Already used in this warehouse."]}}
    assert api.get(f"/bin?warehouseId={w2['id']}").get_json() == []
    # The same code elsewhere, and empty codes, are fine.
    assert api.post("/bin", json={"warehouseId": w2["id"], "code": "X-1"}).status_code == 201
    assert api.post("/bin", json=[{"warehouseId": w1["id"]}, {"warehouseId": w1["id"]}]).status_code == 201
    other = api.bin(w1["id"], code="X-2")
    assert api.put(f"/bin/{other['id']}", json={"code": "X-1"}).status_code == 409
    assert api.put(f"/bin/{first['id']}", json={"code": "X-1"}).status_code == 200


def test_filters(api):
    w1, w2 = api.warehouse(), api.warehouse()
    a = api.bin(w1["id"], code="F-1", active=True, preferred=True)
    b = api.bin(w1["id"], code="F-2", active=False, preferred=False)
    c = api.bin(w2["id"], code="F-1", active=True, preferred=False)
    ids = lambda query: [x["id"] for x in api.get("/bin?" + query).get_json()]  # noqa: E731
    assert ids(f"warehouseId={w1['id']}") == [a["id"], b["id"]]
    assert ids(f"warehouseId={w1['id']},{w2['id']}") == [a["id"], b["id"], c["id"]]
    assert ids("preferred=true") == [a["id"]]
    assert ids("preferred=false") == [b["id"], c["id"]]
    assert ids("active=true") == [a["id"], c["id"]]
    assert ids("active=false&warehouseId=" + str(w1["id"])) == [b["id"]]
    assert ids("code=F-1") == [a["id"], c["id"]]
    assert ids(f"id={a['id']},{c['id']}") == [a["id"], c["id"]]
    assert ids(f"id={b['id']}") == [b["id"]]


def test_paging_and_order(api):
    warehouse = api.warehouse()
    made = [b["id"] for b in api.create("/bin", [{"warehouseId": warehouse["id"]} for _ in range(30)])]
    first = api.get("/bin")
    assert first.headers["X-Total-Count"] == "30"
    assert [b["id"] for b in first.get_json()] == made[:25]
    assert [b["id"] for b in api.get("/bin?page=2").get_json()] == made[25:]
    assert [b["id"] for b in api.get("/bin?page=3&pageSize=7").get_json()] == made[14:21]
    assert [b["id"] for b in api.get("/bin?order=DESC&pageSize=5").get_json()] == made[::-1][:5]
    assert [b["id"] for b in api.get("/bin?order=asc&pageSize=1000").get_json()] == made
    beyond = api.get("/bin?page=9")
    assert beyond.get_json() == [] and beyond.headers["X-Total-Count"] == "30"


def test_a_bin_holding_stock_stays_in_its_warehouse(api):
    pos = api.stock_position()
    elsewhere = api.warehouse()
    assert api.record(pos, 2).status_code == 201
    response = api.put(f"/bin/{pos['bin']['id']}", json={"warehouseId": elsewhere["id"]})
    assert response.status_code == 409
    assert api.get(f"/bin/{pos['bin']['id']}").get_json()["warehouseId"] == pos["bin"]["warehouseId"]
    # Emptied, it may move.
    assert api.record(pos, -2).status_code == 201
    assert api.put(f"/bin/{pos['bin']['id']}", json={"warehouseId": elsewhere["id"]}).status_code == 200


def test_a_used_bin_is_archived_not_deleted(api):
    unused = api.bin()
    assert api.delete(f"/bin/{unused['id']}").status_code == 204
    assert api.get(f"/bin/{unused['id']}").status_code == 404

    pos = api.stock_position()
    assert api.record(pos, 1).status_code == 201
    assert api.record(pos, -1).status_code == 201
    assert api.delete(f"/bin/{pos['bin']['id']}").status_code == 409
    assert api.put(f"/bin/{pos['bin']['id']}", json={"active": False}).get_json()["active"] is False

    counted = api.bin()
    api.create("/stocktaking", {"binId": counted["id"]})
    assert api.delete(f"/bin/{counted['id']}").status_code == 409


def test_another_tenants_bin_is_not_found_and_untouched(api, make_api):
    other = make_api()
    theirs = other.bin()
    assert api.get(f"/bin/{theirs['id']}").status_code == 404
    assert api.put(f"/bin/{theirs['id']}", json={"code": "mine"}).status_code == 404
    assert api.delete(f"/bin/{theirs['id']}").status_code == 404
    assert api.get(f"/bin?id={theirs['id']}").get_json() == []
    assert other.get(f"/bin/{theirs['id']}").get_json() == theirs


def test_listing_bins_does_not_query_per_bin(app, api):
    warehouse = api.warehouse()
    api.bin(warehouse["id"])
    few = selects_for(app, lambda: api.get(f"/bin?warehouseId={warehouse['id']}"))
    api.create("/bin", [{"warehouseId": warehouse["id"]} for _ in range(20)])
    assert selects_for(app, lambda: api.get(f"/bin?warehouseId={warehouse['id']}")) == few
