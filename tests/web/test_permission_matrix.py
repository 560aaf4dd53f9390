"""The permission matrix, from the OpenAPI spec so that a new endpoint is covered the day it is added: every write
operation of both APIs, called by a user of the tenant who holds no permission, is a 403 and changes nothing;
every search (CONTRACT section 9: `/api/*/read`, `/api/stock/*`, `/api/metadata/*`) is open to that user, and
every read of purchase orders (reads included there) is a 403 too."""

import re

from ..conftest import Api, login
from ..planograma.conftest import Planograma, add_user
from .test_permissions import snapshot

WRITES = {"post", "put", "patch", "delete"}
NO_PERMISSION_NEEDED = {
    ("post", "/v1/session"),
    ("delete", "/v1/session"),
    # Any user of the tenant may notify another and mark their own notifications read (README, "Events out").
    ("post", "/api/notifies"),
    ("patch", "/api/notifies/{notification_id}/read"),
}


# POSTs that only read, besides the contract's patterns.
FURTHER_SEARCHES = {
    "/api/nir/validation-info",
    "/api/order/order-ready",
    "/api/order/picking-info",
    "/api/order/print-document",
    "/api/printable-document/notice/{orderId}",
    "/api/return/validation-info",
}


# Whose reads need a permission too (CONTRACT section 9): every operation under them, GETs included, is a 403.
READS_GATED = ("/api/purchase-order/",)


def is_search(path: str) -> bool:
    listed = path.startswith(("/api/stock/", "/api/metadata/")) or (path.startswith("/api/") and path.endswith("/read"))
    return listed or path in FURTHER_SEARCHES


def write_operations(app):
    paths = app.extensions["wms_api"].spec.to_dict()["paths"]
    for path, operations in sorted(paths.items()):
        methods = set(operations) & (WRITES | ({"get"} if path.startswith(READS_GATED) else set()))
        for method in sorted(methods):
            if (method, path) not in NO_PERMISSION_NEEDED:
                yield method, path, re.sub(r"\{[^}]+\}", "1", path)


def test_every_write_in_the_spec_needs_a_permission(app, client, api):
    pos = api.stock_position()
    assert api.record(pos, 5).status_code == 201
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    pg = Planograma(client, api.tenant_code, native=api)
    pg.product(code="MATRIX-P")
    user_id = add_user(app, api.tenant_code, "nobody")
    native = Api(
        client, api.tenant_code, "nobody", login(client, api.tenant_code, "nobody").get_json()["sessionKey"], user_id
    )
    planograma = Planograma(client, api.tenant_code, username="nobody")
    before = (snapshot(api, count["id"]), pg.products())

    operations = list(write_operations(app))
    assert len(operations) >= 30, operations  # both faces' writes are in the spec
    answers = {}
    for method, path, url in operations:
        caller = planograma.call if path.startswith("/api/") else (lambda m, u, body: getattr(native, m)(u, json=body))
        answers[(method, path)] = caller(method, url, {}).status_code

    searches = {op: status for op, status in answers.items() if is_search(op[1])}
    writes = {op: status for op, status in answers.items() if not is_search(op[1])}
    assert searches and all(status != 403 for status in searches.values()), searches
    assert writes and {op: status for op, status in writes.items() if status != 403} == {}
    assert (snapshot(api, count["id"]), pg.products()) == before
