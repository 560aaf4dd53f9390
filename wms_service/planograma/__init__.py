"""The Planograma face: /api/**, a translator onto the same catalog and ledger the native API uses.

Requests are read by the conventions in ``requests.py``, answered in the envelope of ``envelope.py``, and
authenticated per ``security.py``; each resource module is a blueprint of thin views over catalog and stock.
Nothing here stores stock: quantities come from the ledger's projection, and documents that move goods will
append ledger records that reference them.
"""

from ..web.errors import register_face
from . import (
    categories,
    companies,
    envelope,
    inventory,
    measurement_units,
    metadata,
    nirs,
    notifies,
    orders,
    printable_documents,
    production,
    products,
    purchase_orders,
    requests,
    returns,
    security,
    stock,
    transfers,
    triggers,
)
from .blueprint import register_spec_components

PREFIX = "/api"
BLUEPRINTS = (
    products.blp,
    stock.blp,
    categories.blp,
    measurement_units.blp,
    companies.blp,
    metadata.blp,
    orders.blp,
    printable_documents.blp,
    transfers.blp,
    transfers.lines_blp,
    returns.blp,
    production.blp,
    nirs.blp,
    purchase_orders.blp,
    inventory.blp,
    notifies.blp,
    triggers.order_blp,
    triggers.nir_blp,
)


def register(app, api) -> None:
    security.init_app(app)
    register_spec_components(api.spec)
    # Before the blueprints, whose rules use it. It never matches an empty segment, hence the minLength.
    app.url_map.converters["text"] = requests.AnyText
    api.register_converter(requests.AnyText, lambda _converter: {"type": "string", "minLength": 1})
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
    # Every error under /api, routing errors included, answers in the envelope.
    register_face(app, PREFIX, envelope.error)
    register_face(app, triggers.PREFIX.rsplit("/", 1)[0], envelope.error)  # /softone answers like /api
