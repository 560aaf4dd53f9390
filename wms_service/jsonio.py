"""JSON in and out: orjson where it gives the standard library's answer, the standard library everywhere else.

A list of 1000 records is 110-250 KB of JSON in and 360-400 KB out: the standard library writes such an
answer in 2.6 ms, orjson in 0.2 ms, and reads the body in 0.6-1.7 ms where orjson takes 0.5-0.6 ms
(bench/README.md, "Fixes"). orjson is stricter than ``json``: it
refuses lone surrogates, NaN and Infinity, non-UTF-8 bytes and very deep nesting, and reads integers beyond
64 bits as floats (so numbers of 19 digits or more never reach it).
Whatever it refuses goes to the standard library, which then decides exactly as it did before orjson was here
(the same values, the same errors), so orjson only ever answers for input both read alike
(tests/test_jsonio.py).
"""

import json

import orjson
from flask.json.provider import DefaultJSONProvider

# Dates and datetimes keep Flask's own format (its default handler): orjson would write ISO 8601 instead.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


_DIGITS_TO_NINE = bytes.maketrans(b"0123456789", b"9" * 10)
_LONG_NUMBER = b"9" * 19


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def loads(raw: bytes | str):
    """Strict JSON: NaN and Infinity are refused (ValueError); nesting too deep is malformed, not a crash."""
    # orjson reads integers beyond 64 bits as floats, silently: any run of 19 digits goes to the standard library.
    # (Found by translating every digit to 9: a C pass over the body, where a regular expression took longer
    # than the parse.)
    encoded = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    if _LONG_NUMBER not in encoded.translate(_DIGITS_TO_NINE):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson writing compact responses; keys stay in the order they were built."""

    sort_keys = False

    def response(self, *args, **kwargs):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented, for people reading it
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except (TypeError, orjson.JSONEncodeError):
            return super().response(*args, **kwargs)  # big integers, surrogates: the standard library's answer
        return self._app.response_class(body, mimetype=self.mimetype)
