"""Nationalities as people read them: country names in the user's language, stored as the
ISO 3166-1 alpha-3 code (CONTRACT.md). Hong Kong, Macao and Taiwan are regions of China,
named so (中国香港, 中国澳门, 中国台湾) and listed apart from foreign countries; the plan treats
their talent as it treats foreign talent (last line of 晋发〔2017〕47号). China itself is not
listed: the plan is for foreign talent."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _

from .identity import HK_MACAO_TAIWAN, NOT_FOREIGN

#: The regions' names, as Chinese official usage has them.
REGION_NAMES = {
    "zh": {"HKG": "中国香港", "MAC": "中国澳门", "TWN": "中国台湾"},
    "en": {"HKG": "Hong Kong, China", "MAC": "Macao, China", "TWN": "Taiwan, China"},
}
REGION_ORDER = ("HKG", "MAC", "TWN")


def _lang() -> str:
    return "en" if str(get_locale() or "zh").startswith("en") else "zh"


@cache
def _names(lang: str) -> dict[str, str]:
    """alpha-3 → the country's name in ``lang`` (CLDR's everyday names, from Babel; the ISO
    name where CLDR has none)."""
    territories = Locale(lang).territories
    names = {}
    for country in pycountry.countries:
        names[country.alpha_3] = territories.get(country.alpha_2) or getattr(
            country, "common_name", country.name
        )
    names.update(REGION_NAMES[lang])
    return names


def _sort_key(lang: str, name: str):
    # GB 2312 orders its common characters by pinyin: the order a Chinese reader looks for
    return name.encode("gb18030", errors="replace") if lang == "zh" else name.casefold()


def country_name(code: str | None) -> str:
    """The name of a stored nationality code (the code itself if it is not a country)."""
    if not code:
        return ""
    return _names(_lang()).get(code.upper(), code)


def nationality_choices(blank: str | None = None) -> list[tuple[str, str, str | None]]:
    """(code, name, group) for a select: the regions of China first, then the foreign
    countries by name."""
    lang = _lang()
    names = _names(lang)
    regions = _("Hong Kong, Macao and Taiwan (China)")
    foreign = _("Foreign countries")
    choices: list[tuple[str, str, str | None]] = [("", blank, None)] if blank is not None else []
    choices += [(code, names[code], regions) for code in REGION_ORDER]
    others = [code for code in names if code not in HK_MACAO_TAIWAN | NOT_FOREIGN]
    choices += [
        (code, names[code], foreign) for code in sorted(others, key=lambda c: _sort_key(lang, names[c]))
    ]
    return choices


def is_listed(code: str) -> bool:
    return code in _names("en") and code not in NOT_FOREIGN
