"""/api/category, /api/measurement-unit, /api/company: the same four operations, each with its own fields."""

from urllib.parse import quote

import pytest

from .conftest import Planograma

# --- categories ----------------------------------------------------------------------------------------------


def test_category_add_read_update_delete(pg):
    tools = pg.ok(
        "put",
        "/api/category/add",
        {
            "categoryName": "Tools",
            "categoryDetails": "Hand tools",
            "externalReference": "C-1",
            "thirdPartyReference": "T-1",
        },
    )
    assert tools == {
        "categoryId": tools["categoryId"],
        "externalReference": "C-1",
        "categoryName": "Tools",
        "categoryDetails": "Hand tools",
        "thirdPartyReference": "T-1",
        "active": True,
    }
    paint = pg.category(categoryName="Paint", active=False)
    read = lambda **body: [c["categoryId"] for c in pg.ok("post", "/api/category/read", body)]  # noqa: E731
    assert read() == [tools["categoryId"], paint["categoryId"]]
    assert read(externalReferences=["C-1"]) == read(thirdPartyReferenceIds=["T-1"]) == [tools["categoryId"]]
    assert read(active=False) == [paint["categoryId"]]
    assert read(page=2, limit=1) == [paint["categoryId"]]

    (renamed,) = pg.ok(
        "post",
        "/api/category/update",
        {"externalReferences": ["C-1"], "updateFields": {"categoryName": "Hand tools", "categoryDetails": None}},
    )
    assert (renamed["categoryName"], renamed["categoryDetails"]) == ("Hand tools", None)
    assert pg.ok("delete", "/api/category/delete", {"categoryIds": [paint["categoryId"]]}) == [paint["categoryId"]]
    assert read() == [tools["categoryId"]]


def test_category_errors(pg):
    first = pg.category(externalReference="C-1")
    assert pg.fail("put", "/api/category/add", {"categoryName": "Again", "externalReference": "C-1"}, status=409) == (
        f"Category {first['categoryId']} already has externalReference 'C-1': externalReference: "
        f"Already used by category {first['categoryId']}."
    )
    assert (
        pg.fail("put", "/api/category/add", {}, status=400)
        == "The request is invalid: categoryName: Missing data for required field."
    )
    assert pg.fail("put", "/api/category/add", {"categoryName": "x" * 201}, status=400) == (
        "The request is invalid: categoryName: Length must be between 1 and 200."
    )
    assert (
        pg.fail(
            "post",
            "/api/category/update",
            {"categoryIds": [first["categoryId"]], "updateFields": {"name": "x"}},
            status=400,
        )
        == "The request is invalid: updateFields.name: Unknown field."
    )
    assert pg.fail("delete", "/api/category/delete", {"externalReferences": ["nope"]}, status=404) == (
        "No category matches externalReferences ['nope']."
    )


# --- measurement units ---------------------------------------------------------------------------------------


def test_measurement_unit_add_read_update_delete(pg):
    piece = pg.ok(
        "put",
        "/api/measurement-unit/add",
        {"name": "Piece", "code": "BUC", "details": "one item", "thirdPartyReference": "MU-1"},
    )
    assert piece == {
        "muId": piece["muId"],
        "name": "Piece",
        "code": "BUC",
        "details": "one item",
        "status": "ACTIVE",
        "thirdPartyReference": "MU-1",
    }
    kg = pg.unit(name="Kilogram", code="KG", status="INACTIVE")
    read = lambda **body: [u["muId"] for u in pg.ok("post", "/api/measurement-unit/read", body)]  # noqa: E731
    assert read() == [piece["muId"], kg["muId"]]
    assert read(codes=["KG"]) == read(status="INACTIVE") == [kg["muId"]]
    assert read(thirdPartyReferenceIds=["MU-1"]) == read(muIds=[piece["muId"]]) == [piece["muId"]]
    (changed,) = pg.ok("post", "/api/measurement-unit/update", {"codes": ["KG"], "updateFields": {"status": "ACTIVE"}})
    assert changed["status"] == "ACTIVE"
    assert pg.ok("delete", "/api/measurement-unit/delete", {"codes": ["BUC"]}) == [piece["muId"]]
    assert read() == [kg["muId"]]


def test_measurement_unit_errors(pg):
    first = pg.unit(code="BUC")
    assert pg.fail("put", "/api/measurement-unit/add", {"name": "Again", "code": "BUC"}, status=409).startswith(
        f"Measurement unit {first['muId']} already has code 'BUC'"
    )
    assert pg.fail("put", "/api/measurement-unit/add", {"name": "x", "code": "Y", "status": "GONE"}, status=400) == (
        "The request is invalid: status: Must be one of: ACTIVE, INACTIVE."
    )
    assert pg.fail("post", "/api/measurement-unit/read", {"status": "GONE"}, status=400) == (
        "The request is invalid: status: Must be one of: ACTIVE, INACTIVE."
    )


# --- companies -----------------------------------------------------------------------------------------------

COMPANY = {
    "name": "Client SRL",
    "externalReference": "CLI-1",
    "thirdPartyReference": "ERP-C1",
    "cui": "RO123",
    "regNo": "J40/1/2020",
    "bank": "BT",
    "iban": "RO49AAAA1B31007593840000",
    "address": "Str. 1, Cluj",
    "phone": "+40 700 000 000",
    "email": "office@client.ro",
    "website": "https://client.ro",
    "type": "SUPPLIER",
    "active": True,
}


def test_company_add_read_update_delete(pg):
    company = pg.ok("put", "/api/company/add", COMPANY)
    assert company == {"companyId": company["companyId"], **COMPANY}
    plain = pg.company(name="Walk-in")
    assert (plain["type"], plain["active"], plain["cui"]) == ("CLIENT", True, None)
    read = lambda **body: [c["companyId"] for c in pg.ok("post", "/api/company/read", body)]  # noqa: E731
    assert read() == [company["companyId"], plain["companyId"]]
    assert (
        read(types=["SUPPLIER"]) == read(cuis=["RO123"]) == read(externalReferences=["CLI-1"]) == [company["companyId"]]
    )
    (moved,) = pg.ok(
        "post",
        "/api/company/update",
        {"thirdPartyReferenceIds": ["ERP-C1"], "updateFields": {"address": "Str. 2", "type": "BOTH"}},
    )
    assert (moved["address"], moved["type"]) == ("Str. 2", "BOTH")
    assert pg.ok("delete", "/api/company/delete", {"companyIds": [plain["companyId"]]}) == [plain["companyId"]]
    assert read() == [company["companyId"]]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": ""}, "name: Length must be between 1 and 300."),
        ({"name": "A", "type": "PARTNER"}, "type: Must be one of: CLIENT, SUPPLIER, BOTH."),
        ({"name": "A", "cui": 123}, "cui: Not a valid string."),
        ({"name": "A", "email": "x" * 201}, "email: Longer than maximum length 200."),
    ],
)
def test_company_validation_errors(pg, fields, message):
    assert pg.fail("put", "/api/company/add", fields, status=400) == "The request is invalid: " + message
    assert pg.ok("post", "/api/company/read", {}) == []


def test_company_external_keys_are_unique_per_tenant(pg, make_api):
    first = pg.company(externalReference="CLI-1", thirdPartyReference="ERP-C1")
    for key in ({"externalReference": "CLI-1"}, {"thirdPartyReference": "ERP-C1"}):
        assert pg.fail("put", "/api/company/add", {"name": "Again", **key}, status=409).startswith(
            f"Company {first['companyId']} already has"
        )
    other = Planograma(pg.client, make_api().tenant_code)
    assert other.company(externalReference="CLI-1", thirdPartyReference="ERP-C1")["externalReference"] == "CLI-1"


def test_company_reference_check(pg):
    pg.company(thirdPartyReference="ERP-C1")
    assert pg.ok("get", "/api/company/third-party-reference/ERP-C1/check") is True
    assert pg.ok("get", "/api/company/third-party-reference/ERP-C2/check") is False


ODD_REFERENCES = [
    "ERP\n7",
    "\nfirst",
    "last\n",
    "line\r\nbreak",
    "tab\there",
    "/lead",
    "trail/",
    "a//b",
    "ü ✓",
    "%0A",
    "x" * 100,
]


@pytest.mark.parametrize("face", ["product", "company"])
def test_reference_check_answers_any_reference(pg, face):
    """Any text is a reference the check answers: line breaks and slashes never make the route a 404."""
    assert pg.ok("get", f"/api/{face}/third-party-reference/%0A/check") is False  # blank: no row has it
    for ref in ODD_REFERENCES:
        path = f"/api/{face}/third-party-reference/{quote(ref, safe='')}/check"
        assert pg.ok("get", path) is False, ref
        if face == "product":
            pg.product(thirdPartyReference=ref)
        else:
            pg.company(thirdPartyReference=ref)
        assert pg.ok("get", path) is True, ref
