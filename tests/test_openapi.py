"""openapi.yaml is generated from the code; this fails when someone changes a route and forgets `make spec`."""

import re
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


def test_docs_page_loads_swagger_ui_from_the_service_not_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html, "the /docs page must work without internet"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {a.rsplit("/", 1)[1] for a in assets} == {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    }
    for url in assets:
        assert url.startswith("/docs/assets/")
        answer = client.get(url)
        assert answer.status_code == 200, url
        expected = "text/css" if url.endswith(".css") else "javascript"
        assert expected in answer.content_type, (url, answer.content_type)
        assert len(answer.data) > 1000, url


def test_docs_assets_serve_only_the_swagger_ui_files(client):
    assert client.get("/docs/assets/index.html").status_code == 404
    assert client.get("/docs/assets/swagger-ui.js.map").status_code == 404
    assert client.get("/docs/assets/..%2Fsetup.cfg").status_code == 404


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def test_every_operation_has_a_summary_and_a_description(app):
    spec = app.extensions["wms_api"].spec.to_dict()
    missing = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
        and not (operation.get("summary", "").strip() and operation.get("description", "").strip())
    ]
    assert not missing, "operations without a summary and a description (the view's docstring): " + ", ".join(missing)
