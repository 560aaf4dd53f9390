"""Hostile decimals in every Planograma decimal field (issue 13): a clear 400, never a 500, and never rounded to 0."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms_service.planograma.products import AddProductApiRequest
from wms_service.planograma.requests import Amount, decimal_places

DECIMAL_FIELDS = sorted(field.data_key for field in AddProductApiRequest().fields.values() if isinstance(field, Amount))
RANGE = "Must be greater than or equal to 0 and less than or equal to {maximum}."
PLACES = "At most 4 decimal places."


def test_the_decimal_fields_are_all_covered():
    assert DECIMAL_FIELDS == [
        "diameter",
        "height",
        "length",
        "purchasePrice",
        "sellingPrice",
        "vatPercentage",
        "volume",
        "weight",
        "width",
    ]


def _maximum(field):
    return 100 if field == "vatPercentage" else 99999999999999


@pytest.mark.parametrize("field", DECIMAL_FIELDS)
@pytest.mark.parametrize("value", ["1e1000000", "-1e1000000", "1E+999999999"])
def test_an_exponent_beyond_the_decimal_context_is_out_of_range(pg, field, value):
    before = pg.product(code="KEEP")
    message = f"{field}: " + RANGE.format(maximum=_maximum(field))
    got = pg.fail("put", "/api/product/add", {"name": "A", "code": "A", field: value}, status=400)
    assert got == "The request is invalid: " + message
    got = pg.fail(
        "post", "/api/product/update", {"productModels": ["KEEP"], "updateFields": {field: value}}, status=400
    )
    assert got == "The request is invalid: updateFields." + message
    assert pg.products() == [before]


@pytest.mark.parametrize("field", DECIMAL_FIELDS)
@pytest.mark.parametrize("value", ["1e-1000030", "1E-999999999", "0.00001", "1.00000000000000000000000000000001"])
def test_a_tiny_fraction_is_refused_not_rounded_to_zero(pg, field, value):
    before = pg.product(code="KEEP")
    got = pg.fail("put", "/api/product/add", {"name": "A", "code": "A", field: value}, status=400)
    assert got == f"The request is invalid: {field}: {PLACES}"
    got = pg.fail(
        "post", "/api/product/update", {"productModels": ["KEEP"], "updateFields": {field: value}}, status=400
    )
    assert got == f"The request is invalid: updateFields.{field}: {PLACES}"
    assert pg.products() == [before]


@pytest.mark.parametrize(
    "value, stored", [("0E-1000030", 0), ("12.3400000000", 12.34), ("5E+1", 50), ("100e-6", 0.0001), (0.5, 0.5)]
)
def test_exact_values_in_any_notation_are_kept(pg, value, stored):
    assert pg.product(sellingPrice=value)["sellingPrice"] == stored


@given(
    st.decimals(allow_nan=False, allow_infinity=False)
    | st.builds(Decimal, st.from_regex(r"\A-?[0-9]{1,30}(\.[0-9]{0,30})?[eE][-+]?[0-9]{1,12}\Z"))
)
def test_decimal_places_matches_exact_arithmetic(value):
    """The digit-only count against exact integer arithmetic: value * 10**places is whole, with fewer it is not."""
    places = decimal_places(value)
    sign, digits, exponent = value.as_tuple()
    coefficient = int("".join(map(str, digits)) or "0")
    if coefficient == 0:
        assert places == 0
        return
    # value = coefficient * 10**exponent; it needs p places iff coefficient * 10**(exponent + p) is whole.
    assert places >= 0 and exponent + places + len(digits) >= 0

    def whole(p):
        shift = exponent + p
        return shift >= 0 or coefficient % 10**-shift == 0

    assert whole(places)
    assert places == 0 or not whole(places - 1)


@given(st.from_regex(r"\A-?[0-9]{1,5}(\.[0-9]{0,6})?[eE][-+]?[0-9]{5,10}\Z"))
def test_amount_never_raises_anything_but_a_validation_error(text):
    from marshmallow import Schema, ValidationError

    schema = type("S", (Schema,), {"a": Amount()})()
    try:
        loaded = schema.load({"a": text})["a"]
    except ValidationError:
        return
    assert 0 <= loaded <= 99999999999999 and decimal_places(loaded) <= 4
