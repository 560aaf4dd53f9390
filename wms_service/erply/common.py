"""What every Erply-style resource shares: the session check, camelCase schemas, list and body helpers."""

import json
from functools import wraps
from http import HTTPStatus

from flask import g, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate
from sqlalchemy import select
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser

from .. import jsonio
from ..auth import service as auth
from ..db import MAX_ID
from ..errors import ValidationFailed
from ..text import Bool, camel, require_storable  # noqa: F401  (Bool is imported from here by the views)
from ..web import idempotency
from ..web.fields import Id, is_id  # noqa: F401  (Id is imported from here by the views)
from ..web.paging import Page
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from . import fast

MAX_ITEMS = 1000
ERRORS = (400, 401, 403, 404, 409, 413)


def require_session():
    """before_request hook for every resource but /session: find the user behind clientCode + sessionKey."""
    if request.method == "OPTIONS":
        return
    # In the request's read transaction: on SQLite no other worker waits for it (web/transaction.py).
    g.user = auth.resolve_session(
        get_db(), client_code=request.headers.get("clientCode"), key=request.headers.get("sessionKey")
    )
    g.tenant = g.user.tenant


class CamelSchema(Schema):
    """Attributes are snake_case like the models; the JSON names are camelCase; text must be storable."""

    def on_bind_field(self, field_name, field_obj):
        field_obj.data_key = camel(field_obj.data_key or field_name)
        require_storable(field_obj)


class AuditSchema(CamelSchema):
    id = fields.Integer(dump_only=True)
    added = fields.Integer(dump_only=True, metadata={"description": "Unix seconds"})
    added_by_id = fields.Integer(dump_only=True, allow_none=True)
    changed = fields.Integer(dump_only=True, metadata={"description": "Unix seconds"})
    changed_by_id = fields.Integer(dump_only=True, allow_none=True)
    changed_by = fields.String(dump_only=True)


AUDIT_FIELDS = ("id", "added", "addedById", "changed", "changedById", "changedBy")


class IdList(fields.Field):
    """One id or several separated by commas: ``id=3,5,8``."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            ids = [int(part) for part in str(value).split(",") if part.strip()]
        except ValueError as exc:
            raise ValidationError("Expected integer ids separated by commas.") from exc
        if not ids or len(ids) > MAX_ITEMS or not all(is_id(i) for i in ids):
            raise ValidationError(f"Expected 1 to {MAX_ITEMS} positive integer ids.")
        return list(dict.fromkeys(ids))  # each once, in the order given


class QueryBool(fields.Boolean):
    truthy = {"true", "1", "True", "TRUE"}
    falsy = {"false", "0", "False", "FALSE"}


class ListArgs(CamelSchema):
    """Paging and ordering, shared by every list."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**7))
    page_size = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_ITEMS))
    order = fields.String(
        load_default="ASC", validate=validate.OneOf(["ASC", "DESC"]), metadata={"enum": ["ASC", "DESC"]}
    )
    after_id = fields.Integer(
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={
            "description": "Keyset paging: the rows after this id (before it with order=DESC), pageSize of them. "
            "Pass the last id of the previous page; deep pages stay as fast as the first. "
            "Not combined with page."
        },
    )

    @pre_load
    def upper_order(self, data, **_):
        if "order" in data and isinstance(data.get("order"), str):
            data = dict(data)
            data["order"] = data["order"].upper()
        return data


def page_of(args) -> Page:
    after_id = args.pop("after_id", None)
    if after_id is not None and args["page"] != 1:
        raise ValidationFailed("Use either page or afterId.", {"page": ["Cannot be combined with afterId."]})
    descending = args.pop("order") == "DESC"
    return Page(number=args.pop("page"), size=args.pop("page_size"), after_id=after_id, descending=descending)


def listing(db, query, model, args):
    """Run ``query`` for the requested page: (rows, 200, {"X-Total-Count": total})."""
    rows, total = page_of(args).apply(db, query, model.id)
    return rows, 200, {"X-Total-Count": str(total)}


def filter_ids(query, column, ids):
    return query.where(column.in_(ids)) if ids else query


def tenant_query(model):
    return select(model).where(model.tenant_id == g.tenant.id)


TOTAL_HEADER = {"X-Total-Count": {"description": "Number of rows matching the filters", "schema": {"type": "integer"}}}


def read_json():
    """The request body as JSON, or a 400 that says why it is not."""
    raw = request.get_data(cache=True)
    if not raw:
        raise ValidationFailed("A JSON body is required.")
    try:
        return jsonio.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"Malformed JSON: {exc}.") from exc


class StrictJsonParser(FlaskParser):
    """webargs' parser for ``@blp.arguments`` bodies, decoding JSON as strictly as ``read_json``, and like it
    whatever the Content-Type says (a body without one was read as no body: "missing" fields that were there)."""

    def _raw_load_json(self, req):
        raw = req.get_data(cache=True)
        if not raw.strip():
            return webargs_core.missing
        try:
            return jsonio.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise json.JSONDecodeError(str(exc), "(request body)", 0) from exc


def load_one_or_many(schema: Schema):
    """Load an object or a list of up to 1000 objects; returns (items, single)."""
    data = read_json()
    single = isinstance(data, dict)
    g.list_body = not single  # domain errors about an item show it under its index (errors.domain_error)
    if not single and not isinstance(data, list):
        raise ValidationFailed("Expected a JSON object or a list of objects.")
    if not single and not data:
        raise ValidationFailed("The list is empty.")
    if not single and len(data) > MAX_ITEMS:
        raise ValidationFailed(f"At most {MAX_ITEMS} items per request.")
    fast_load = getattr(schema, "fast_load", None)  # a schema's plain-Python loader for well-formed input
    loaded = fast_load([data] if single else data) if fast_load else None
    if loaded is not None:
        return loaded, single
    try:
        items = schema.load(data, many=not single)
    except ValidationError as exc:
        raise ValidationFailed("The request is invalid.", _stringify(exc.messages)) from exc
    return ([items] if single else items), single


def _stringify(messages):
    if isinstance(messages, dict):
        return {str(k): _stringify(v) for k, v in messages.items()}
    return messages


def one_or_list(schema):
    """The spec of a body that is one object or a list of up to 1000."""
    return {"oneOf": [schema, {"type": "array", "items": schema, "minItems": 1, "maxItems": MAX_ITEMS}]}


def create_endpoint(blp, in_schema: type[Schema], out_schema: type[Schema]):
    """Document and implement a create that takes one object or a list, answering 201 in the same shape.

    The view gets ``items`` (loaded dicts) and ``single`` and returns the created objects in order.
    """

    def decorator(view):
        @blp.doc(
            parameters=[idempotency.OPENAPI_HEADER],
            requestBody={"required": True, "content": {"application/json": {"schema": one_or_list(in_schema)}}},
            responses={
                "201": {
                    "description": "Created: an object for an object, a list for a list",
                    "content": {"application/json": {"schema": one_or_list(out_schema)}},
                }
            },
        )
        @document_errors(blp)
        @wraps(view)
        def wrapper(*args, **kwargs):
            items, single = load_one_or_many(in_schema())

            def answer(created):
                dumped = fast.dump_many(out_schema, created)
                return dumped[0] if single else dumped

            return create(lambda _db: view(*args, items=items, single=single, **kwargs), answer=answer, status=201)

        return wrapper

    return decorator


def update_endpoint(blp, in_schema: type[Schema], out_schema: type[Schema], load, extra_read_only=()):
    """Document and implement a PUT: read-only fields may be sent back unchanged, not changed.

    ``load(**path_args)`` finds the object; the view gets it and ``changes`` and returns it updated.
    """

    def decorator(view):
        @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": in_schema}}})
        @blp.response(200, out_schema)
        @document_errors(blp)
        @wraps(view)
        def wrapper(*args, **kwargs):
            data = read_json()
            if not isinstance(data, dict):
                raise ValidationFailed("Expected a JSON object.")
            with unit_of_work():
                obj = load(**kwargs)
                changes = load_changes(data, obj, in_schema, out_schema, extra_read_only)
                return view(*args, obj=obj, changes=changes, **kwargs)

        return wrapper

    return decorator


def load_changes(data: dict, obj, in_schema, out_schema, extra_read_only=()) -> dict:
    """The editable fields of ``data``, after checking that no read-only field was changed."""
    read_only = set(AUDIT_FIELDS) | set(extra_read_only)
    check_read_only(data, out_schema().dump(obj), read_only)
    try:
        return in_schema().load({k: v for k, v in data.items() if k not in read_only}, partial=True)
    except ValidationError as exc:
        raise ValidationFailed("The request is invalid.", _stringify(exc.messages)) from exc


def check_read_only(data: dict, current: dict, read_only):
    """Clients send back what they read: an unchanged read-only field is fine, a changed one is a 400."""
    changed = {
        name: ["Read-only field; it cannot be changed."]
        for name in read_only
        if name in data and data[name] != current.get(name)
    }
    if changed:
        raise ValidationFailed("Read-only fields cannot be changed: " + ", ".join(sorted(changed)) + ".", changed)


def document_errors(blp, codes=ERRORS):
    def decorator(view):
        for code in codes:
            view = blp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorator
