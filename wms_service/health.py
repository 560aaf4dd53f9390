"""GET /health: 200 once the database answers."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from .web.session import get_db

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness")


class HealthSchema(Schema):
    status = fields.String()


@blp.route("")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
def health():
    """Answer once the database answers

    Needs no credentials. Answers 200 `{"status": "ok"}` once a query on the database succeeds; use it as a readiness
    check.
    """
    get_db().execute(text("SELECT 1"))
    return {"status": "ok"}
