"""GB 32100-2015 unified social credit codes, checked by their check character."""

import pytest

from subsidy_app.organizations import credit_code

# A code often cited as an example of the standard, and one of the demo codes.
VALID = ["91350100M000100Y43", "91140100100000001E"]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    assert credit_code.problem(code) is None


@pytest.mark.parametrize(
    "code, problem",
    [
        ("91350100M000100Y44", "check"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "characters"),  # I is not in the alphabet
        ("91350100M000100O43", "characters"),  # nor O
        ("91350100m000100y43", "characters"),  # lower case, before normalising
    ],
)
def test_invalid_codes(code, problem):
    assert credit_code.problem(code) == problem


def test_normalising_upper_cases_and_strips():
    assert credit_code.problem(credit_code.normalize(" 91350100m000100y43 ")) is None


def test_every_single_character_change_is_caught():
    code = VALID[0]
    for position in range(18):
        for replacement in credit_code.ALPHABET:
            if replacement != code[position]:
                altered = code[:position] + replacement + code[position + 1 :]
                assert credit_code.problem(altered) == "check", altered
