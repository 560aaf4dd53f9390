"""openapi.yaml is generated from the code; this fails when someone changes a route and forgets `make spec`."""

from pathlib import Path

import yaml

SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"


def test_openapi_yaml_matches_the_code(app):
    generated = yaml.safe_load(yaml.safe_dump(app.extensions["wms_api"].spec.to_dict()))
    committed = yaml.safe_load(SPEC.read_text())
    assert committed == generated, "openapi.yaml is stale: run `make spec`"


def test_swagger_ui_and_json_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").get_json()
    assert "/v1/bin-inventory-record" in spec["paths"]
