"""Swagger UI's JavaScript and CSS, served by the service itself so that /docs works without internet.

The files come from the pinned swagger-ui-bundle package (setup.cfg); flask-smorest's /docs page points at them
through ``OPENAPI_SWAGGER_UI_URL`` (config.py).
"""

from flask import Blueprint, abort, send_from_directory
from swagger_ui_bundle import swagger_ui_path

URL_PREFIX = "/docs/assets"

blp = Blueprint("docs_assets", __name__, url_prefix=URL_PREFIX)

# Only what the /docs page loads (and the favicons), not the bundle's own index.html or source maps.
FILES = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-16x16.png",
        "favicon-32x32.png",
    }
)


@blp.get("/<name>")
def asset(name: str):
    if name not in FILES:
        abort(404)
    # A day's cache: the files change only when the pinned package does.
    return send_from_directory(str(swagger_ui_path), name, max_age=86400)
