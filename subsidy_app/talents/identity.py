"""Pure functions that decide when two records are the same person."""

from __future__ import annotations

import re
import unicodedata

import pycountry

#: Nationality codes refused: the plan is for foreign talent. Hong Kong, Macao and Taiwan
#: (HKG, MAC, TWN) are treated as foreign talent are (last line of 晋发〔2017〕47号).
NOT_FOREIGN = {"CHN"}
HK_MACAO_TAIWAN = {"HKG", "MAC", "TWN"}


def normalize_name(name: str) -> str:
    """A key under which spellings of one name meet.

    Case, accents, punctuation, spacing and the order of the parts do not matter:
    ``"MÜLLER, Hans"`` and ``"hans muller"`` give the same key. Chinese characters are kept.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    parts = re.split(r"[^\w]+|_", text)
    return " ".join(sorted(part for part in parts if part))


def normalize_passport(number: str) -> str:
    return re.sub(r"[\s-]+", "", number).upper()


def normalize_permit(number: str | None) -> str | None:
    """A work-permit number as issued: no spaces or dashes, capitals (None when empty)."""
    return re.sub(r"[\s-]+", "", number or "").upper() or None


def is_iso_alpha3(code: str) -> bool:
    return len(code) == 3 and pycountry.countries.get(alpha_3=code.upper()) is not None
