"""POST/DELETE /v1/session: open a session with a password, close it with its key."""

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..auth import service as auth
from ..auth import throttle
from ..db import new_session
from ..web.permissions import ANYONE, writes_need
from ..web.session import own_transaction
from ..web.transaction import unit_of_work
from .common import CamelSchema, StrictJsonParser, document_errors

blp = Blueprint("session", __name__, url_prefix="/session", description="Open and close sessions")
blp.ARGUMENTS_PARSER = StrictJsonParser()
writes_need(blp, ANYONE)  # opening a session is how a caller gets one; closing ends its own


class SessionRequest(CamelSchema):
    client_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024), load_only=True)
    session_length = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=86400), metadata={"description": "Seconds, default 3600"}
    )


class SessionResponse(CamelSchema):
    session_key = fields.String()
    expires = fields.Integer(metadata={"description": "Unix seconds"})
    user_id = fields.Integer()


@blp.route("")
class Sessions(MethodView):
    @blp.doc(security=[])
    @blp.arguments(SessionRequest)
    @blp.response(200, SessionResponse)
    @document_errors(blp, (400, 401, 413, 429))
    def post(self, body):
        """Open a session

        Send `clientCode` (the tenant's code), `username`, `password` and optionally `sessionLength` in seconds (default
        3600, at most 86400). Answers `sessionKey`, `expires` and `userId`; send `clientCode` and `sessionKey` as
        headers on every other native request. A wrong password, an unknown user or an unknown tenant is a 401, alike;
        failed logins are throttled per tenant and username (429 with `Retry-After`). Needs no permission.
        """
        # The slow password check runs outside the write transaction, so logins do not hold SQLite's write lock.
        reader = new_session(current_app)
        try:
            user = auth.log_in(
                reader,
                writer=own_transaction,
                throttle=current_app.extensions[throttle.EXTENSION],
                tenant=auth.tenant_by_code(reader, body["client_code"]),
                tenant_code=body["client_code"],
                username=body["username"],
                password=body["password"],
            )
            user_id = user.id
        finally:
            reader.close()
        seconds = body.get("session_length", current_app.config["SESSION_DEFAULT_SECONDS"])
        with unit_of_work() as db:
            user = db.get(type(user), user_id)
            key, session = auth.open_session(db, user=user, seconds=seconds)
        return {"session_key": key, "expires": session.expires, "user_id": user.id}

    @blp.response(204)
    @document_errors(blp, (401,))
    def delete(self):
        """Close the session named by the clientCode and sessionKey headers

        The key stops working at once. Answers 204; an unknown or expired key is a 401.
        """
        key = request.headers.get("sessionKey")
        with unit_of_work() as db:
            auth.resolve_session(db, client_code=request.headers.get("clientCode"), key=key)
            auth.close_session(db, key=key)
