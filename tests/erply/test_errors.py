"""Bad input of every kind answers a 4xx in the one error shape and changes nothing; never a 500."""

import json

import pytest

from .conftest import PREFIXES

LISTS = ["/warehouse", "/product", "/batch", "/bin", "/bin-inventory", "/bin-inventory-record", "/stocktaking"]
READ_ONLY_AUDIT = {"id": 10**9, "added": 1, "addedById": 10**9, "changed": 1, "changedById": 10**9, "changedBy": "x"}


def error(response, status):
    """The body of an error response, after checking its status and shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == status
    assert set(body) <= {"code", "status", "message", "errors"}
    assert isinstance(body["status"], str) and isinstance(body["message"], str) and body["message"]
    return body


@pytest.fixture
def world(api):
    """One of everything, so each resource has an id to address."""
    pos = api.stock_position()
    record = api.record(pos, 5).get_json()
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    return {
        "/warehouse": api.get(f"/warehouse/{pos['bin']['warehouseId']}").get_json(),
        "/product": pos["product"],
        "/batch": pos["batch"],
        "/bin": pos["bin"],
        "/bin-inventory-record": record,
        "/stocktaking": count,
        "pos": pos,
    }


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_list_answers_at_the_root_and_under_v1(api, world, prefix):
    for path in LISTS:
        response = api.get(prefix + path)
        assert response.status_code == 200, path
        assert isinstance(response.get_json(), list) and response.headers["X-Total-Count"] == str(
            len(response.get_json())
        )
    count = world["/stocktaking"]["id"]
    assert api.get(f"{prefix}/stocktaking/{count}/stocktaking-record").status_code == 200


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_endpoint_needs_a_session(client, world, prefix):
    ids = {path: obj["id"] for path, obj in world.items() if path != "pos"}
    calls = [("get", path) for path in LISTS] + [("post", path) for path in LISTS if path != "/bin-inventory"]
    for path, obj_id in ids.items():
        calls += [("get", f"{path}/{obj_id}"), ("put", f"{path}/{obj_id}"), ("delete", f"{path}/{obj_id}")]
    calls += [
        ("put", "/stocktaking"),
        ("get", f"/stocktaking/{ids['/stocktaking']}/stocktaking-record"),
        ("put", f"/stocktaking/{ids['/stocktaking']}/stocktaking-record"),
        ("delete", "/session"),
    ]
    for method, path in calls:
        response = getattr(client, method)(prefix + path, json={})
        error(response, 401)


@pytest.mark.parametrize("body", ["{bad", '{"code": NaN}', '{"code": Infinity}', "[" * 50000 + "]" * 50000, "", "\xff"])
def test_malformed_json_is_a_400(api, world, body):
    raw = body.encode("latin-1")
    targets = [
        ("post", "/warehouse"),
        ("put", f"/bin/{world['/bin']['id']}"),
        ("post", "/bin-inventory-record"),
        ("put", f"/stocktaking/{world['/stocktaking']['id']}/stocktaking-record"),
        ("put", "/stocktaking"),
    ]
    for method, path in targets:
        response = getattr(api, method)(path, data=raw, content_type="application/json")
        assert error(response, 400)["message"].startswith(("Malformed JSON", "A JSON body is required")), path
    response = api.client.post("/v1/session", data=raw, content_type="application/json")
    error(response, 400)


@pytest.mark.parametrize(
    "body, message",
    [
        ("5", "Expected a JSON object or a list of objects."),
        ('"text"', "Expected a JSON object or a list of objects."),
        ("[]", "The list is empty."),
        (json.dumps([{"code": "x"}] * 1001), "At most 1000 items per request."),
    ],
)
def test_a_create_takes_an_object_or_a_list_of_1_to_1000(api, body, message):
    response = api.post("/warehouse", data=body, content_type="application/json")
    assert error(response, 400)["message"] == message
    assert api.get("/warehouse").get_json() == []


def test_list_items_that_are_not_objects_are_named_by_index(api):
    body = error(api.post("/warehouse", json=[{"code": "ok"}, 5]), 400)
    assert list(body["errors"]) == ["1"]
    assert api.get("/warehouse").get_json() == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("binId", True),
        ("binId", "1"),
        ("binId", 1.5),
        ("amount", True),
        ("amount", "3"),
        ("amount", None),
        ("productId", False),
        ("batchId", [1]),
        ("referenceId", "7"),
        ("referenceType", 1),
    ],
)
def test_wrong_types_in_a_record(api, world, field, value):
    pos = world["pos"]
    body = {
        "binId": pos["bin"]["id"],
        "productId": pos["product"]["id"],
        "batchId": pos["batch"]["id"],
        "amount": 3,
        "referenceType": "SALES_DOCUMENT",
        "referenceId": 7,
        field: value,
    }
    response = api.post("/bin-inventory-record", json=body)
    assert list(error(response, 400)["errors"]) == [field]
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 5


@pytest.mark.parametrize(
    "field, value", [("active", 1), ("active", "true"), ("active", "yes"), ("name", 5), ("code", True)]
)
def test_wrong_types_on_update(api, world, field, value):
    warehouse = world["/warehouse"]
    response = api.put(f"/warehouse/{warehouse['id']}", json={field: value})
    assert list(error(response, 400)["errors"]) == [field]
    assert api.get(f"/warehouse/{warehouse['id']}").get_json() == warehouse


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"])
def test_text_no_database_can_store_is_a_400(api, world, text):
    assert list(error(api.post("/product", json={"code": text, "name": "x"}), 400)["errors"]) == ["code"]
    assert list(error(api.put(f"/bin/{world['/bin']['id']}", json={"allowedProduct": text}), 400)["errors"]) == [
        "allowedProduct"
    ]
    batch_body = {"productId": world["/product"]["id"], "expiryDate": None, "batchCode": ["ok", text]}
    assert error(api.post("/batch", json=batch_body), 400)["errors"] == {
        "batchCode": {"1": ["Must not contain NUL characters."] if "\x00" in text else ["Must be valid Unicode text."]}
    }
    assert list(
        error(api.client.post("/v1/session", json={"clientCode": text, "username": "u", "password": "p"}), 400)[
            "errors"
        ]
    ) == ["clientCode"]
    if "\x00" in text:  # a query string cannot carry a lone surrogate
        assert list(error(api.get("/bin?code=a%00b"), 400)["errors"]) == ["code"]
        assert list(error(api.get("/batch?batchCode=%00"), 400)["errors"]) == ["batchCode"]


def test_unknown_fields_are_refused(api, world):
    assert error(api.post("/warehouse", json={"code": "x", "colour": "red"}), 400)["errors"] == {
        "colour": ["Unknown field."]
    }
    assert error(api.put(f"/bin/{world['/bin']['id']}", json={"colour": "red"}), 400)["errors"] == {
        "colour": ["Unknown field."]
    }


@pytest.mark.parametrize(
    "query, name",
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=1.5", "page"),
        ("pageSize=0", "pageSize"),
        ("pageSize=1001", "pageSize"),
        ("pageSize=-1", "pageSize"),
        ("order=UP", "order"),
        ("id=abc", "id"),
        ("id=0", "id"),
        ("id=1,x", "id"),
        ("id=" + ",".join(["1"] * 1001), "id"),
        ("id=99999999999999999999", "id"),
    ],
)
def test_bad_query_values_are_a_400_naming_the_parameter(api, query, name):
    for path in LISTS:
        assert list(error(api.get(f"{path}?{query}"), 400)["errors"]) == [name], path


@pytest.mark.parametrize(
    "path, query, name",
    [
        ("/bin", "active=maybe", "active"),
        ("/bin", "preferred=2", "preferred"),
        ("/bin", "warehouseId=a", "warehouseId"),
        ("/batch", "productId=-1", "productId"),
        ("/bin-inventory-record", "referenceType=GIFT", "referenceType"),
        ("/bin-inventory-record", "referenceId=x", "referenceId"),
        ("/stocktaking", "finished=yes", "finished"),
        ("/stocktaking", "userId=0", "userId"),
        ("/bin-inventory", "warehouseId=1;2", "warehouseId"),
    ],
)
def test_bad_filter_values_are_a_400(api, path, query, name):
    assert list(error(api.get(f"{path}?{query}"), 400)["errors"]) == [name]


def test_unknown_query_parameters_are_ignored(api, world):
    assert api.get("/bin?colour=red").get_json() == [world["/bin"]]


@pytest.mark.parametrize("obj_id", [10**9, 2**53, 2**63, 10**30])
def test_unknown_ids_are_404(api, world, obj_id):
    for path in ("/warehouse", "/product", "/batch", "/bin", "/bin-inventory-record", "/stocktaking"):
        for method in ("get", "put", "delete"):
            response = getattr(api, method)(f"{path}/{obj_id}", json={})
            error(response, 404)
    error(api.get(f"/stocktaking/{obj_id}/stocktaking-record"), 404)
    error(api.put(f"/stocktaking/{obj_id}/stocktaking-record", json={}), 404)
    error(api.put("/stocktaking", json={"id": obj_id, "finished": True}), 404)


def test_another_tenants_ids_are_404_and_change_nothing(api, make_api, world):
    intruder = make_api()
    pos = world["pos"]
    for path in ("/warehouse", "/product", "/batch", "/bin", "/bin-inventory-record", "/stocktaking"):
        obj = world[path]
        error(intruder.get(f"{path}/{obj['id']}"), 404)
        error(intruder.put(f"{path}/{obj['id']}", json={}), 404)
        error(intruder.delete(f"{path}/{obj['id']}"), 404)
        assert intruder.get(f"{path}?id={obj['id']}").get_json() == []
        assert api.get(f"{path}/{obj['id']}").get_json() == obj
    count = world["/stocktaking"]["id"]
    error(intruder.get(f"/stocktaking/{count}/stocktaking-record"), 404)
    error(intruder.put("/stocktaking", json={"id": count, "finished": True}), 404)
    line = {"productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "countedQuantity": 1}
    error(intruder.put(f"/stocktaking/{count}/stocktaking-record", json=line), 404)
    # Their ids in a body are as unknown as missing ones.
    mine = intruder.stock_position()
    body = {"binId": pos["bin"]["id"], "productId": mine["product"]["id"], "batchId": mine["batch"]["id"], "amount": 1}
    assert error(intruder.post("/bin-inventory-record", json=body), 404)["errors"] == {
        "binId": [f"Bin {pos['bin']['id']} does not exist."]
    }
    assert api.get(f"/stocktaking/{count}/stocktaking-record").get_json() == []
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 5
    assert api.get("/bin-inventory-record").headers["X-Total-Count"] == "1"


def test_a_body_over_the_limit_is_a_413_in_the_error_shape(app, api, world):
    limit = app.config["MAX_CONTENT_LENGTH"]
    padding = json.dumps({"code": "x", "name": "n" * limit})
    for method, path in (
        ("post", "/warehouse"),
        ("put", f"/bin/{world['/bin']['id']}"),
        ("post", "/bin-inventory-record"),
    ):
        body = error(getattr(api, method)(path, data=padding, content_type="application/json"), 413)
        assert body["message"] == "The request body is too large."
    error(api.client.post("/v1/session", data=padding, content_type="application/json"), 413)
    assert api.get("/warehouse?pageSize=1000").headers["X-Total-Count"] == "1"


@pytest.mark.parametrize("path", ["/warehouse", "/product", "/batch", "/bin", "/bin-inventory-record", "/stocktaking"])
def test_read_only_fields_sent_back_unchanged_are_accepted_and_changed_are_named(api, world, clock, path):
    obj = world[path]
    response = api.put(f"{path}/{obj['id']}", json=obj)
    assert response.status_code == 200, response.get_json()
    obj = response.get_json()
    assert {k: v for k, v in obj.items() if k != "changed"} == {k: v for k, v in world[path].items() if k != "changed"}
    for field, other in READ_ONLY_AUDIT.items():
        body = error(api.put(f"{path}/{obj['id']}", json={**obj, field: other}), 400)
        assert body["errors"] == {field: ["Read-only field; it cannot be changed."]}
        assert field in body["message"]
    assert api.get(f"{path}/{obj['id']}").get_json() == obj


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_wrong_method_is_a_405_in_the_error_shape(api, world, prefix):
    for method, path in (
        ("patch", "/bin"),
        ("delete", "/bin"),
        ("post", f"/bin/{world['/bin']['id']}"),
        ("patch", "/bin-inventory"),
        ("post", "/bin-inventory"),
        ("get", "/session"),
        ("delete", f"/stocktaking/{world['/stocktaking']['id']}/stocktaking-record"),
    ):
        response = getattr(api.client, method)(prefix + path, headers=api.headers)
        error(response, 405)
        assert "Allow" in response.headers


def test_an_unknown_path_is_a_404_in_the_error_shape(api):
    error(api.get("/v1/nothing-here"), 404)
    error(api.get("/bins"), 404)
