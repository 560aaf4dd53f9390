"""The BaseApiResponse envelope, ``{error, errorMessage, status, data}``, on every /api answer, errors included.

``status`` repeats the HTTP status. An error carries ``data: null`` (a typed client that expects a list must
still be able to read it) and says everything in ``errorMessage``, field errors included.
"""

from marshmallow import Schema, fields

from ..web.paging import Page

ERROR_STATUSES = {
    400: "The request is invalid",
    401: "Missing or invalid credentials",
    403: "The user lacks a permission",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with existing data or the stock rules",
    413: "Body too large",
    429: "Too many failed logins for this user: retry after the Retry-After header's seconds",
    500: "Unexpected error",
}


class BaseApiResponse(Schema):
    error = fields.Boolean(required=True)
    errorMessage = fields.String(allow_none=True)
    status = fields.Integer(required=True, metadata={"description": "The HTTP status"})


class ErrorApiResponse(BaseApiResponse):
    data = fields.Raw(allow_none=True, metadata={"description": "Always null"})


_envelopes: dict[str, type[Schema]] = {}


def envelope(name: str, data: fields.Field) -> type[Schema]:
    """The envelope schema ``name`` (e.g. ``ProductApiResponse``) whose ``data`` is ``data``."""
    if name not in _envelopes:
        _envelopes[name] = type(name, (BaseApiResponse,), {"data": data})
    return _envelopes[name]


def paged(name: str, page_name: str, row_schema: type[Schema]) -> type[Schema]:
    """The envelope ``name`` around the seed's page object ``page_name`` (pages from 0) of ``row_schema`` rows."""
    page = type(
        page_name,
        (Schema,),
        {
            "content": fields.List(fields.Nested(row_schema)),
            "totalElements": fields.Integer(),
            "totalPages": fields.Integer(),
            "size": fields.Integer(),
            "number": fields.Integer(metadata={"description": "The page, from 0"}),
        },
    )
    return envelope(name, fields.Nested(page))


def page_object(content, total: int, page: Page) -> dict:
    """The seed's page object, numbered from 0."""
    return {
        "content": content,
        "totalElements": total,
        "totalPages": page.pages(total),
        "size": page.size,
        "number": page.number - 1,
    }


def ok(data, status: int = 200) -> dict:
    return {"error": False, "errorMessage": None, "status": status, "data": data}


def error(status: int, message: str, errors: dict | None = None) -> dict:
    """The error envelope; field errors are spelled out after the message."""
    details = "; ".join(_details(errors or {}))
    if details and status == 400:
        message = "The request is invalid: " + details
    elif details:
        message = f"{message.rstrip('.')}: {details}"
    return {"error": True, "errorMessage": message, "status": status, "data": None}


def _details(errors, path=()):
    for key, value in errors.items():
        where = path if key == "_schema" else (*path, str(key))
        if isinstance(value, dict):
            yield from _details(value, where)
        else:
            messages = value if isinstance(value, list) else [value]
            text = " ".join(str(m) for m in messages)
            yield f"{'.'.join(where)}: {text}" if where else text
