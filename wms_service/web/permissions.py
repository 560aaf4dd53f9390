"""Who may write: each blueprint names the permission its writes need; requests and the unit of work check it.

Reads are open to every user of the tenant (CONTRACT section 9), except where a blueprint declares that its reads
need a permission too (``reads_need``: purchase orders); its GETs and searches are then checked as they arrive,
the same way. A write request of a declaring blueprint is
checked as it arrives, once its caller is known and before its body is read, so any body gets the 403; POST
views that only read are marked ``@search`` and pass. A write is whatever runs in the unit of work
(``web/transaction.py``), which checks again before the work, so no write skips the rule: a caller without the
permission gets a 403 and nothing was written. A blueprint that writes and declares nothing needs ``ADMIN``, so
a new resource is closed until it says otherwise (tests/web/test_permission_matrix.py walks the spec's writes).
"""

from flask import current_app, g, request

from ..auth.models import ADMIN
from ..errors import Forbidden

ATTRIBUTE = "write_permission"
READ_ATTRIBUTE = "read_permission"
ANYONE = ""  # writes anyone may make (opening a session)
SEARCH = "wms_search"
READS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_need(blp, permission: str) -> None:
    """Declare the permission every write of ``blp`` needs (``ANYONE`` for none).

    Its requests are also checked as they arrive (after the caller is known, before the body is read), so a
    caller without the permission gets the 403 whatever the body; the unit of work checks again.
    """
    setattr(blp, ATTRIBUTE, permission)
    blp.before_request(_check_request)


def reads_need(blp, permission: str) -> None:
    """Declare the permission every read of ``blp`` needs (its GETs and its ``@search`` POSTs), checked as the
    request arrives, after the caller is known; its writes still need what ``writes_need`` declared."""
    setattr(blp, READ_ATTRIBUTE, permission)
    blp.before_request(_check_read)


def search(view):
    """Mark a view that answers a POST without writing (a Planograma search): every user of the tenant may call it,
    unless its blueprint's reads need a permission (``reads_need``)."""
    setattr(view, SEARCH, True)
    return view


def _check_request() -> None:
    if request.method in READS:
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, SEARCH, False):
        return
    check_write()


def _check_read() -> None:
    if request.method in READS or getattr(current_app.view_functions.get(request.endpoint), SEARCH, False):
        blp = current_app.blueprints.get(request.blueprint) if request.blueprint else None
        _require(getattr(blp, READ_ATTRIBUTE, None) or ADMIN)


def declared(blueprint_name: str | None) -> str | None:
    """The permission declared for a blueprint's writes, or None if it declared none."""
    blp = current_app.blueprints.get(blueprint_name) if blueprint_name else None
    return getattr(blp, ATTRIBUTE, None)


def check_write() -> None:
    """Refuse the request's write unless its caller holds the permission its blueprint declared."""
    permission = declared(request.blueprint)
    if permission == ANYONE:
        return
    _require(permission or ADMIN)


def _require(permission: str) -> None:
    user = g.get("user")
    if user is None or not user.has_permission(permission):
        raise Forbidden(f"The {permission} permission is required.")
