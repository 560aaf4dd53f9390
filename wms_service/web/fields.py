"""Request fields both faces read alike."""

from marshmallow import fields, validate

from ..db import MAX_ID


def Id(**kwargs) -> fields.Integer:  # noqa: N802  (a field, named like one)
    """A JSON integer naming a row: 1 to ``MAX_ID``, never a string or a float."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def is_id(value: int) -> bool:
    """Whether ``value`` is within the ids rows can have."""
    return 1 <= value <= MAX_ID
