"""Domain exceptions, and their translation into the Erply-style API's one JSON error shape.

Domain code raises ``DomainError`` subclasses and knows nothing of HTTP. Each API face maps them to its own
error shape: this module does it for the native API (``{"code", "status", "message", "errors"?}``), the
Planograma layer wraps the same exceptions in its envelope.
"""

from flask import current_app, request
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.http import HTTP_STATUS_CODES


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class ValidationFailed(DomainError):
    status = 400


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class InsufficientStock(Conflict):
    pass


class BinCapacityExceeded(Conflict):
    pass


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class TooManyRequests(DomainError):
    """Refused without being looked at (login throttling); ``retry_after`` seconds from now it may succeed."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


def at_index(index: int | None, errors: dict) -> dict:
    """Nest field errors under a list item's index, as list bodies report them."""
    return errors if index is None else {str(index): errors}


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    body = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    return body


def register_face(app, prefix: str, render) -> None:
    """Let another API face answer the errors of requests under ``prefix`` in its own shape.

    ``render(status, message, errors)`` returns the body. Routing errors (unknown path, wrong method) belong to no
    blueprint, so the face is chosen by path, and every handler below goes through it.
    """
    app.extensions.setdefault("wms_error_faces", []).append((prefix.rstrip("/"), render))


def _answer(status: int, message: str, errors: dict | None = None, headers=None):
    path = request.path
    for prefix, render in current_app.extensions.get("wms_error_faces", ()):
        if path == prefix or path.startswith(prefix + "/"):
            return render(status, message, errors), status, headers or {}
    return error_body(status, message, errors), status, headers or {}


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def domain_error(exc):
        return _answer(exc.status, exc.message, exc.errors, getattr(exc, "headers", None))

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


def http_error(exc: HTTPException):
    """Every HTTP error in the one shape; webargs' 422 validation errors answer 400, keyed by field."""
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
