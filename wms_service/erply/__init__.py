"""The native face: the Erply-style resources, thin views over the stock and catalog services."""

from . import batches, bin_inventory, bins, errors, products, session, stocktaking, warehouses

BLUEPRINTS = (
    session.blp,
    warehouses.blp,
    products.blp,
    batches.blp,
    bins.blp,
    bin_inventory.blp,
    bin_inventory.records_blp,
    stocktaking.blp,
)
PREFIX = "/v1"
# The first path segments served both at the root and under /v1.
ROOT_ALIASES = {
    "session",
    "warehouse",
    "product",
    "batch",
    "bin",
    "bin-inventory",
    "bin-inventory-record",
    "stocktaking",
}


def register(app, api):
    errors.register(app)
    for blp in BLUEPRINTS:
        api.register_blueprint(blp, url_prefix=PREFIX + blp.url_prefix)


class RootAliases:
    """WSGI middleware: ``/bin`` is ``/v1/bin``, so routes and the spec exist once, under /v1."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.split("/", 2)[1:2] and path.split("/", 2)[1] in ROOT_ALIASES:
            environ["PATH_INFO"] = PREFIX + path
        return self.wsgi_app(environ, start_response)
