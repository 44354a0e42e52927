"""The twelve incentives of 晋发〔2017〕47号 as POLICY.md §1 lists them, loaded idempotently."""

import pytest
from sqlalchemy import func, select

from subsidy_app.extensions import db
from subsidy_app.organizations.models import City
from subsidy_app.programs import operations as programs
from subsidy_app.programs.models import DocumentKind, Program, ProgramDocument, ProgramRate

# code: (clause, payee kind, amount rule, current rate or None, ceiling or None)
EXPECTED = {
    "RECRUIT_KEY": ("(六)", "employer", "fixed", "100000.00", None),
    "RECRUIT_REGULAR": ("(六)", "employer", "fixed", "50000.00", None),
    "TRAVEL": ("(六)", "talent", "receipted_up_to_ceiling", None, "20000.00"),
    "RESEARCH_PACKAGE": ("(六), (一)", "talent", "benchmark_highest", None, None),
    "KEY_TECH": ("(六)", "talent", "discretionary", None, None),
    "HEADHUNTER": ("(五)", "intermediary", "contract_commission", None, None),
    "RETURNEE_VISIT": ("(九)", "talent", "discretionary_up_to_ceiling", None, "50000.00"),
    "FRIENDSHIP_NATIONAL": ("(十四)", "talent", "fixed", "100000.00", None),
    "FRIENDSHIP_PROVINCIAL": ("(十四)", "talent", "fixed", "50000.00", None),
    "OUTSTANDING": ("(十四)", "talent", "discretionary", None, None),
    "DEMO_BASE_NATIONAL": ("(十五)", "organization", "fixed", "100000.00", None),
    "DEMO_BASE_PROVINCIAL": ("(十五)", "organization", "fixed", "50000.00", None),
}


@pytest.fixture
def listed(api_as):
    return {p["code"]: p for p in api_as("employer").get("/programs").json["items"]}


def test_all_twelve_programs_are_listed(listed):
    assert set(listed) == set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_program_matches_the_policy(listed, code):
    clause, payee, rule, rate, ceiling = EXPECTED[code]
    program = listed[code]
    assert program["clause"] == clause
    assert program["source_document"] == "晋发〔2017〕47号"
    assert program["payee_kind"] == payee
    assert program["amount_rule"] == rule
    assert program["current_rate"] == rate
    assert program["ceiling"] == ceiling
    assert program["name_zh"] and program["name_en"]
    assert program["required_documents"], "every incentive needs evidence"
    assert set(program["deferrable_documents"]) <= set(program["required_documents"])
    assert not set(program["optional_documents"]) & set(program["required_documents"])
    # Government money paid to foreign talent is exempt from income tax (二十)
    assert program["tax_exempt"] is (payee == "talent")


def test_figures_the_policy_leaves_open_are_labelled_defaults(listed):
    assert listed["TRAVEL"]["ceiling_is_default"] is True
    assert listed["RETURNEE_VISIT"]["ceiling_is_default"] is True
    assert listed["RECRUIT_KEY"]["ceiling_is_default"] is None


def test_discretionary_programs_need_senior_approval(listed):
    assert {c for c, p in listed.items() if p["needs_senior_approval"]} == {"KEY_TECH", "OUTSTANDING"}


def _counts():
    return {
        model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Program, ProgramRate, ProgramDocument, DocumentKind, City)
    }


def test_loading_the_plan_twice_gives_the_same_rows(app_ctx):
    # the test database was built with the plan loaded once already
    before = _counts()
    assert before == {
        "programs": 12,
        "program_rates": 8,
        "program_documents": 43,
        "document_kinds": 22,
        "cities": 11,
    }
    added = programs.load_plan()
    db.session.commit()
    assert set(added.values()) == {0}
    assert _counts() == before


def test_eleven_cities_of_shanxi(app_ctx):
    names = {c.name_zh for c in db.session.execute(select(City)).scalars()}
    assert names == {
        "太原市",
        "大同市",
        "朔州市",
        "忻州市",
        "阳泉市",
        "吕梁市",
        "晋中市",
        "长治市",
        "晋城市",
        "临汾市",
        "运城市",
    }
