"""jsonio answers what the standard library answers: the same values read, the same errors, the same JSON out."""

import datetime
import json
from decimal import Decimal

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from wms_service import jsonio


def standard(raw):
    """What the service did before orjson: the standard library, NaN and Infinity refused, depth a ValueError."""

    def refuse(name):
        raise ValueError(name)

    try:
        return json.loads(raw, parse_constant=refuse)
    except RecursionError as exc:
        raise ValueError("deep") from exc


def outcome(read, raw):
    try:
        value = read(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
        return "refused"
    return ("value", json.dumps(value, sort_keys=True))  # compares -0.0, 1 and 1.0, and key order, exactly


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, derandomize=True)
@given(json_values, st.booleans(), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_generated_documents_read_alike(value, ascii_only, encoding):
    raw = json.dumps(value, ensure_ascii=ascii_only).encode(encoding)
    assert outcome(jsonio.loads, raw) == outcome(standard, raw)


ODD = [
    b"NaN",
    b"[Infinity]",
    b"-Infinity",
    b'{"a": 1e400}',
    b"18446744073709551616",
    b"-9223372036854775809",
    b'"\\ud800"',
    b'"\\udc00x"',
    b'"\\ud83d\\ude00"',
    b"-0",
    b"-0.0",
    b"1.0",
    b"1E2",
    b"[1,2",
    b"\xff",
    b"",
    b"  ",
    b'{"a":1,"a":2}',
    b'"\\u0000"',
    b"[" * 5000 + b"]" * 5000,
    b"[" * 100_000,
    b"\xef\xbb\xbf{}",
    b"01",
    b"[1,]",
    b'{"a" 1}',
    b"true false",
    "€".encode(),
    json.dumps({"x": "é"}).encode("utf-16"),
    b'"\t"',
]


@pytest.mark.parametrize("raw", ODD, ids=range(len(ODD)))
def test_odd_documents_read_alike(raw):
    assert outcome(jsonio.loads, raw) == outcome(standard, raw)


@pytest.fixture
def provider():
    app = Flask(__name__)
    app.json = jsonio.JSONProvider(app)
    with app.app_context():
        yield app.json


@pytest.mark.parametrize(
    "body",
    [
        {"b": 1, "a": [1.5, None, True, "é \u2028 \x00"]},
        [2**53, -(2**63)],
        {"big": 2**70},  # beyond orjson: the standard library writes it
        {"when": datetime.date(2026, 11, 23), "at": datetime.datetime(2026, 11, 23, 6, 0, 0)},
        {"price": Decimal("1.10")},
        {3: "non-string key"},
    ],
)
def test_responses_say_what_the_standard_library_says(provider, body):
    response = provider.response(body)
    assert response.mimetype == "application/json"
    expected = json.loads(json.dumps(body, default=provider.default))
    assert json.loads(response.get_data()) == expected
    assert response.get_data().endswith(b"\n")


def test_keys_keep_their_order(provider):
    assert list(json.loads(provider.response({"z": 1, "a": 2}).get_data())) == ["z", "a"]
