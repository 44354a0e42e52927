"""What every request meets before a view reads it: hostile input is refused early.

* JSON bodies nested deeper than :data:`MAX_JSON_DEPTH` are refused (400) before anything
  parses them recursively (Python's parser, webargs and marshmallow all recurse).
* ``<int:…>`` in every URL (API and HTML) matches only ids a 32-bit integer column can hold:
  a larger number is simply not found (404), never sent to the database; ``<string:…>``
  matches no control character.
* JSON answers are always valid UTF-8: a lone surrogate that would reach an answer (a field
  name in an error, say) is written as an escape instead of failing the response.

The rest of the hostile input is refused by the shared fields of ``core.schemas`` (ids,
years, dates, text) and, as a last resort, by ``core.errors`` (database range errors → 422,
concurrency conflicts → 409).
"""

from __future__ import annotations

import re
from datetime import date
from itertools import accumulate

from flask import request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, UnicodeConverter

from .errors import Malformed

#: The largest value of the integer columns (ids, years): PostgreSQL's ``integer``.
INT32_MAX = 2**31 - 1
#: Dates the system stores and computes with: from 1900 (nothing in the plan is older) to
#: the last day whose next day Python can still represent (periods end at ``to`` + 1 day).
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(9999, 12, 30)

#: No request body of this API nests objects and lists more than a few levels deep.
MAX_JSON_DEPTH = 64

# A JSON string (its closing quote optional, so that the pattern never backtracks).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest, without parsing it (linear
    time, no recursion; brackets inside strings do not count)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(0, max(accumulate(map(_DEPTH_STEP.__getitem__, brackets))))


def refuse_deep_json():
    """``before_request``: a JSON body nested too deep is malformed (400)."""
    if not request.is_json:
        return None
    body = request.get_data(cache=True)
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return None  # cannot be too deep (nearly every request)
    if json_depth(body) > MAX_JSON_DEPTH:
        raise Malformed(_("The request body nests deeper than %(n)d levels.", n=MAX_JSON_DEPTH))
    return None


class Int32Converter(IntegerConverter):
    """``<int:…>``: 0 … 2³¹−1, the range of the id and year columns. A larger number does
    not match the route (404), as an id that does not exist."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)


class PrintableConverter(UnicodeConverter):
    """``<string:…>`` (and the default): no control characters (PostgreSQL refuses NUL), so
    a code containing one does not match (404), as a code that does not exist."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)


# Query-string values of HTML pages: ``request.args.get(name, type=id_arg)``; a value out of
# range is a ValueError, which werkzeug answers with the default (as for any bad value).


def id_arg(text: str) -> int:
    value = int(text)
    if not 1 <= value <= INT32_MAX:
        raise ValueError(text)
    return value


def year_arg(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 9999:
        raise ValueError(text)
    return value


def date_arg(text: str) -> date:
    value = date.fromisoformat(text.strip())
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(text)
    return value


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what would otherwise raise deep inside a request."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # a ValueError is what request.get_json() turns into 400 (or None if silent)
            raise ValueError("JSON nested too deep") from None

    def dumps(self, obj, **kwargs):
        text = super().dumps(obj, **kwargs)
        if _SURROGATE.search(text):  # not encodable as UTF-8: escape it
            text = super().dumps(obj, **{**kwargs, "ensure_ascii": True})
        return text


def init_app(app) -> None:
    """Before the blueprints are registered (their rules take the ``int`` converter) and
    before the other ``before_request`` hooks (the login limiter reads the body)."""
    app.url_map.converters["int"] = Int32Converter
    app.url_map.converters["string"] = app.url_map.converters["default"] = PrintableConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_deep_json)
