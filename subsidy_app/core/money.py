"""Money is ``Decimal`` yuan with two places, never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
# The largest amount the database column holds: Numeric(14, 2).
MAX_AMOUNT = Decimal("999999999999.99")


class MoneyError(ValueError):
    pass


def to_money(value) -> Decimal:
    """Convert an int, str or Decimal to yuan with exactly two places.

    Floats are refused: a binary fraction is not an amount of money.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"not an amount of money: {value!r}")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise MoneyError(f"not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(amount: Decimal | None) -> str | None:
    """The API form of an amount: a string with two decimals."""
    return None if amount is None else f"{to_money(amount):.2f}"
