"""How Planograma requests are read: JSON bodies, camelCase fields, and the shapes CONTRACT section 4 fixes.

Every nomenclature and document follows one rule where the seed is silent: ``add`` takes the fields of its
``...Info``; ``read`` takes id lists and filters plus ``page`` (from 1) and ``limit``; ``update`` takes the
target id lists and the new values in ``updateFields``; ``delete`` takes the id lists. An empty or null list
filters nothing. Unknown top-level fields are ignored, as Planograma's clients send more than we read;
``updateFields`` is strict, because a change that cannot be applied must not look applied.
"""

import copy
import datetime as dt
import json
from decimal import Decimal

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema
from webargs import core
from webargs.flaskparser import FlaskParser
from werkzeug.routing import PathConverter

from .. import jsonio
from ..exact import PLACES
from ..text import Bool, camel, require_storable
from ..web.fields import Id

MAX_LIMIT = 1000
MAX_LOOKUPS = 10_000


# --- the body ------------------------------------------------------------------------------------------------


class JsonBodyParser(FlaskParser):
    """A body is JSON whatever its Content-Type says (clients leave it out), so it is never silently ignored.

    Strict JSON: NaN and Infinity are refused, and nesting too deep for the decoder is malformed, not a crash.
    """

    def _raw_load_json(self, req):
        raw = req.get_data(cache=True)
        if not raw.strip():
            return core.missing
        try:
            return jsonio.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise
        except ValueError as exc:
            # webargs answers 400 for a JSONDecodeError (one with an empty document would count as no body).
            raise json.JSONDecodeError(str(exc) or "nested too deeply", "<body>", 0) from exc


# --- the path ------------------------------------------------------------------------------------------------


class AnyText(PathConverter):
    """A path parameter holding any text, slashes and line breaks included: ``<text:name>``.

    Werkzeug's ``path`` matches no line break (its ``.`` is not DOTALL) and no leading slash, so a reference with
    ``%0A`` in it was a 404 from routing, and one starting with ``%2F`` a redirect to the reference without it,
    instead of an answer like any other reference's.
    """

    regex = "(?s:.+?)"
    part_isolating = False  # werkzeug infers it from a "/" in the regex; this one spans slashes without naming them


# --- fields --------------------------------------------------------------------------------------------------


class ApiSchema(Schema):
    """snake_case attributes, camelCase JSON names, storable text, unknown fields ignored."""

    class Meta:
        unknown = EXCLUDE

    def on_bind_field(self, field_name, field_obj):
        field_obj.data_key = field_obj.data_key or camel(field_name)
        require_storable(field_obj)


def Int(*, minimum=None, maximum=2**31 - 1, **kwargs):  # noqa: N802
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=maximum), **kwargs)


def Text(max_length: int, *, required=False, **kwargs):  # noqa: N802
    """A string field; required text must not be empty."""
    length = validate.Length(min=1, max=max_length) if required else validate.Length(max=max_length)
    return fields.String(required=required, validate=length, **kwargs)


def Reference(**kwargs):  # noqa: N802
    """An external key: empty means none (stored as NULL), so it never collides with another empty one."""
    return NoneIfEmpty(validate=validate.Length(max=100), allow_none=True, **kwargs)


class NoneIfEmpty(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return value if value.strip() else None

    def _validate(self, value):
        if value is not None:
            super()._validate(value)


class Amount(fields.Decimal):
    """A JSON number (or numeric string) kept exact to 4 places, answered as a JSON number."""

    def __init__(self, *, minimum=0, maximum=Decimal("99999999999999"), **kwargs):
        super().__init__(
            allow_nan=False,
            allow_none=True,
            validate=[validate.Range(min=minimum, max=maximum), _four_places],
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


def _four_places(value: Decimal) -> None:
    if decimal_places(value) > -PLACES.as_tuple().exponent:
        raise ValidationError("At most 4 decimal places.")


def decimal_places(value: Decimal) -> int:
    """How many decimal places a finite ``value`` needs, read from its digits alone.

    No arithmetic, so no decimal context: ``normalize()`` overflowed on ``1e1000000`` (a 500) and rounded
    ``1e-1000030`` to 0, which then passed as having no places at all.
    """
    _sign, digits, exponent = value.as_tuple()
    zeros = len(digits) - len(bytes(digits).rstrip(b"\0"))  # trailing zeros of the coefficient
    if zeros == len(digits):
        return 0  # zero, whatever its exponent
    return max(0, -(exponent + zeros))


LOOKUPS = validate.Length(max=MAX_LOOKUPS, error="At most {max} entries.")


def IdList(**kwargs):  # noqa: N802
    return fields.List(Id(), allow_none=True, validate=LOOKUPS, **kwargs)


def TextList(max_length=100, **kwargs):  # noqa: N802
    return fields.List(Text(max_length), allow_none=True, validate=LOOKUPS, **kwargs)


# --- the shapes ----------------------------------------------------------------------------------------------


class ReadRequest(ApiSchema):
    page = Int(minimum=1, maximum=10**7, load_default=1, metadata={"description": "From 1"})
    limit = Int(minimum=1, maximum=MAX_LIMIT, load_default=100)


def ActiveFilter():  # noqa: N802
    return Bool(
        allow_none=True, metadata={"description": "true: active only; false: inactive only; absent or null: all"}
    )


class TargetsMixin:
    """Id lists naming the rows an update or delete acts on; at least one must name something."""

    TARGETS: tuple[str, ...] = ()

    @validates_schema
    def some_target(self, data, **_):
        if not any(data.get(name) for name in self.TARGETS):
            names = ", ".join(self.fields[name].data_key for name in self.TARGETS)
            raise ValidationError(f"Name at least one target in: {names}.", "_schema")


def optional_fields(schema_cls: type[Schema], name: str, *, exclude=()) -> type[Schema]:
    """``schema_cls`` with every field optional and no defaults: what ``updateFields`` may carry."""
    copies = {}
    for field_name, field in schema_cls._declared_fields.items():
        if field_name in exclude:
            continue
        field = copy.deepcopy(field)
        field.required = False
        field.load_default = core.missing
        copies[field_name] = field
    strict = type("Meta", (), {"unknown": RAISE})
    return type(name, (ApiSchema,), {**copies, "Meta": strict})


def one_of(*values: str):
    return validate.OneOf(values, error="Must be one of: {choices}.")


# --- dates ---------------------------------------------------------------------------------------------------


class Day(fields.Date):
    """A calendar day in /api (CONTRACT section 7): ISO ``YYYY-MM-DD``, and ``dd.MM.yyyy`` accepted too; answered
    as ISO. ``DayMonthYear`` answers ``dd.MM.yyyy`` instead (the purchase orders' own format)."""

    FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
    default_error_messages = {"invalid": "Not a date: use YYYY-MM-DD or dd.MM.yyyy."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        for pattern in self.FORMATS:
            try:
                return dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        raise self.make_error("invalid")


class DayMonthYear(Day):
    """A purchase order's date: ``dd.MM.yyyy`` in and out; anything else is a 400 that says the format."""

    FORMATS = ("%d.%m.%Y",)
    default_error_messages = {"invalid": "Not a date: use dd.MM.yyyy (for example 31.12.2026)."}

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%d.%m.%Y")
