"""Base schema and fields for the JSON API."""
from __future__ import annotations

import re
from decimal import Decimal

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from .money import MAX_AMOUNT, MoneyError, money_str, to_money


#: NUL and other control characters (tab and line breaks are fine); PostgreSQL refuses NUL.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BaseSchema(ma.Schema):
    """Unknown fields are refused (422), never silently ignored."""

    class Meta:
        unknown = ma.RAISE


class Text(fields.String):
    """A string, stripped, with a maximum length (every string has one)."""

    def __init__(self, max_length: int = 200, *, min_length: int | None = None, **kwargs):
        given = kwargs.pop("validate", None)
        validators = list(given) if isinstance(given, (list, tuple)) else [given] if given else []
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL_CHARS.search(result):
            raise ma.ValidationError(_("Contains control characters that are not allowed."))
        return result.strip()


class RequiredText(Text):
    def __init__(self, max_length: int = 200, **kwargs):
        super().__init__(max_length, min_length=1, required=True, **kwargs)


class Money(fields.Field):
    """An amount of yuan: a string with at most two decimals (``"100000.00"``).

    JSON numbers are accepted too, read through their decimal text, never as binary floats.
    """

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = False, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return money_str(value)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise ma.ValidationError(_("Not a valid amount."))
        text = repr(value) if isinstance(value, float) else str(value).strip()
        try:
            amount = Decimal(text)
        except ArithmeticError:
            raise ma.ValidationError(_("Not a valid amount.")) from None
        if not amount.is_finite():
            raise ma.ValidationError(_("Not a valid amount."))
        if abs(amount) > MAX_AMOUNT:
            raise ma.ValidationError(_("The amount is too large."))
        if amount != amount.quantize(Decimal("0.01")):
            raise ma.ValidationError(_("An amount has at most two decimal places."))
        if amount < 0 and not self.allow_negative:
            raise ma.ValidationError(_("The amount must be positive."))
        if amount == 0 and not self.allow_zero:
            raise ma.ValidationError(_("The amount must not be zero."))
        try:
            return to_money(amount)
        except MoneyError:
            raise ma.ValidationError(_("Not a valid amount.")) from None


class EnumValue(fields.String):
    """A string restricted to the values of an enum, documented as such."""

    def __init__(self, enum_cls, **kwargs):
        self.enum_cls = enum_cls
        choices = [member.value for member in enum_cls]
        metadata = {"enum": choices, **kwargs.pop("metadata", {})}
        super().__init__(validate=validate.OneOf(choices), metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else getattr(value, "value", value)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        # OneOf validates after deserialisation; convert only known values.
        return self.enum_cls(text) if text in self.enum_cls._value2member_map_ else text
