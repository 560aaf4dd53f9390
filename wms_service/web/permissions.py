"""Who may write: each blueprint names the permission its writes need, and the unit of work checks it.

Reads are open to every user of the tenant (CONTRACT section 9); a write is whatever runs in the unit of work
(``web/transaction.py``), so the check sits there, before the work: a caller without the permission gets a 403
and nothing was written. A blueprint that writes and declares nothing needs ``ADMIN``, so a new resource is
closed until it says otherwise (tests/web/test_permissions.py also requires every writing blueprint to declare).
"""

from flask import current_app, g, request

from ..auth.models import ADMIN
from ..errors import Forbidden

ATTRIBUTE = "write_permission"
ANYONE = ""  # writes anyone may make (opening a session)


def writes_need(blp, permission: str) -> None:
    """Declare the permission every write of ``blp`` needs (``ANYONE`` for none)."""
    setattr(blp, ATTRIBUTE, permission)


def declared(blueprint_name: str | None) -> str | None:
    """The permission declared for a blueprint's writes, or None if it declared none."""
    blp = current_app.blueprints.get(blueprint_name) if blueprint_name else None
    return getattr(blp, ATTRIBUTE, None)


def check_write() -> None:
    """Refuse the request's write unless its caller holds the permission its blueprint declared."""
    permission = declared(request.blueprint)
    if permission == ANYONE:
        return
    permission = permission or ADMIN
    user = g.get("user")
    if user is None or not user.has_permission(permission):
        raise Forbidden(f"The {permission} permission is required.")
