"""Generated requests: schemathesis drives every operation of openapi.yaml against the app, authenticated.

No response may be a 5xx, and every response must match what the spec documents for it: status code, content
type, headers and body schema. 20 examples per operation, derandomized, so CI runs the same cases every time.
A longer run by hand: WMS_FUZZ_EXAMPLES=1000 (then random, not derandomized; bench/fuzz.md has its results).
"""

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ..conftest import PASSWORD, login, make_tenant

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Closing the session would log the fuzzer out for every later case; tests/auth covers it.
schema = schemathesis.openapi.from_path(SPEC).exclude(method="DELETE", path="/v1/session")


@pytest.fixture(scope="module")
def credentials(app):
    """A tenant with a little of everything, and the headers of both faces: Erply session and Planograma bearer."""
    _tid, code, _uid = make_tenant(app)
    client = app.test_client()
    key = login(client, code).get_json()["sessionKey"]
    headers = {
        "clientCode": code,
        "sessionKey": key,
        "Authorization": f"Bearer clerk:{PASSWORD}",
        "Host": f"{code}.wms.example.com",
    }

    def create(path, body):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    warehouse = create("/warehouse", {"code": "W1", "name": "Main"})
    product = create("/product", {"code": "P1", "name": "Widget"})
    batch = create("/batch", {"productId": product["id"], "expiryDate": "2030-01-31", "batchCode": ["L1"]})
    bin_ = create("/bin", {"warehouseId": warehouse["id"], "code": "A-1", "active": True})
    create(
        "/bin-inventory-record", {"binId": bin_["id"], "productId": product["id"], "batchId": batch["id"], "amount": 5}
    )
    create("/stocktaking", {"binId": bin_["id"]})
    return headers


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("WMS_FUZZ_EXAMPLES", 20)),
    derandomize="WMS_FUZZ_EXAMPLES" not in os.environ,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_as_documented(case, app, credentials):
    case.call_and_validate(app=app, headers=credentials, checks=CHECKS)
