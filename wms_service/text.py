"""Input rules both API faces share: camelCase JSON names and text a database column can store."""
from marshmallow import ValidationError


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
