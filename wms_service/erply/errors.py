"""The native face's error shape, ``{"code", "status", "message", "errors"?}``, for every path no other face claims."""

from werkzeug.http import HTTP_STATUS_CODES

from ..web.errors import register_face


def error_body(status: int, message: str, errors: dict | None = None) -> dict:
    body = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    return body


def register(app) -> None:
    register_face(app, "", error_body)
