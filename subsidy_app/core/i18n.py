"""Language selection and translation of library messages.

Chinese is the default; English is chosen by the language switch (kept in the session),
by ``?lang=`` or by the browser's ``Accept-Language``. Messages that come from
marshmallow are English strings with values already filled in; they are matched here and
translated, so that field errors reach the user in their language.
"""

from __future__ import annotations

import os
import re

from flask import current_app, has_request_context, request, session
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from .money import to_money


def available_languages() -> list[str]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    languages = available_languages()
    if has_request_context():
        asked = request.args.get("lang")
        if asked in languages:
            return asked
        chosen = session.get("lang")
        if chosen in languages:
            return chosen
        matched = request.accept_languages.best_match(languages)
        if matched:
            return matched
    env_lang = os.environ.get("SUBSIDY_LANG")
    if env_lang in languages:
        return env_lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_money(amount) -> str:
    """Amounts for people: thousands separators and two decimals (100,000.00)."""
    if amount is None:
        return ""
    return format_decimal(to_money(amount), format="#,##0.00")


# marshmallow's default messages, as patterns, with the translatable template for each.
_NUMBER = r"(?P<%s>-?[0-9.,:\- ]+?)"
_VALIDATION_MESSAGES: list[tuple[re.Pattern, object]] = [
    (re.compile(p), t)
    for p, t in [
        (r"Missing data for required field\.", _l("Missing data for required field.")),
        (r"Field may not be null\.", _l("Field may not be null.")),
        (r"Invalid value\.", _l("Invalid value.")),
        (r"Invalid type\.", _l("Invalid type.")),
        (r"Invalid input type\.", _l("Invalid input type.")),
        (r"Unknown field\.", _l("Unknown field.")),
        (r"Invalid JSON body\.", _l("Invalid JSON body.")),
        (r"Not a valid list\.", _l("Not a valid list.")),
        (r"Not a valid string\.", _l("Not a valid string.")),
        (r"Not a valid utf-8 string\.", _l("Not a valid string.")),
        (r"Not a valid number\.", _l("Not a valid number.")),
        (r"Number too large\.", _l("Number too large.")),
        (r"Not a valid integer\.", _l("Not a valid integer.")),
        (
            r"Special numeric values \(nan or infinity\) are not permitted\.",
            _l("Special numeric values (nan or infinity) are not permitted."),
        ),
        (r"Not a valid boolean\.", _l("Not a valid boolean.")),
        (r"Not a valid date\.", _l("Not a valid date (use YYYY-MM-DD).")),
        (r"Not a valid datetime\.", _l("Not a valid date and time.")),
        (r"Not a valid mapping type\.", _l("Not a valid object.")),
        (r"Not a valid email address\.", _l("Not a valid email address.")),
        (r"String does not match expected pattern\.", _l("Does not match the expected format.")),
        (r"Must be one of: (?P<choices>.*)\.", _l("Must be one of: %(choices)s.")),
        (
            r"Must be greater than or equal to %s and less than or equal to %s\."  # noqa: UP031
            % (_NUMBER % "min", _NUMBER % "max"),  # (a pattern of marshmallow's own %-message)
            _l("Must be between %(min)s and %(max)s."),
        ),
        (
            r"Must be greater than or equal to %s\." % (_NUMBER % "min"),
            _l("Must be greater than or equal to %(min)s."),
        ),
        (r"Must be greater than %s\." % (_NUMBER % "min"), _l("Must be greater than %(min)s.")),
        (
            r"Must be less than or equal to %s\." % (_NUMBER % "max"),
            _l("Must be less than or equal to %(max)s."),
        ),
        (r"Must be less than %s\." % (_NUMBER % "max"), _l("Must be less than %(max)s.")),
        (r"Shorter than minimum length (?P<min>\d+)\.", _l("Shorter than minimum length %(min)s.")),
        (r"Longer than maximum length (?P<max>\d+)\.", _l("Longer than maximum length %(max)s.")),
        (
            r"Length must be between (?P<min>\d+) and (?P<max>\d+)\.",
            _l("Length must be between %(min)s and %(max)s."),
        ),
        (r"Length must be (?P<equal>\d+)\.", _l("Length must be %(equal)s.")),
    ]
]


def translate_validation_message(message: str) -> str:
    """Translate one of marshmallow's default messages; any other message is returned as is
    (the project's own messages are translated where they are raised)."""
    for pattern, template in _VALIDATION_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return str(template) % match.groupdict() if match.groupdict() else str(template)
    return message
