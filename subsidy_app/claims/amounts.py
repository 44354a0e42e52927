"""What a claim pays, by the program's amount rule (pure, ``Decimal`` throughout).

* fixed: the rate in force on the program's date (recruitment, award year, designation);
* receipted_up_to_ceiling (TRAVEL): the receipted fare, at most the ceiling (六);
* benchmark_highest (RESEARCH_PACKAGE): the highest standard any province offered at
  recruitment, per component, summed; never more than asked (六);
* contract_commission (HEADHUNTER): the contract's commission, never below the highest
  other-province level in force when the contract was agreed (五);
* discretionary (KEY_TECH, OUTSTANDING): set at approval with a written justification;
* discretionary_up_to_ceiling (RETURNEE_VISIT): set at approval, at most the ceiling (九).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..core.money import to_money
from ..programs.benchmarks import highest_standard
from .rules import ClaimFacts

ZERO = Decimal("0")


@dataclass(frozen=True)
class Amount:
    #: What the rule gives (None: not known yet, or set by HR at approval).
    amount: Decimal | None
    #: The most HR may approve (None: no upper limit from the rule).
    maximum: Decimal | None
    #: The least HR may approve (the commission floor of (五)).
    minimum: Decimal | None
    #: HR sets the amount (discretionary programs).
    set_at_approval: bool
    basis_zh: str
    basis_en: str


def _commission(facts: ClaimFacts) -> Decimal | None:
    value = facts.details.get("commission")
    try:
        return to_money(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def payable(facts: ClaimFacts, amount_rule: str, categories: list[str]) -> Amount:
    asked = facts.amount_requested
    if amount_rule == "fixed":
        rate = facts.rate
        return Amount(rate, rate, rate, False, "按定额标准", "the fixed rate")
    if amount_rule == "receipted_up_to_ceiling":
        ceiling = facts.ceiling
        amount = None if asked is None or ceiling is None else min(asked, ceiling)
        return Amount(
            amount,
            amount,
            None,
            False,
            "凭票据据实资助，不超过上限",
            "the receipted amount, up to the ceiling",
        )
    if amount_rule == "benchmark_highest":
        on = facts.rate_date
        found = [highest_standard(facts.benchmarks, c, on) for c in categories] if on else [None]
        rows = [r for r in found if r is not None]
        if len(rows) < len(found):
            return Amount(None, None, None, False, "外省标准不全", "other provinces' standards incomplete")
        total = sum((r.amount for r in rows), ZERO)
        amount = total if asked is None else min(asked, total)
        return Amount(
            amount,
            amount,
            None,
            False,
            "引进时各省同类人才最高标准",
            "the highest standard of any province at recruitment",
        )
    if amount_rule == "contract_commission":
        commission = _commission(facts)
        floor_row = (
            highest_standard(facts.benchmarks, "commission", facts.rate_date) if facts.rate_date else None
        )
        floor = floor_row.amount if floor_row else None
        if commission is None or floor is None:
            return Amount(
                None, None, floor, False, "佣金或外省水平未知", "commission or other provinces' level unknown"
            )
        amount = max(commission, floor)
        return Amount(
            amount,
            amount,
            floor,
            False,
            "按佣金合同，不低于合同约定时外省水平",
            "the contract's commission, not below the other-province level",
        )
    if amount_rule == "discretionary":
        return Amount(
            None, None, None, True, "审批时确定并说明理由", "set at approval, with a written justification"
        )
    if amount_rule == "discretionary_up_to_ceiling":
        return Amount(
            None, facts.ceiling, None, True, "审批时确定，不超过上限", "set at approval, up to the ceiling"
        )
    raise LookupError(f"unknown amount rule {amount_rule!r}")
