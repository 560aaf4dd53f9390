"""/api/product: read, add, update, delete and the thirdPartyReference check."""

import pytest

from ..conftest import unique_code

FULL = {
    "name": "Blue widget",
    "code": "BW-1",
    "sku": "SKU-BW-1",
    "thirdPartyReference": "ERP-100",
    "vatId": 3,
    "vatPercentage": 19,
    "purchasePrice": "10.1234",
    "sellingPrice": 15.5,
    "minimumStock": 4,
    "requiresSerialNumber": True,
    "requiresBatchCode": True,
    "requiresBatchDetails": False,
    "requiresProductionDate": True,
    "requiresExpirationDate": True,
    "width": 1.5,
    "height": 2,
    "length": 0.25,
    "weight": 0.0001,
    "volume": 12345678901.1234,
    "diameter": 0,
    "material": "steel",
    "color": "blue",
    "active": False,
}


def test_add_stores_and_returns_every_productinfo_field(pg):
    category = pg.category(categoryName="Widgets")
    product = pg.ok("put", "/api/product/add", {**FULL, "categoryId": category["categoryId"]})
    expected = {
        "productId": product["productId"],
        "productName": "Blue widget",
        "productCode": "BW-1",
        "sku": "SKU-BW-1",
        "thirdPartyReference": "ERP-100",
        "categoryId": category["categoryId"],
        "categoryName": "Widgets",
        "vatId": 3,
        "vatPercentage": 19.0,
        "purchasePrice": 10.1234,
        "sellingPrice": 15.5,
        "minimumStock": 4,
        "totalQuantityInStock": 0,
        "totalReservedQuantity": 0,
        "totalFreeQuantity": 0,
        "stockInfo": [],
        "requiresSerialNumber": True,
        "requiresBatchCode": True,
        "requiresBatchDetails": False,
        "requiresProductionDate": True,
        "requiresExpirationDate": True,
        "width": 1.5,
        "height": 2.0,
        "length": 0.25,
        "weight": 0.0001,
        "volume": 12345678901.1234,
        "diameter": 0.0,
        "material": "steel",
        "color": "blue",
        "active": False,
    }
    assert product == expected
    assert pg.products(productIds=[product["productId"]]) == [expected]


def test_add_with_only_name_and_code_takes_the_defaults(pg):
    product = pg.ok("put", "/api/product/add", {"name": "Plain", "code": "PLAIN"})
    assert product["active"] is True
    assert product["requiresBatchCode"] is False and product["requiresExpirationDate"] is False
    assert product["sellingPrice"] is None and product["categoryId"] is None and product["thirdPartyReference"] is None


def test_category_by_external_reference(pg):
    category = pg.category(externalReference="CAT-EXT")
    product = pg.product(categoryExternalReference="CAT-EXT")
    assert (product["categoryId"], product["categoryName"]) == (category["categoryId"], "Tools")
    same = pg.product(categoryExternalReference="CAT-EXT", categoryId=category["categoryId"])
    assert same["categoryId"] == category["categoryId"]


def test_category_errors(pg):
    one, other = pg.category(externalReference="C1"), pg.category(externalReference="C2")
    code = unique_code("P")
    assert (
        pg.fail("put", "/api/product/add", {"name": "x", "code": code, "categoryExternalReference": "nope"}, status=404)
        == "No category has externalReference 'nope': categoryExternalReference: No such category."
    )
    assert (
        pg.fail("put", "/api/product/add", {"name": "x", "code": code, "categoryId": 10**9}, status=404)
        == "Category 1000000000 not found: categoryId: No such category."
    )
    message = pg.fail(
        "put",
        "/api/product/add",
        {"name": "x", "code": code, "categoryId": one["categoryId"], "categoryExternalReference": "C2"},
        status=400,
    )
    assert (
        message
        == f"The request is invalid: categoryId: categoryExternalReference names category {other['categoryId']}."
    )
    assert pg.products(models=[code]) == []


def test_another_tenants_category_is_unknown(pg, make_api):
    from .conftest import Planograma

    other = Planograma(pg.client, make_api().tenant_code)
    foreign = other.category(externalReference="THEIRS")
    assert pg.fail(
        "put", "/api/product/add", {"name": "x", "code": "X", "categoryId": foreign["categoryId"]}, status=404
    )
    assert pg.fail(
        "put", "/api/product/add", {"name": "x", "code": "X", "categoryExternalReference": "THEIRS"}, status=404
    )


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"code": "A"}, "name: Missing data for required field."),
        ({"name": "A"}, "code: Missing data for required field."),
        ({"name": "", "code": "A"}, "name: Length must be between 1 and 300."),
        ({"name": "A", "code": 5}, "code: Not a valid string."),
        ({"name": "A", "code": "A", "active": "yes"}, "active: Not a valid boolean."),
        ({"name": "A", "code": "A", "requiresBatchCode": 1}, "requiresBatchCode: Not a valid boolean."),
        (
            {"name": "A", "code": "A", "sellingPrice": -1},
            "sellingPrice: Must be greater than or equal to 0 and less than or equal to 99999999999999.",
        ),
        ({"name": "A", "code": "A", "sellingPrice": 1.00001}, "sellingPrice: At most 4 decimal places."),
        (
            {"name": "A", "code": "A", "sellingPrice": 1e30},
            "sellingPrice: Must be greater than or equal to 0 and less than or equal to 99999999999999.",
        ),
        (
            {"name": "A", "code": "A", "width": 10**400},
            "width: Must be greater than or equal to 0 and less than or equal to 99999999999999.",
        ),
        ({"name": "A", "code": "A", "sellingPrice": "abc"}, "sellingPrice: Not a valid number."),
        ({"name": "A", "code": "A", "sellingPrice": True}, "sellingPrice: Not a valid number."),
        (
            {"name": "A", "code": "A", "vatPercentage": 101},
            "vatPercentage: Must be greater than or equal to 0 and less than or equal to 100.",
        ),
        ({"name": "A", "code": "A", "minimumStock": 1.5}, "minimumStock: Not a valid integer."),
        (
            {"name": "A", "code": "A", "minimumStock": -1},
            "minimumStock: Must be greater than or equal to 0 and less than or equal to 2147483647.",
        ),
        (
            {"name": "A", "code": "A", "categoryId": 0},
            "categoryId: Must be greater than or equal to 1 and less than or equal to 9007199254740992.",
        ),
        ({"name": "A\x00", "code": "A"}, "name: Must not contain NUL characters."),
        (
            {"name": "A", "code": "A", "thirdPartyReference": "x" * 101},
            "thirdPartyReference: Longer than maximum length 100.",
        ),
    ],
)
def test_add_validation_errors(pg, fields, message):
    assert pg.fail("put", "/api/product/add", fields, status=400) == "The request is invalid: " + message
    assert pg.products() == []


def test_duplicate_code_or_reference_is_409_and_adds_nothing(pg):
    first = pg.product(code="DUP", thirdPartyReference="REF-DUP")
    message = pg.fail("put", "/api/product/add", {"name": "again", "code": "DUP"}, status=409)
    assert (
        message
        == f"Product {first['productId']} already has code 'DUP': code: Already used by product {first['productId']}."
    )
    # A retried add with the same external key never makes a second product.
    message = pg.fail(
        "put", "/api/product/add", {"name": "again", "code": "OTHER", "thirdPartyReference": "REF-DUP"}, status=409
    )
    assert message.startswith(f"Product {first['productId']} already has thirdPartyReference 'REF-DUP'")
    assert [p["productId"] for p in pg.products()] == [first["productId"]]


def test_empty_references_are_none_and_may_repeat(pg):
    one = pg.product(thirdPartyReference="")
    two = pg.product(thirdPartyReference="  ")
    assert one["thirdPartyReference"] is None and two["thirdPartyReference"] is None


def test_idempotency_key_replays_the_first_answer(pg):
    body = {"name": "Once", "code": "ONCE"}
    first = pg.call("put", "/api/product/add", body, headers={"Idempotency-Key": "k-1"}).get_json()
    again = pg.call("put", "/api/product/add", body, headers={"Idempotency-Key": "k-1"}).get_json()
    assert again == first and first["data"]["productCode"] == "ONCE"
    assert len(pg.products()) == 1
    assert (
        pg.fail(
            "put", "/api/product/add", {"name": "Other", "code": "X"}, status=409, headers={"Idempotency-Key": "k-1"}
        )
        == "This Idempotency-Key was used with a different request."
    )


def test_read_filters_and_pages(pg):
    tools = pg.category()
    a = pg.product(code="A", sku="S-A", thirdPartyReference="R-A", categoryId=tools["categoryId"])
    b = pg.product(code="B", sku="S-B", active=False)
    c = pg.product(code="C", thirdPartyReference="R-C")
    ids = lambda **body: [p["productId"] for p in pg.products(**body)]  # noqa: E731
    assert ids() == [a["productId"], b["productId"], c["productId"]]
    assert ids(productIds=[c["productId"], a["productId"]]) == [a["productId"], c["productId"]]
    assert ids(models=["B", "C", "nope"]) == [b["productId"], c["productId"]]
    assert ids(skus=["S-A"]) == [a["productId"]]
    assert ids(categoryIds=[tools["categoryId"]]) == [a["productId"]]
    assert ids(thirdPartyReferenceIds=["R-C", "R-A"]) == [a["productId"], c["productId"]]
    assert ids(active=False) == [b["productId"]]
    assert ids(active=True, models=["A", "B"]) == [a["productId"]]
    assert ids(active=None, productIds=[], models=None) == ids()  # null and empty filter nothing
    assert ids(page=2, limit=2) == [c["productId"]]
    assert ids(page=3, limit=2) == []
    assert ids(unknownFilter=1) == ids()


@pytest.mark.parametrize(
    "body, message",
    [
        ({"page": 0}, "page: Must be greater than or equal to 1 and less than or equal to 10000000."),
        ({"limit": 1001}, "limit: Must be greater than or equal to 1 and less than or equal to 1000."),
        ({"productIds": "1,2"}, "productIds: Not a valid list."),
        ({"productIds": ["x"]}, "productIds.0: Not a valid integer."),
        ({"models": [1]}, "models.0: Not a valid string."),
        ({"active": "true"}, "active: Not a valid boolean."),
    ],
)
def test_read_validation_errors(pg, body, message):
    assert pg.fail("post", "/api/product/read", body, status=400) == "The request is invalid: " + message


def test_update_targets_by_id_model_or_reference(pg):
    a, b, c = pg.product(code="A"), pg.product(code="B", thirdPartyReference="R-B"), pg.product(code="C")
    updated = pg.ok(
        "post",
        "/api/product/update",
        {
            "productIds": [a["productId"]],
            "productModels": ["C"],
            "thirdPartyReferenceIds": ["R-B"],
            "updateFields": {"sellingPrice": 9.99, "requiresExpirationDate": True, "color": "red"},
        },
    )
    assert [p["productId"] for p in updated] == [a["productId"], b["productId"], c["productId"]]
    assert all(p["sellingPrice"] == 9.99 and p["requiresExpirationDate"] and p["color"] == "red" for p in updated)
    assert pg.products() == updated


def test_update_renames_clears_and_moves_category(pg):
    category = pg.category(externalReference="CAT")
    product = pg.product(code="OLD", color="red", categoryId=category["categoryId"])
    (updated,) = pg.ok(
        "post",
        "/api/product/update",
        {
            "productIds": [product["productId"]],
            "updateFields": {"code": "NEW", "name": "Renamed", "color": None, "categoryId": None},
        },
    )
    assert (updated["productCode"], updated["productName"], updated["color"], updated["categoryId"]) == (
        "NEW",
        "Renamed",
        None,
        None,
    )
    (moved,) = pg.ok(
        "post",
        "/api/product/update",
        {"productIds": [product["productId"]], "updateFields": {"categoryExternalReference": "CAT"}},
    )
    assert moved["categoryId"] == category["categoryId"]


@pytest.mark.parametrize(
    "body, status, message",
    [
        (
            {"updateFields": {"name": "x"}},
            400,
            "The request is invalid: Name at least one target in: productIds, productModels, thirdPartyReferenceIds.",
        ),
        (
            {"productIds": [], "updateFields": {"name": "x"}},
            400,
            "The request is invalid: Name at least one target in: productIds, productModels, thirdPartyReferenceIds.",
        ),
        ({"productModels": ["A"]}, 400, "The request is invalid: updateFields: Missing data for required field."),
        (
            {"productModels": ["A"], "updateFields": {"totalQuantityInStock": 5}},
            400,
            "The request is invalid: updateFields.totalQuantityInStock: Unknown field.",
        ),
        (
            {"productModels": ["A"], "updateFields": {"name": None}},
            400,
            "The request is invalid: updateFields.name: Field may not be null.",
        ),
        (
            {"productModels": ["A"], "updateFields": {"active": None}},
            400,
            "The request is invalid: updateFields.active: Field may not be null.",
        ),
        (
            {"productModels": ["A"], "updateFields": {"sellingPrice": "x"}},
            400,
            "The request is invalid: updateFields.sellingPrice: Not a valid number.",
        ),
        (
            {"productModels": ["A", "GHOST"], "updateFields": {"name": "x"}},
            404,
            "No product matches productModels ['GHOST'].",
        ),
        ({"productModels": ["A"], "updateFields": {"code": "B"}}, 409, None),
    ],
)
def test_update_errors_change_nothing(pg, body, status, message):
    a, b = pg.product(code="A"), pg.product(code="B")
    got = pg.fail("post", "/api/product/update", body, status=status)
    if message:
        assert got == message
    else:
        assert got.startswith(f"Product {b['productId']} already has code 'B'")
    assert pg.products() == [a, b]


def test_one_reference_cannot_be_set_on_two_products(pg):
    a, b = pg.product(code="A"), pg.product(code="B")
    message = pg.fail(
        "post",
        "/api/product/update",
        {"productModels": ["A", "B"], "updateFields": {"thirdPartyReference": "SAME"}},
        status=409,
    )
    assert message.startswith(f"Product {a['productId']} already has thirdPartyReference 'SAME'")
    assert pg.products() == [a, b]


def test_delete_by_ids_and_models(pg):
    a, b, c = pg.product(code="A"), pg.product(code="B"), pg.product(code="C")
    assert pg.ok("delete", "/api/product/delete", {"productIds": [a["productId"]], "productModels": ["C"]}) == [
        a["productId"],
        c["productId"],
    ]
    assert pg.products() == [b]
    assert (
        pg.fail("delete", "/api/product/delete", {"productIds": [a["productId"]]}, status=404)
        == f"No product matches productIds [{a['productId']}]."
    )
    assert pg.fail("delete", "/api/product/delete", {}, status=400).startswith(
        "The request is invalid: Name at least one target"
    )


def test_third_party_reference_check(pg, make_api):
    from .conftest import Planograma

    pg.product(thirdPartyReference="ERP/42 x")
    assert pg.ok("get", "/api/product/third-party-reference/ERP%2F42%20x/check") is True
    assert pg.ok("get", "/api/product/third-party-reference/ERP-43/check") is False
    other = Planograma(pg.client, make_api().tenant_code)
    assert other.ok("get", "/api/product/third-party-reference/ERP%2F42%20x/check") is False
