"""Every /api answer is the BaseApiResponse envelope, errors included; the native API keeps its own shape."""

import pytest

from wms_service import create_app
from wms_service.planograma.blueprint import ApiBlueprint, errors_doc
from wms_service.planograma.envelope import error, ok
from wms_service.planograma.security import requires

from ..conftest import make_tenant
from .conftest import Planograma, add_user


def test_unknown_path_is_404_in_the_envelope(pg):
    assert pg.fail("post", "/api/nothing-here", {}, status=404) == "Not found."
    assert pg.fail("post", "/api/nothing-here", {}, status=404, auth=False) == "Not found."


def test_wrong_method_is_405_in_the_envelope(pg):
    response = pg.call("get", "/api/product/read")
    assert response.status_code == 405
    assert response.get_json()["errorMessage"] == "The method is not allowed for this resource."
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    "raw, message",
    [
        ("{not json", "The request is invalid: Invalid JSON body."),
        ('{"limit": NaN}', "The request is invalid: Invalid JSON body."),
        ("[1, 2]", "The request is invalid: Invalid input type."),
        ('"text"', "The request is invalid: Invalid input type."),
        ("[" * 100000, "The request is invalid: Invalid JSON body."),
    ],
)
def test_bodies_that_are_not_an_object_are_400(pg, raw, message):
    assert (
        pg.fail("post", "/api/product/read", data=raw, status=400, headers={"Content-Type": "application/json"})
        == message
    )


def test_a_body_without_content_type_is_still_read(pg):
    # Not silently ignored: a form content type with a JSON body is parsed as JSON.
    message = pg.fail(
        "post",
        "/api/product/read",
        data='{"limit": 0}',
        status=400,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (
        message == "The request is invalid: limit: Must be greater than or equal to 1 and less than or equal to 1000."
    )


def test_body_too_large_is_413_in_the_envelope(pg):
    big = '{"name": "' + "x" * (3 * 1024 * 1024) + '"}'
    assert pg.fail("put", "/api/product/add", data=big, status=413) == "The request body is too large."


def test_the_native_api_keeps_its_error_shape(client):
    for path in ("/v1/nothing", "/apiary"):
        body = client.get(path).get_json()
        assert body["code"] == 404 and "error" not in body


def test_error_message_spells_out_nested_field_errors():
    errors = {"updateFields": {"sellingPrice": ["Not a valid number."]}, "productIds": {"0": ["Not a valid integer."]}}
    assert error(400, "The request is invalid.", errors) == {
        "error": True,
        "errorMessage": "The request is invalid: updateFields.sellingPrice: Not a valid number.; productIds.0: Not a valid integer.",
        "status": 400,
        "data": None,
    }
    assert error(409, "Conflict.", {"code": ["Already used."]})["errorMessage"] == "Conflict: code: Already used."


# --- an app with test-only routes: the permission mechanism and unexpected errors ---------------------------


@pytest.fixture(scope="module")
def probe_app(database_url):
    app = create_app({"DATABASE_URL": database_url, "PROPAGATE_EXCEPTIONS": False})
    blp = ApiBlueprint("probe", __name__, url_prefix="/api/probe")

    @blp.route("/guarded", methods=["POST"])
    @errors_doc(403)
    @requires("PURCHASE_ORDER")
    def guarded():
        return ok("allowed")

    @blp.route("/boom", methods=["POST"])
    def boom():
        raise RuntimeError("a bug")

    app.extensions["wms_api"].register_blueprint(blp)
    yield app
    app.extensions["wms_engine"].dispose()


@pytest.mark.parametrize("permissions, status", [((), 403), (("PURCHASE_ORDER",), 200), (("ADMIN",), 200)])
def test_a_permission_guards_its_routes(probe_app, permissions, status):
    client = probe_app.test_client()
    _tid, code, _uid = make_tenant(probe_app, permissions=("ADMIN",))
    add_user(probe_app, code, "integration", permissions=permissions)
    integration = Planograma(client, code, "integration")
    if status == 403:
        assert (
            integration.fail("post", "/api/probe/guarded", status=403) == "The PURCHASE_ORDER permission is required."
        )
    else:
        assert integration.ok("post", "/api/probe/guarded") == "allowed"


def test_an_unexpected_error_is_500_in_the_envelope(probe_app):
    _tid, code, _uid = make_tenant(probe_app)
    response = Planograma(probe_app.test_client(), code).call("post", "/api/probe/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": True, "errorMessage": "Internal server error.", "status": 500, "data": None}


def test_the_permission_is_checked_after_authentication(probe_app):
    _tid, code, _uid = make_tenant(probe_app)
    anonymous = Planograma(probe_app.test_client(), code)
    assert anonymous.fail("post", "/api/probe/guarded", status=401, auth=False) == "Invalid API KEY"
