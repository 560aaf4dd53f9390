"""Who is calling: the Bearer credentials checked in the host's tenant, and the permissions a view requires.

Integration users are ordinary users of the tenant; ``ADMIN`` holds every permission.
"""

from functools import wraps

from flask import current_app, g, request

from ..auth import bearer, throttle
from ..errors import Forbidden
from ..web.session import get_db, own_transaction

CACHE = "wms_credential_cache"


def init_app(app) -> None:
    # One cache per process (gunicorn workers each build their app), with its own secret.
    app.extensions[CACHE] = bearer.CredentialCache(app.config.get("AUTH_CACHE_SECONDS", 300))


def authenticate():
    """before_request of every /api blueprint: find the user, or answer 401.

    The check reads in the request's read transaction: on a cache miss it hashes a password for tens of
    milliseconds, and on SQLite no other worker waits for that (the write lock is the unit of work's alone).
    """
    g.user = bearer.authenticate(
        get_db(),
        cache=current_app.extensions[CACHE],
        throttle=current_app.extensions[throttle.EXTENSION],
        writer=own_transaction,
        host=request.host,
        authorization=request.headers.get("Authorization"),
    )
    g.tenant = g.user.tenant


def requires(permission: str):
    """Answer 403 unless the user holds ``permission`` (or ADMIN). Document it with ``errors_doc(blp, 403)``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.user.has_permission(permission):
                raise Forbidden(f"The {permission} permission is required.")
            return view(*args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator
