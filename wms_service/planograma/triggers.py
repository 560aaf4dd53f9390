"""/softone/trigger/...: the sync triggers. Each queues one event for the document and answers at once (the
delivery process sends it); authenticated and answered like /api.

Order triggers need ORDERS and the NIR trigger RECEIVING: they make the ERP act (``order.delete`` asks it to
delete its copy). The NIR trigger finds NIRs once the receiving documents register with ``events.triggers``;
until then every NIR id is a 404.
"""

from flask import g
from marshmallow import Schema, fields

from ..events import triggers
from ..web.transaction import unit_of_work
from .blueprint import ApiBlueprint, errors_doc
from .envelope import envelope, ok
from .nomenclature import summary

PREFIX = "/softone/trigger"
order_blp = ApiBlueprint(
    "softone-order-trigger", __name__, url_prefix=PREFIX, description="Sync triggers: orders", writes="ORDERS"
)
nir_blp = ApiBlueprint(
    "softone-nir-trigger", __name__, url_prefix=PREFIX, description="Sync triggers: NIRs", writes="RECEIVING"
)


class QueuedEvent(Schema):
    eventId = fields.String(metadata={"description": "The event's id, as its receivers will see it"})  # noqa: N815
    type = fields.String(metadata={"description": "order.sync, nir.sync or order.delete"})
    documentType = fields.String()  # noqa: N815
    documentId = fields.Integer()  # noqa: N815


TriggerApiResponse = envelope("TriggerApiResponse", fields.Nested(QueuedEvent))


def _queue(document_type: str, document_id: int, type: str) -> dict:
    with unit_of_work() as db:
        event = triggers.queue(
            db, tenant_id=g.tenant.id, document_type=document_type, document_id=document_id, type=type
        )
        queued = {"eventId": event.event_id, "type": type, "documentType": document_type, "documentId": document_id}
    return ok(queued)


@order_blp.route("/order/<int:id>", methods=["GET"], endpoint="order")
@order_blp.response(200, TriggerApiResponse)
@errors_doc(403, 404)
@summary(
    "Queue an order's synchronization",
    "Needs ORDERS. Queues `order.sync` (the order's status and external keys) for the tenant's webhooks and "
    "answers at once with the event's id; another tenant's order, or none, is a 404.",
)
def order(id):  # noqa: A002  (the seed names the parameter)
    return _queue("ORDER", id, "order.sync")


@order_blp.route("/delete/order/<int:id>", methods=["GET"], endpoint="delete_order")
@order_blp.response(200, TriggerApiResponse)
@errors_doc(403, 404)
@summary(
    "Queue an order's deletion",
    "Needs ORDERS. Queues `order.delete` for the tenant's webhooks (the order itself is not changed) and answers "
    "at once with the event's id; another tenant's order, or none, is a 404.",
)
def delete_order(id):  # noqa: A002
    return _queue("ORDER", id, "order.delete")


@nir_blp.route("/nir/<int:id>", methods=["GET"], endpoint="nir")
@nir_blp.response(200, TriggerApiResponse)
@errors_doc(403, 404)
@summary(
    "Queue a NIR's synchronization",
    "Needs RECEIVING. Queues `nir.sync` for the tenant's webhooks and answers at once with the event's id; "
    "another tenant's NIR, or none, is a 404.",
)
def nir(id):  # noqa: A002
    return _queue("NIR", id, "nir.sync")
