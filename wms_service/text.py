"""Input rules both API faces share: camelCase JSON names, text a database column can store, strict booleans."""

from marshmallow import ValidationError, fields


def camel(name: str) -> str:
    """``bin_inventory_id`` -> ``binInventoryId``."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def storable_text(value: str) -> None:
    """Reject what no column can hold: PostgreSQL refuses NUL, and lone surrogates are not UTF-8."""
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError("Must be valid Unicode text.") from exc


def require_storable(field_obj) -> None:
    """Give a string field (or a list's string items) the storable-text check, once."""
    for field in (field_obj, getattr(field_obj, "inner", None)):
        if isinstance(field, fields.String) and storable_text not in field.validators:
            field.validators.append(storable_text)


class Bool(fields.Boolean):
    """A JSON boolean and nothing else: 1, "true" or "yes" are not booleans in a body."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)
