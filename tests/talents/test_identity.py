"""When two records are the same person (一人一码, seed 003): pure rules."""

import pytest

from subsidy_app.talents.identity import is_iso_alpha3, normalize_name, normalize_passport


@pytest.mark.parametrize(
    "a, b",
    [
        ("Hans Müller", "hans muller"),
        ("Hans Müller", "MÜLLER, Hans"),
        ("Jean-Luc Picard", "jean luc picard"),
        ("  Ana   Maria  ", "ana maria"),
        ("Ｊｏｈｎ Ｓｍｉｔｈ", "john smith"),  # full-width letters
        ("陈大文", "陈大文"),
    ],
)
def test_same_name_spelled_differently(a, b):
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Hans Müller", "Hans Mueller2"),
        ("陈大文", "陈小文"),
        ("Ann Lee", "Anne Lee"),
    ],
)
def test_different_names(a, b):
    assert normalize_name(a) != normalize_name(b)


def test_passport_numbers_ignore_case_spaces_and_dashes():
    assert normalize_passport(" c01x-00 t47 ") == "C01X00T47"


@pytest.mark.parametrize(
    "code, ok",
    [
        ("DEU", True),
        ("usa", True),
        ("HKG", True),
        ("MAC", True),
        ("TWN", True),
        ("ZZZ", False),
        ("DE", False),
        ("GERM", False),
    ],
)
def test_nationality_is_iso_alpha3(code, ok):
    assert is_iso_alpha3(code) is ok
