"""What a claim pays by amount rule (pure, Decimal)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from subsidy_app.claims.amounts import payable
from tests.claims.test_rules import BENCH, CATS, base

D = Decimal


def test_fixed_amount_is_the_rate_in_force():
    amount = payable(base(rate=D("100000.00")), "fixed", [])
    assert amount.amount == D("100000.00") and amount.maximum == amount.minimum == D("100000.00")


@pytest.mark.parametrize(
    "asked, expected", [("8234.56", "8234.56"), ("20000.00", "20000.00"), ("25000.00", "20000.00")]
)
def test_travel_pays_the_receipt_up_to_the_ceiling(asked, expected):
    amount = payable(base(amount_requested=D(asked), ceiling=D("20000.00")), "receipted_up_to_ceiling", [])
    assert amount.amount == D(expected)


def test_travel_without_a_receipt_has_no_amount():
    assert payable(base(amount_requested=None), "receipted_up_to_ceiling", []).amount is None


def test_research_package_is_the_sum_of_the_highest_standards():
    # highest of each component: 1,000,000 (A) + 800,000 (B) + 300,000 (B)
    amount = payable(base(amount_requested=None), "benchmark_highest", CATS)
    assert amount.amount == D("2100000.00")
    assert payable(base(amount_requested=D("500000.00")), "benchmark_highest", CATS).amount == D("500000.00")


def test_research_package_uses_the_standard_in_force_at_recruitment():
    later = BENCH + (replace(BENCH[0], id=99, amount=D("5000000"), effective_from=date(2025, 1, 1)),)
    before = payable(
        base(amount_requested=None, benchmarks=later, rate_date=date(2024, 3, 1)), "benchmark_highest", CATS
    )
    after = payable(
        base(amount_requested=None, benchmarks=later, rate_date=date(2025, 6, 1)), "benchmark_highest", CATS
    )
    assert before.amount == D("2100000.00") and after.amount == D("6100000.00")


@pytest.mark.parametrize("commission, expected", [("40000.00", "50000.00"), ("80000.00", "80000.00")])
def test_commission_is_never_below_the_other_province_level(commission, expected):
    facts = base(
        details={"commission": commission, "contract_signed_on": "2023-12-01"}, rate_date=date(2023, 12, 1)
    )
    amount = payable(facts, "contract_commission", [])
    assert amount.amount == D(expected) and amount.minimum == D("50000.00")


def test_discretionary_amounts_are_set_at_approval():
    amount = payable(base(), "discretionary", [])
    assert amount.set_at_approval and amount.amount is None and amount.maximum is None
    capped = payable(base(ceiling=D("50000.00")), "discretionary_up_to_ceiling", [])
    assert capped.set_at_approval and capped.maximum == D("50000.00")
