"""Money is Decimal yuan with two places; the API takes and gives strings."""

from decimal import Decimal

import marshmallow as ma
import pytest

from subsidy_app.core.money import MoneyError, money_str, to_money
from subsidy_app.core.schemas import Money


@pytest.mark.parametrize(
    "value, expected",
    [
        (100000, Decimal("100000.00")),
        ("100000", Decimal("100000.00")),
        ("0.1", Decimal("0.10")),
        (Decimal("12.345"), Decimal("12.35")),  # half up
        (Decimal("12.344"), Decimal("12.34")),
    ],
)
def test_to_money_quantizes_to_cents(value, expected):
    amount = to_money(value)
    assert amount == expected
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [0.1, True, "abc", "NaN", "Infinity", None, []])
def test_to_money_refuses_floats_and_non_numbers(value):
    with pytest.raises(MoneyError):
        to_money(value)


def test_money_str_has_two_decimals():
    assert money_str(Decimal("5")) == "5.00"
    assert money_str(None) is None


class _AmountSchema(ma.Schema):
    amount = Money(required=True)


@pytest.mark.parametrize(
    "given, expected",
    [
        ("100000.00", Decimal("100000.00")),
        ("99.5", Decimal("99.50")),
        (250, Decimal("250.00")),
        (0.1, Decimal("0.10")),  # a JSON number is read through its decimal text
    ],
)
def test_money_field_accepts(app_ctx, given, expected):
    assert _AmountSchema().load({"amount": given})["amount"] == expected


@pytest.mark.parametrize(
    "given",
    [
        "-1.00",
        "0",
        "0.00",
        "1.001",
        "1e3000",
        "NaN",
        "Infinity",
        "abc",
        "",
        True,
        [],
        {},
        "1000000000000.00",  # beyond Numeric(14, 2)
    ],
)
def test_money_field_refuses(app_ctx, given):
    with pytest.raises(ma.ValidationError):
        _AmountSchema().load({"amount": given})


def test_money_field_serializes_as_string(app_ctx):
    assert _AmountSchema().dump({"amount": Decimal("100000")}) == {"amount": "100000.00"}
