"""wms_service: a warehouse stock service with an Erply-style API and a Planograma layer over one ledger."""

import os

from flask import Flask
from flask_smorest import Api

from . import cli, config, db, docs_assets, erply, health, jsonio, planograma, web
from .auth import throttle
from .web import bodylimit


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.json = jsonio.JSONProvider(app)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.from_environment(app.instance_path))
    app.config.from_mapping(overrides or {})
    app.config["API_SPEC_OPTIONS"] = _spec_options()

    db.init_app(app)
    app.extensions[throttle.EXTENSION] = throttle.Throttle(
        limit=app.config["LOGIN_MAX_FAILURES"], window_seconds=app.config["LOGIN_WINDOW_SECONDS"]
    )
    api = Api(app)
    app.extensions["wms_api"] = api
    api.spec.components.security_scheme("clientCode", {"type": "apiKey", "in": "header", "name": "clientCode"})
    api.spec.components.security_scheme("sessionKey", {"type": "apiKey", "in": "header", "name": "sessionKey"})
    web.init_app(app)
    app.register_blueprint(docs_assets.blp)
    api.register_blueprint(health.blp)
    erply.register(app, api)
    planograma.register(app, api)
    app.wsgi_app = erply.RootAliases(app.wsgi_app)
    app.wsgi_app = bodylimit.ChunkedBodyLimit(app.wsgi_app, app.config)
    cli.init_app(app)
    return app


def _spec_options():
    return {
        "info": {
            "description": (
                "Warehouse stock service. The Erply-style resources are served under /v1 and, identically, at the "
                "root (/bin is /v1/bin). Authenticate with the clientCode and sessionKey headers from POST /v1/session. "
                "The Planograma compatibility layer is under /api: `Authorization: Bearer <user>:<password>`, the tenant "
                "taken from the request's host, every answer in the BaseApiResponse envelope."
            )
        },
        "security": [{"clientCode": [], "sessionKey": []}],
    }
