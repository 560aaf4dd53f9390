"""/api/notifies: notifications between users of the tenant (an addition to the seed's POST).

Any user of the tenant may send one (it moves no stock and changes no document) and reads and marks read only
their own. Sending stores it and queues ``notification.created`` in the same transaction.
"""

from datetime import UTC, datetime

from flask import g
from marshmallow import fields, validate

from ..events import notifications as service
from ..web import idempotency
from ..web.fields import Id
from ..web.permissions import ANYONE
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from .blueprint import ApiBlueprint, errors_doc
from .envelope import envelope, ok
from .nomenclature import summary
from .requests import ApiSchema, ReadRequest

blp = ApiBlueprint(
    "planograma-notifies", __name__, url_prefix="/api/notifies", description="Planograma: notifications", writes=ANYONE
)


class ExternalNotifyRequest(ApiSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    message = fields.String(required=True, validate=validate.Length(max=10_000))
    recipient_id = Id(required=True, metadata={"description": "A user of the tenant"})


class ReadNotifiesRequest(ReadRequest):
    unread = fields.Boolean(load_default=False, metadata={"description": "true: unread ones only"})  # a query string


class NotificationInfo(ApiSchema):
    id = fields.Integer()
    title = fields.String()
    message = fields.String()
    recipient_id = fields.Integer()
    sender_id = fields.Integer(allow_none=True)
    created_at = fields.String(metadata={"description": "ISO 8601, UTC"})
    read = fields.Boolean()
    read_at = fields.String(allow_none=True, metadata={"description": "ISO 8601, UTC; null while unread"})


NotificationApiResponse = envelope("NotificationApiResponse", fields.Nested(NotificationInfo))
NotificationsApiResponse = envelope("NotificationsApiResponse", fields.List(fields.Nested(NotificationInfo)))


def _iso(seconds):
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def present(n) -> dict:
    return {
        "id": n.id,
        "title": n.title,
        "message": n.message,
        "recipient_id": n.recipient_id,
        "sender_id": n.sender_id,
        "created_at": _iso(n.created),
        "read": n.read_at is not None,
        "read_at": _iso(n.read_at),
    }


@blp.route("", methods=["POST"], endpoint="send")
@blp.arguments(ExternalNotifyRequest)
@blp.response(200, NotificationApiResponse)
@blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(404)
@summary(
    "Send a notification to a user of the tenant",
    "Any user. Stores it for `recipientId` (a user of the tenant; 404 otherwise) and queues `notification.created` "
    "for the tenant's webhooks in the same transaction. Honours Idempotency-Key.",
)
def send(body):
    def work(db):
        return present(
            service.send(
                db,
                tenant=g.tenant,
                sender=g.user,
                recipient_id=body["recipient_id"],
                title=body["title"],
                message=body["message"],
            )
        )

    return create(work, answer=lambda info: NotificationApiResponse().dump(ok(info)), status=200)


@blp.route("", methods=["GET"], endpoint="inbox")
@blp.arguments(ReadNotifiesRequest, location="query")
@blp.response(200, NotificationsApiResponse)
@summary(
    "The caller's notifications, newest first",
    "Any user; only their own. `read` flags the ones marked read; `unread=true` lists the unread ones only. "
    "`page` (from 1) and `limit` in the query.",
)
def inbox(args):
    rows = service.inbox(get_db(), user=g.user, unread_only=args["unread"], page=args["page"], limit=args["limit"])
    return ok([present(n) for n in rows])


@blp.route("/<int:notification_id>/read", methods=["PATCH"], endpoint="mark_read")
@blp.response(200, NotificationApiResponse)
@errors_doc(404)
@summary(
    "Mark one of the caller's notifications read",
    "Any user, their own only (another's is a 404). Marking it again changes nothing.",
)
def mark_read(notification_id):
    with unit_of_work() as db:
        info = present(service.mark_read(db, user=g.user, notification_id=notification_id))
    return ok(info)
