"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):
registration authority (1), organisation type (1), administrative division (6),
organisation code (9, with its own GB 11714 check character) and a check character
computed over the first 17 with weights 3^i mod 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def normalize(code: str) -> str:
    return code.strip().upper()


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * weight for ch, weight in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """``None`` if ``code`` is a valid credit code, else the kind of problem:
    ``"length"``, ``"characters"`` or ``"check"``."""
    if len(code) != 18:
        return "length"
    if any(ch not in _VALUE for ch in code):
        return "characters"
    if check_character(code[:17]) != code[17]:
        return "check"
    return None


def complete(first17: str) -> str:
    """Append the check character (for fixtures and demo data)."""
    return first17 + check_character(first17)
