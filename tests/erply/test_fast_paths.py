"""The plain-Python fast paths answer exactly what the marshmallow schemas answer, or step aside."""

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from wms_service.erply import fast
from wms_service.erply.bin_inventory import RecordIn, RecordOut
from wms_service.erply.bins import BinSchema
from wms_service.stock.references import REFERENCE_TYPES

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**54), max_value=2**54),
    st.sampled_from([0, 1, 2**31, 2**53]),
    st.floats(allow_nan=False),
    st.text(max_size=45),
    st.sampled_from(REFERENCE_TYPES),
    st.lists(st.integers(), max_size=2),
)
keys = st.sampled_from(sorted(fast.RECORD_KEYS) + ["id", "binid", "extra"])
good = st.fixed_dictionaries(
    {
        "binId": st.integers(1, 2**53),
        "productId": st.integers(1, 2**53),
        "batchId": st.integers(1, 2**53),
        "amount": st.integers(-(2**31), 2**31 - 1).filter(bool),
    },
    optional={
        "recordType": st.one_of(st.none(), st.text(max_size=41)),
        "documentRowId": st.one_of(st.none(), st.integers(-1, 2**53 + 1)),
        "referenceType": st.sampled_from(REFERENCE_TYPES),
        "referenceId": st.integers(0, 2**53),
    },
)
items = st.one_of(good, st.dictionaries(keys, values, max_size=8), values)


@settings(max_examples=400, derandomize=True)
@given(st.lists(items, min_size=1, max_size=4))
def test_record_loader_agrees_with_the_schema(body):
    loaded = RecordIn.fast_load(body)
    if loaded is None:
        return  # stepped aside: the schema decides
    assert loaded == RecordIn(many=True).load(body)


@settings(max_examples=200, derandomize=True)
@given(good)
def test_well_formed_records_take_the_fast_path(item):
    try:
        expected = RecordIn().load(item)
    except ValidationError:
        return
    if item.get("recordType") is None or item["recordType"].isascii():
        assert RecordIn.fast_load([item]) == [expected]


def test_loader_steps_aside_when_the_schema_changes():
    from marshmallow import fields

    class Wider(RecordIn):
        note = fields.String()

    assert fast.record_loader(Wider, REFERENCE_TYPES)([{"binId": 1, "productId": 1, "batchId": 1, "amount": 1}]) is None


def _attr(field):
    kind = fast._PLAIN.get(type(field), str)
    plain = {int: st.integers(-5, 2**40), str: st.text(max_size=5), bool: st.booleans()}[kind]
    # Now and then a value of another type (True for an integer, 5 for a string) that marshmallow converts.
    return st.one_of(st.none(), plain, st.sampled_from([True, 7, "7"]))


record_attrs = st.fixed_dictionaries({name: _attr(field) for name, field in RecordOut().dump_fields.items()})


def _outcome(dump, objs):
    try:
        return dump(objs)
    except (TypeError, ValueError) as exc:
        return type(exc)


@settings(max_examples=300, derandomize=True)
@given(st.lists(record_attrs, max_size=4))
def test_dump_many_agrees_with_the_schema(rows):
    objs = [SimpleNamespace(**row) for row in rows]
    assert _outcome(lambda o: fast.dump_many(RecordOut, o), objs) == _outcome(RecordOut(many=True).dump, objs)
    assert _outcome(lambda o: fast.dump_many(RecordOut, o), rows) == _outcome(RecordOut(many=True).dump, rows)


@settings(max_examples=300, derandomize=True)
@given(st.lists(record_attrs, max_size=4))
def test_dump_many_of_posted_rows_agrees_with_the_schema(rows):
    """ledger.PostedList hands over its rows as a table; the answer is what marshmallow makes of the objects."""
    from wms_service.stock.ledger import COLUMNS, PostedList

    filled = [{**dict.fromkeys(COLUMNS), **{k: v for k, v in row.items() if k in COLUMNS}} for row in rows]
    posted = PostedList([tuple(row[c] for c in COLUMNS) for row in filled])
    objs = [SimpleNamespace(**row) for row in filled]
    assert _outcome(lambda o: fast.dump_many(RecordOut, o), posted) == _outcome(RecordOut(many=True).dump, objs)


def test_dump_many_leaves_out_what_an_object_lacks_like_marshmallow():
    objs = [SimpleNamespace(id=3, amount=5)]
    assert fast.dump_many(RecordOut, objs) == RecordOut(many=True).dump(objs) == [{"id": 3, "amount": 5}]


def test_dump_many_of_other_schemas_matches(api):
    created = [api.bin() for _ in range(2)]
    from wms_service.db import new_session
    from wms_service.stock.models import Bin

    session = new_session(api.client.application)
    try:
        objs = [session.get(Bin, b["id"]) for b in created]
        assert fast.dump_many(BinSchema, objs) == BinSchema(many=True).dump(objs) == created
    finally:
        session.close()


def test_dump_many_leaves_fields_with_a_dump_default_to_marshmallow():
    from marshmallow import Schema, fields

    class Defaulted(Schema):
        id = fields.Integer()
        kind = fields.String(dump_default="plain")

    objs = [SimpleNamespace(id=1)]
    assert fast.dump_many(Defaulted, objs) == Defaulted(many=True).dump(objs) == [{"id": 1, "kind": "plain"}]
