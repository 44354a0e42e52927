"""Every eligibility rule, pass and fail, as pure functions of data (no database)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from subsidy_app.claims import rules
from subsidy_app.claims.rules import ClaimFacts, OrganizationFacts, PriorClaim, ProjectFacts, TalentFacts
from subsidy_app.programs.benchmarks import BenchmarkRow

EMPLOYER = OrganizationFacts(1, "employer", "示范用人单位")
AGENCY = OrganizationFacts(2, "intermediary", "示范中介")
TALENT = TalentFacts(
    code="SX000000010",
    name="Ada",
    degree="doctorate",
    years_experience=10,
    permit_class="A",
    nationality="DEU",
    shanxi_start_date=date(2024, 3, 1),
    graduated_in_china=False,
    employer_id=1,
)
BENCH = tuple(
    BenchmarkRow(i, c, p, Decimal(a), date(2017, 1, 1), "src")
    for i, (c, p, a) in enumerate(
        [
            ("research_funds", "A", "1000000"),
            ("settling_allowance", "A", "600000"),
            ("living_allowance", "A", "240000"),
            ("research_funds", "B", "800000"),
            ("settling_allowance", "B", "800000"),
            ("living_allowance", "B", "300000"),
            ("commission", "A", "50000"),
        ],
        start=1,
    )
)


def base(**overrides) -> ClaimFacts:
    facts = ClaimFacts(
        program_code="X",
        clause="(六)",
        payee_kind="employer",
        applicant_role="employer",
        claim_date=date(2026, 11, 22),
        organization=EMPLOYER,
        talent=TALENT,
        details={},
        amount_requested=Decimal("1000.00"),
        project=ProjectFacts(7, "重点项目", "key", 2024),
        rate_date=date(2024, 3, 1),
        rate=Decimal("100000.00"),
        ceiling=Decimal("20000.00"),
        benchmarks=BENCH,
    )
    return replace(facts, **overrides)


def talent(**overrides) -> TalentFacts:
    return replace(TALENT, **overrides)


CATS = ["research_funds", "settling_allowance", "living_allowance"]

# rule, parameters, facts where it passes, facts where it fails
TABLE = [
    ("payee_kind", {}, base(), base(organization=AGENCY)),
    ("payee_kind", {}, base(payee_kind="intermediary", organization=AGENCY), base(payee_kind="intermediary")),
    ("payee_kind", {}, base(payee_kind="talent"), base(payee_kind="talent", talent=None)),
    ("payee_kind", {}, base(payee_kind="organization"), base(payee_kind="organization", organization=None)),
    ("not_black_listed", {}, base(), base(black_listed=("示范用人单位",))),
    ("talent_of_applicant", {}, base(), base(talent=talent(employer_id=99))),
    ("applicant_kind", {"kinds": ["employer", "hr"]}, base(), base(applicant_role="intermediary")),
    ("applicant_kind", {"kinds": ["intermediary"]}, base(applicant_role="intermediary"), base()),
    ("talent_named", {}, base(), base(talent=None)),
    ("organization_named", {}, base(), base(organization=None)),
    ("recognised_talent", {}, base(), base(talent=talent(permit_class="C"))),
    ("recognised_talent", {}, base(talent=talent(permit_class="B")), base(talent=talent(permit_class=None))),
    # (十): a foreign graduate of a Chinese university with a bachelor's degree
    (
        "recognised_talent",
        {},
        base(talent=talent(permit_class="C", graduated_in_china=True, degree="bachelor")),
        base(talent=talent(permit_class="C", graduated_in_china=True, degree="none")),
    ),
    # Hong Kong, Macao and Taiwan are treated the same way
    (
        "recognised_talent",
        {},
        base(talent=talent(permit_class=None, nationality="HKG")),
        base(talent=talent(permit_class=None, nationality="USA")),
    ),
    (
        "min_degree",
        {"degree": "master"},
        base(talent=talent(degree="master")),
        base(talent=talent(degree="bachelor")),
    ),
    ("min_degree", {"degree": "doctorate"}, base(), base(talent=talent(degree="master"))),
    (
        "min_years_experience",
        {"years": 5},
        base(talent=talent(years_experience=5)),
        base(talent=talent(years_experience=4)),
    ),
    # TRAVEL: at least one year in Shanxi by the claim date (exactly a year is enough)
    (
        "min_years_in_province",
        {"years": 1},
        base(talent=talent(shanxi_start_date=date(2025, 11, 22))),
        base(talent=talent(shanxi_start_date=date(2025, 11, 23))),
    ),
    # drafts, withdrawn and rejected claims do not count; submitted or beyond (and paid) do
    (
        "once_per_talent",
        {},
        base(
            prior_claims=(
                PriorClaim(5, "withdrawn", TALENT.code, 1, None),
                PriorClaim(6, "rejected", TALENT.code, 1, None),
                PriorClaim(7, "draft", TALENT.code, 1, None),
            )
        ),
        base(prior_claims=(PriorClaim(5, "paid", TALENT.code, 1, None),)),
    ),
    ("once_per_talent", {}, base(), base(prior_claims=(PriorClaim(5, "appealed", TALENT.code, 1, None),))),
    ("once_per_talent", {}, base(), base(prior_claims=(PriorClaim(5, "returned", TALENT.code, 1, None),))),
    (
        "once_per_talent_project",
        {},
        base(prior_claims=(PriorClaim(5, "paid", TALENT.code, 1, 8),)),
        base(prior_claims=(PriorClaim(5, "submitted", TALENT.code, 1, 7),)),
    ),
    (
        "once_per_organization",
        {},
        base(prior_claims=(PriorClaim(5, "paid", None, 3, None), PriorClaim(6, "draft", None, 1, None))),
        base(prior_claims=(PriorClaim(5, "finance_approved", None, 1, None),)),
    ),
    ("project_level", {"level": "key"}, base(), base(project=ProjectFacts(7, "常规", "regular", 2024))),
    (
        "project_level",
        {"level": "regular"},
        base(project=ProjectFacts(7, "常规", "regular", 2024)),
        base(project=None),
    ),
    ("permit_class", {"classes": ["A"]}, base(), base(talent=talent(permit_class="B"))),
    # HEADHUNTER: the contract was agreed before the talent came (事先约定)
    (
        "contract_before_start",
        {},
        base(details={"contract_signed_on": "2024-02-29"}),
        base(details={"contract_signed_on": "2024-03-01"}),
    ),
    ("contract_before_start", {}, base(details={"contract_signed_on": date(2023, 1, 1)}), base(details={})),
    (
        "detail_given",
        {"key": "justification", "label_zh": "说明", "label_en": "justification"},
        base(details={"justification": "理由"}),
        base(details={"justification": ""}),
    ),
    (
        "amount_requested_given",
        {"label_zh": "金额", "label_en": "amount"},
        base(),
        base(amount_requested=None),
    ),
    ("rate_in_force", {}, base(), base(rate=None)),
    ("rate_in_force", {"kind": "ceiling"}, base(), base(ceiling=None)),
    ("rate_in_force", {}, base(), base(rate_date=None)),
    (
        "benchmarks_in_force",
        {"categories": CATS},
        base(),
        base(benchmarks=tuple(b for b in BENCH if b.category != "living_allowance")),
    ),
    ("benchmarks_in_force", {"categories": ["commission"]}, base(), base(rate_date=date(2016, 12, 31))),
    # RESEARCH_PACKAGE: at most the highest standards' total (1,000,000 + 800,000 + 300,000)
    (
        "within_highest_standard",
        {"categories": CATS},
        base(amount_requested=Decimal("2100000.00")),
        base(amount_requested=Decimal("2100000.01")),
    ),
]


def _run(name, params, facts):
    function = rules.RULES.get(name) or getattr(rules, name)
    return function(facts, **params, **({"clause": "(六)"} if name in rules.RULES else {}))


@pytest.mark.parametrize(
    "name, params, passing, failing", TABLE, ids=[f"{row[0]}-{i}" for i, row in enumerate(TABLE)]
)
def test_rule_passes_and_fails(name, params, passing, failing):
    ok, bad = _run(name, params, passing), _run(name, params, failing)
    assert ok.passed is True and bad.passed is False
    for check in (ok, bad):
        assert check.rule.startswith(name.removesuffix("_given")) or name == "detail_given"
        assert check.clause and check.reason_zh and check.reason_en
        assert check.reason_zh != check.reason_en


def test_every_rule_is_in_the_table():
    tested = {row[0] for row in TABLE}
    assert set(rules.RULES) | {r.__name__ for r in rules.COMMON_RULES} <= tested


def test_talent_of_applicant_does_not_apply_to_intermediaries():
    assert rules.talent_of_applicant(base(organization=AGENCY, talent=talent(employer_id=99))) is None


def test_the_graduate_rule_cites_clause_ten():
    check = rules.recognised_talent(
        base(talent=talent(permit_class="C", graduated_in_china=True, degree="master"))
    )
    assert check.passed and check.clause == "(十)"


def test_evaluate_runs_common_and_program_rules():
    verdict = rules.evaluate(base(), [{"rule": "min_degree", "degree": "master", "clause": "(六)"}])
    assert verdict.eligible
    assert [c.rule for c in verdict.checks] == [
        "payee_kind",
        "not_black_listed",
        "talent_of_applicant",
        "min_degree",
    ]
    blocked = rules.evaluate(base(black_listed=("X",)), [])
    assert not blocked.eligible


def test_an_unknown_rule_in_a_plan_is_an_error():
    with pytest.raises(LookupError):
        rules.evaluate(base(), [{"rule": "no_such_rule", "clause": "(六)"}])
