"""/api/metadata: light id/reference look-ups, one query per call."""

from sqlalchemy import insert

from wms_service.auth import service as auth
from wms_service.catalog.models import Product
from wms_service.db import new_session

from ..conftest import recorded_sql


def test_category_metadata(pg):
    a = pg.category(categoryName="A", externalReference="CA", thirdPartyReference="TA")
    b = pg.category(categoryName="B", active=False)
    assert pg.ok("post", "/api/metadata/category", {}) == [
        {
            "categoryId": a["categoryId"],
            "categoryName": "A",
            "externalReference": "CA",
            "thirdPartyReference": "TA",
            "active": True,
        },
        {
            "categoryId": b["categoryId"],
            "categoryName": "B",
            "externalReference": None,
            "thirdPartyReference": None,
            "active": False,
        },
    ]
    assert [
        c["categoryId"] for c in pg.ok("post", "/api/metadata/category", {"thirdPartyReferenceIds": ["TA", "nope"]})
    ] == [a["categoryId"]]
    assert [c["categoryId"] for c in pg.ok("post", "/api/metadata/category", {"active": False})] == [b["categoryId"]]


def test_product_metadata_by_reference_and_by_model(pg):
    a = pg.product(code="A", name="Alpha", thirdPartyReference="RA")
    b = pg.product(code="B", name="Beta", active=False)
    light = lambda p: {  # noqa: E731
        "productId": p["productId"],
        "productCode": p["productCode"],
        "productName": p["productName"],
        "thirdPartyReference": p["thirdPartyReference"],
        "active": p["active"],
    }
    assert pg.ok("post", "/api/metadata/product", {}) == [light(a), light(b)]
    assert pg.ok("post", "/api/metadata/product", {"thirdPartyReferenceIds": ["RA"]}) == [light(a)]
    assert pg.ok("post", "/api/metadata/product", {"active": False}) == [light(b)]
    assert pg.ok("post", "/api/metadata/product/by_model", {"models": ["B", "A", "Z"]}) == [light(a), light(b)]
    assert pg.ok("post", "/api/metadata/product/by_model", {"models": ["A", "B"], "active": True}) == [light(a)]
    assert (
        pg.fail("post", "/api/metadata/product/by_model", {}, status=400)
        == "The request is invalid: models: Name at least one model."
    )
    assert (
        pg.fail("post", "/api/metadata/product", {"models": "A"}, status=400)
        == "The request is invalid: models: Not a valid list."
    )


def test_order_metadata_is_empty_until_orders_exist(pg):
    assert pg.ok("post", "/api/metadata/order", {"thirdPartyReferenceIds": ["WEB-1001"]}) == []
    assert (
        pg.fail("post", "/api/metadata/order", {"active": "yes"}, status=400)
        == "The request is invalid: active: Not a valid boolean."
    )


def test_thousands_of_references_in_one_query(app, pg):
    session = new_session(app, write=True)
    tenant = auth.tenant_by_code(session, pg.tenant_code)
    rows = [
        {
            "tenant_id": tenant.id,
            "code": f"M{i}",
            "name": f"Model {i}",
            "third_party_reference": f"R{i}",
            "active": True,
            "added": 0,
            "changed": 0,
            "changed_by": "",
        }
        for i in range(3000)
    ]
    session.execute(insert(Product), rows)
    session.commit()
    session.close()

    wanted = [f"R{i}" for i in range(0, 6000, 2)]  # half exist
    with recorded_sql(app) as statements:
        found = pg.ok("post", "/api/metadata/product", {"thirdPartyReferenceIds": wanted})
    assert [p["thirdPartyReference"] for p in found] == [f"R{i}" for i in range(0, 3000, 2)]
    assert len([s for s in statements if "FROM product" in s]) == 1
    by_model = pg.ok("post", "/api/metadata/product/by_model", {"models": [f"M{i}" for i in range(3000)]})
    assert len(by_model) == 3000
    assert pg.fail("post", "/api/metadata/product", {"models": ["m"] * 10001}, status=400) == (
        "The request is invalid: models: At most 10000 entries."
    )
