"""Base schema and fields for the JSON API."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from .money import MAX_AMOUNT, MoneyError, money_str, to_money
from .requests import INT32_MAX, MAX_DATE, MIN_DATE

#: NUL and other control characters (tab and line breaks are fine); PostgreSQL refuses NUL.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Lone surrogates: a JSON text may escape them ("\ud800"), but they are no Unicode
#: character, and neither the database drivers nor UTF-8 can write them.
_SURROGATES = re.compile("[\ud800-\udfff]")


def _invalid_unicode() -> str:
    return _("Not valid Unicode text (it contains a lone surrogate).")


def _unicode_errors(value) -> dict | list | None:
    """Messages for every string (key or value) of a parsed JSON value that is not valid
    Unicode, keyed like marshmallow's own messages; None when there is none."""
    if isinstance(value, str):
        return [_invalid_unicode()] if _SURROGATES.search(value) else None
    errors: dict
    if isinstance(value, Mapping):
        errors = {}
        for key, item in value.items():
            if isinstance(key, str) and _SURROGATES.search(key):
                # the key itself cannot be written back: name it with escapes
                errors[key.encode("utf-8", "backslashreplace").decode("utf-8")] = [_invalid_unicode()]
            elif (found := _unicode_errors(item)) is not None:
                errors[key] = found
        return errors or None
    if isinstance(value, (list, tuple)):
        errors = {i: found for i, item in enumerate(value) if (found := _unicode_errors(item)) is not None}
        return errors or None
    return None


def _validators(given) -> list:
    return list(given) if isinstance(given, (list, tuple)) else [given] if given else []


class BaseSchema(ma.Schema):
    """Unknown fields are refused (422), never silently ignored; so is any string, key or
    value, that is not valid Unicode (422 on its field)."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_invalid_unicode(self, data, **kwargs):
        errors = _unicode_errors(data)
        if errors:
            raise ma.ValidationError(errors if isinstance(errors, dict) else {"_schema": errors})
        return data


class Text(fields.String):
    """A string, stripped, with a maximum length (every string has one)."""

    def __init__(self, max_length: int = 200, *, min_length: int | None = None, **kwargs):
        validators = _validators(kwargs.pop("validate", None))
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if _SURROGATES.search(result):
            raise ma.ValidationError(_invalid_unicode())
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


class Id(fields.Integer):
    """The id of a row (a 32-bit integer column): 1 … 2³¹−1. A number beyond is refused
    (422 on the field), never sent to the database."""

    def __init__(self, **kwargs):
        validators = _validators(kwargs.pop("validate", None))
        validators.insert(0, validate.Range(min=1, max=INT32_MAX))
        super().__init__(validate=validators, **kwargs)


class Year(fields.Integer):
    """A calendar year, by default any a date can have (1 … 9999); fields that store a year
    narrow it (``Year(min=2000, max=2100)``)."""

    def __init__(self, *, min: int = 1, max: int = 9999, **kwargs):
        validators = _validators(kwargs.pop("validate", None))
        validators.insert(0, validate.Range(min=min, max=max))
        super().__init__(validate=validators, **kwargs)


class Date(fields.Date):
    """An ISO date from 1900-01-01 to 9999-12-30: the day after it must exist too (periods
    are ``[from, to + 1 day)``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_DATE <= result <= MAX_DATE:
            raise ma.ValidationError(
                _(
                    "The date must be between %(min)s and %(max)s.",
                    min=MIN_DATE.isoformat(),
                    max=MAX_DATE.isoformat(),
                )
            )
        return result
