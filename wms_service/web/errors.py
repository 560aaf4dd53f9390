"""Every error a request can end in, turned into the error shape of the face that serves its path.

The handlers here decide status, message and field errors once: for the domain's exceptions, for the database
errors a request may still meet (a raced unique key, an unstorable value, a busy database) and for HTTP errors
(routing, webargs' validation, body size). Each face registers how it renders them (``register_face``): the
native face (``erply/errors.py``) answers every path no other face claims, Planograma answers under /api.
Routing errors (unknown path, wrong method) belong to no blueprint, so the face is chosen by path.
"""

from collections.abc import Callable

from flask import current_app, g, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from ..errors import DomainError, at_index

FACES = "wms_error_faces"
Render = Callable[[int, str, "dict | None"], dict]


def register_face(app, prefix: str, render: Render) -> None:
    """Answer the errors of requests under ``prefix`` with ``render(status, message, errors)``.

    The longest matching prefix wins; the prefix ``""`` matches every path.
    """
    app.extensions.setdefault(FACES, []).append((prefix.rstrip("/"), render))


def _answer(status: int, message: str, errors: dict | None = None, headers=None):
    path = request.path
    chosen, length = None, -1
    for prefix, render in current_app.extensions.get(FACES, ()):
        if (not prefix or path == prefix or path.startswith(prefix + "/")) and len(prefix) > length:
            chosen, length = render, len(prefix)
    body = chosen(status, message, errors) if chosen else {"message": message}
    return body, status, headers or {}


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc):
        # An error about one item of a list the domain was given shows under the item's index when the request's
        # body was a list (the native face's loader says so); a single object's errors stay as they are.
        listed = exc.index is not None and exc.errors and g.get("list_body")
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return _answer(exc.status, exc.message, at_index(exc.index, exc.errors) if listed else exc.errors, headers)

    @app.errorhandler(IntegrityError)
    def integrity_error(exc):
        # A unique key raced by a concurrent writer; the checks in the services catch the ordinary cases.
        app.logger.info("integrity error on %s: %s", request.path, exc.orig)
        return _answer(409, "The change conflicts with existing data.")

    @app.errorhandler(DataError)
    def data_error(exc):
        # The database refused a value the input checks let through (out of range, unstorable text). The checks
        # should catch these first; this keeps a gap in them a 400 instead of a 500.
        app.logger.warning("data error on %s: %s", request.path, exc.orig)
        return _answer(400, "A value is out of range or cannot be stored.")

    @app.errorhandler(OperationalError)
    def operational_error(exc):
        # Lock timeouts and serialization failures: the client may retry, nothing was written.
        app.logger.warning("database busy on %s: %s", request.path, exc.orig)
        return _answer(503, "The database is busy; retry the request.")

    # Replaces flask-smorest's handler: validation errors answer 400 (not 422) with errors keyed by field.
    app.register_error_handler(HTTPException, http_error)


def http_error(exc: HTTPException):
    """Every HTTP error in the face's shape; webargs' 422 validation errors answer 400, keyed by field."""
    data = getattr(exc, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    status = 400 if exc.code == 422 else exc.code
    message = data.get("message") or _message(exc, status)
    if isinstance(errors, dict) and set(errors) <= {"json", "query", "headers", "path", "form"}:
        # webargs keys errors by location first; clients want the field (or list index) directly.
        flat = {}
        for location_errors in errors.values():
            flat.update(location_errors if isinstance(location_errors, dict) else {"_schema": location_errors})
        errors = flat
    headers = dict(data.get("headers") or {})
    if getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    return _answer(status, message, errors, headers)


def _message(exc, status):
    if status == 400 and (exc.code == 422 or exc.description == BadRequest.description):
        return "The request is invalid."
    if status == 413:
        return "The request body is too large."
    if status == 405:
        return "The method is not allowed for this resource."
    if status == 404:
        return "Not found."
    if status >= 500:
        return "Internal server error."
    return exc.description or HTTP_STATUS_CODES.get(status, "Error")
