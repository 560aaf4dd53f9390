"""Fast paths for big bodies: lists of up to 1000 records in, lists of created objects out.

marshmallow spends about 40 µs per record each way, which was a third of posting a list of 1000 records
(bench/README.md, "Fixes"). These functions handle the common case, well-formed input and plain output, in
plain Python and step aside (return None, or call marshmallow) for anything else, so every error message and
edge case is still the schema's. tests/erply/test_fast_paths.py checks on generated input that they answer exactly
what the schema answers.
"""

from marshmallow import fields, missing

from ..db import MAX_ID
from ..text import Bool

_MISSING = object()
# Bool only tightens loading; it dumps a value unchanged like Boolean.
_PLAIN = {fields.Integer: int, fields.String: str, fields.Boolean: bool, Bool: bool}
_dumpers: dict[type, object] = {}


def dump_many(schema_cls, objs) -> list:
    """``schema_cls(many=True).dump(objs)``, without marshmallow when the schema only has plain fields."""
    if schema_cls not in _dumpers:
        _dumpers[schema_cls] = _plain_fields(schema_cls)
    plain = _dumpers[schema_cls]
    table = getattr(objs, "as_table", None)  # objects that can hand over their values as rows (ledger.PostedList)
    if plain is not None and table is not None:
        dumped = _dump_table(plain, *table())
        if dumped is not None:
            return dumped
    if plain is not None:
        out = []
        for obj in objs:
            row = _dump_plain(plain, obj)
            if row is None:
                break
            out.append(row)
        else:
            return out
    return schema_cls(many=True).dump(objs)


def _plain_fields(schema_cls):
    """[(json key, attribute, python type)] if every dumped field passes its value through unchanged."""
    schema = schema_cls()
    if any(hooks for tag, hooks in schema._hooks.items() if "dump" in tag):  # pre_dump, post_dump change output
        return None
    plain = []
    for name, field in schema.dump_fields.items():
        kind = _PLAIN.get(type(field))
        if kind is None or getattr(field, "as_string", False) or field.dump_default is not missing:
            return None  # converted, or filled in when absent: marshmallow's business
        plain.append((field.data_key or name, field.attribute or name, kind))
    return plain


def _dump_table(plain, columns, rows):
    """Rows of ``columns`` dumped like their objects would be, or None to take the objects one by one."""
    where = {name: i for i, name in enumerate(columns)}
    if any(attr not in where for _key, attr, _kind in plain):
        return None
    picks = [(key, where[attr], kind) for key, attr, kind in plain]
    out = []
    for row in rows:
        item = {}
        for key, i, kind in picks:
            value = row[i]
            if value is not None and type(value) is not kind:
                return None  # a value marshmallow would convert: let it
            item[key] = value
        out.append(item)
    return out


def _dump_plain(plain, obj):
    row = {}
    # Loaded ORM attributes live in the instance __dict__; reading them there skips the descriptor per field.
    loaded = obj if isinstance(obj, dict) else getattr(obj, "__dict__", {})
    for key, attr, kind in plain:
        value = loaded.get(attr, _MISSING)
        if value is _MISSING and not isinstance(obj, dict):
            value = getattr(obj, attr, _MISSING)
        if value is _MISSING:
            continue  # marshmallow leaves out what the object does not have
        if value is not None and type(value) is not kind:
            return None  # a value marshmallow would convert: let it
        row[key] = value
    return row


# --- records in --------------------------------------------------------------------------------------------------

_IDS = (("binId", "bin_id"), ("productId", "product_id"), ("batchId", "batch_id"))
_REFS = (
    ("referenceId", "reference_id"),
    ("prodAmortTypeId", "prod_amort_type_id"),
    ("documentRowId", "document_row_id"),
    ("orgperIdDat", "orgper_id_dat"),
)
RECORD_KEYS = frozenset([k for k, _ in _IDS + _REFS] + ["amount", "referenceType", "recordType"])


def record_loader(schema_cls, reference_types):
    """A loader for lists of well-formed records that answers what ``schema_cls`` would, or None to defer to it.

    Disabled (always None) if the schema's fields are no longer the ones this function knows.
    """
    if {f.data_key or n for n, f in schema_cls().load_fields.items()} != RECORD_KEYS:
        return lambda items: None
    reference_types = frozenset(reference_types)

    def load(items):
        out = []
        for item in items:
            row = _record(item, reference_types)
            if row is None:
                return None
            out.append(row)
        return out

    return load


def _record(item, reference_types):
    if type(item) is not dict or not item.keys() <= RECORD_KEYS:
        return None
    row = {}
    for key, attr in _IDS:
        value = item.get(key)
        if type(value) is not int or not 1 <= value <= MAX_ID:
            return None
        row[attr] = value
    amount = item.get("amount")
    if type(amount) is not int or amount == 0 or not -(2**31) <= amount <= 2**31 - 1:
        return None
    row["amount"] = amount
    for key, attr in _REFS:
        if key in item:
            value = item[key]
            if value is not None and (type(value) is not int or not 0 <= value <= MAX_ID):
                return None
            row[attr] = value
    if "referenceType" in item:
        value = item["referenceType"]
        if value is not None and (type(value) is not str or value not in reference_types):
            return None
        row["reference_type"] = value
    if "recordType" in item:
        value = item["recordType"]
        if value is not None and (type(value) is not str or len(value) > 40 or not value.isascii() or "\x00" in value):
            return None
        row["record_type"] = value
    if (row.get("reference_type") is None) != (row.get("reference_id") is None):
        return None
    return row
