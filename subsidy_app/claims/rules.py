"""Eligibility rules: pure functions of data (no database, no Flask).

Each rule takes the facts of a claim (and its parameters from the plan file) and returns
a :class:`Check`: passed or not, why (in Chinese and English), and the clause it enforces.
Three rules apply to every program (:data:`COMMON_RULES`); the others are listed per
program in the plan file, so another province composes its own.

Clauses are cited as POLICY.md cites them: "(六)" is 晋发〔2017〕47号 (六); the national
notices are cited with their document numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..programs.benchmarks import BenchmarkRow, highest_standard

WORK_PERMIT_CLAUSE = "外专发[2017]40号 三(一)"
GRADUATES_CLAUSE = "(十)"
CREDIT_CLAUSE = "(十七)"
HK_MACAO_TAIWAN = frozenset({"HKG", "MAC", "TWN"})
DEGREES = ("none", "bachelor", "master", "doctorate")
DEGREE_NAMES = {
    "none": ("无学位", "no degree"),
    "bachelor": ("学士", "bachelor's"),
    "master": ("硕士", "master's"),
    "doctorate": ("博士", "doctorate"),
}
#: Claims that count for once-only rules: submitted or beyond, and not rejected or
#: withdrawn (an appealed claim counts again). Drafts never count, so that nobody can block
#: a person's subsidy by filing a draft: of two drafts, the first submitted wins, and the
#: other is refused at submission by the same rule (CONTRACT.md, "Who may name whom").
COUNTING_STATUSES = frozenset(
    {"submitted", "returned", "hr_approved", "finance_approved", "paid", "appealed"}
)


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    clause: str
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "clause": self.clause,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass(frozen=True)
class TalentFacts:
    code: str
    name: str
    degree: str
    years_experience: int
    permit_class: str | None
    nationality: str
    shanxi_start_date: date
    graduated_in_china: bool
    employer_id: int


@dataclass(frozen=True)
class OrganizationFacts:
    id: int
    kind: str  # employer | intermediary
    name: str


@dataclass(frozen=True)
class PriorClaim:
    id: int
    status: str
    talent_code: str | None
    organization_id: int | None
    project_id: int | None


@dataclass(frozen=True)
class ProjectFacts:
    id: int
    name: str
    level: str  # key | regular
    year: int


@dataclass(frozen=True)
class ClaimFacts:
    program_code: str
    clause: str
    payee_kind: str
    applicant_role: str  # employer | intermediary | hr
    claim_date: date
    organization: OrganizationFacts | None = None
    talent: TalentFacts | None = None
    details: Mapping = field(default_factory=dict)
    amount_requested: Decimal | None = None
    #: Other claims of the same program for the same talent or organisation.
    prior_claims: tuple[PriorClaim, ...] = ()
    #: Descriptions of the parties of this claim that are on the black list now.
    black_listed: tuple[str, ...] = ()
    project: ProjectFacts | None = None
    #: The date the program's rate or standard is taken on, and what was in force then.
    rate_date: date | None = None
    rate: Decimal | None = None
    ceiling: Decimal | None = None
    benchmarks: tuple[BenchmarkRow, ...] = ()


def _check(rule: str, passed: bool, clause: str, zh: str, en: str) -> Check:
    return Check(rule, passed, clause, zh, en)


def _details_date(facts: ClaimFacts, key: str) -> date | None:
    value = facts.details.get(key)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- common rules ---------------------------------------------------------------------------


def payee_kind(facts: ClaimFacts) -> Check:
    """The party the program pays is named, and is of the right kind."""
    kind, org = facts.payee_kind, facts.organization
    names = {
        "employer": ("用人单位", "an employer"),
        "intermediary": ("中介机构", "an intermediary"),
        "talent": ("外国人才本人", "the talent"),
        "organization": ("获评单位", "the designated unit"),
    }
    if kind in ("employer", "intermediary"):
        passed = org is not None and org.kind == kind
    elif kind == "talent":
        passed = facts.talent is not None
    else:
        passed = org is not None
    zh, en = names[kind]
    if passed:
        return _check(
            "payee_kind",
            True,
            facts.clause,
            f"本项目资助{zh}，申请方符合。",
            f"This incentive is paid to {en}, as claimed.",
        )
    return _check(
        "payee_kind",
        False,
        facts.clause,
        f"本项目只资助{zh}，本申请的收款方不符合。",
        f"This incentive is paid only to {en}; this claim's payee is not one.",
    )


def not_black_listed(facts: ClaimFacts) -> Check:
    if not facts.black_listed:
        return _check(
            "not_black_listed",
            True,
            CREDIT_CLAUSE,
            "申请各方均不在严重失信主体黑名单中。",
            "No party of the claim is on the black list.",
        )
    who = "、".join(facts.black_listed)
    return _check(
        "not_black_listed",
        False,
        CREDIT_CLAUSE,
        f"{who}在严重失信主体黑名单中，列入期间不得享受资助。",
        f"{who} is on the black list of seriously untrustworthy parties and is not eligible while listed.",
    )


def talent_of_applicant(facts: ClaimFacts) -> Check | None:
    """An employer claims only for its own staff. Not applicable without both parties."""
    talent, org = facts.talent, facts.organization
    if talent is None or org is None or org.kind != "employer":
        return None
    if talent.employer_id == org.id:
        return _check(
            "talent_of_applicant",
            True,
            facts.clause,
            f"{talent.name}受聘于申请单位。",
            f"{talent.name} is employed by the applicant.",
        )
    return _check(
        "talent_of_applicant",
        False,
        facts.clause,
        "该人才的用人单位是另一单位，不能由本单位申请。",
        "The talent is employed by another organisation; this organisation cannot claim for them.",
    )


COMMON_RULES = (payee_kind, not_black_listed, talent_of_applicant)


# --- rules a program lists in the plan file ---------------------------------------------------


def applicant_kind(facts: ClaimFacts, kinds: list[str], clause: str) -> Check:
    names = {
        "employer": "用人单位/employer",
        "intermediary": "中介机构/intermediary",
        "hr": "省人社厅/provincial HR",
    }
    allowed = "、".join(names[k].split("/")[0] for k in kinds)
    allowed_en = ", ".join(names[k].split("/")[1] for k in kinds)
    if facts.applicant_role in kinds:
        return _check(
            "applicant_kind", True, clause, f"由{allowed}申请，符合。", f"Filed by {allowed_en}, as required."
        )
    return _check(
        "applicant_kind",
        False,
        clause,
        f"本项目只能由{allowed}申请。",
        f"Only {allowed_en} may file this claim.",
    )


def talent_named(facts: ClaimFacts, clause: str) -> Check:
    if facts.talent is not None:
        return _check(
            "talent_named",
            True,
            clause,
            f"已指明人才：{facts.talent.name}。",
            f"Talent named: {facts.talent.name}.",
        )
    return _check(
        "talent_named",
        False,
        clause,
        "本项目须指明所涉外国人才（人才编码）。",
        "This incentive needs the talent it is for (talent code).",
    )


def organization_named(facts: ClaimFacts, clause: str) -> Check:
    if facts.organization is not None:
        return _check(
            "organization_named",
            True,
            clause,
            f"已指明单位：{facts.organization.name}。",
            f"Organisation named: {facts.organization.name}.",
        )
    return _check(
        "organization_named",
        False,
        clause,
        "本项目须指明获评单位。",
        "This incentive needs the designated organisation.",
    )


def recognised_talent(facts: ClaimFacts, clause: str = WORK_PERMIT_CLAUSE) -> Check:
    """Foreign talent the plan supports: work permit class A or B (class C is the limited
    category), or from Hong Kong, Macao or Taiwan (treated alike), or a graduate of a
    Chinese university with a bachelor's degree or higher, who may work directly (十)."""
    t = facts.talent
    if t is None:
        return _check("recognised_talent", False, clause, "未指明人才。", "No talent named.")
    if t.graduated_in_china and DEGREES.index(t.degree) >= DEGREES.index("bachelor"):
        return _check(
            "recognised_talent",
            True,
            GRADUATES_CLAUSE,
            "在国内高校取得学士以上学位的外国毕业生，可直接在晋工作并享受相关政策。",
            "A foreign graduate of a Chinese university with a bachelor's degree or "
            "higher may work in Shanxi directly and enjoy these policies.",
        )
    if t.nationality in HK_MACAO_TAIWAN:
        return _check(
            "recognised_talent",
            True,
            "晋发〔2017〕47号 末段",
            "港澳台人才参照本实施意见执行。",
            "Talent from Hong Kong, Macao and Taiwan is treated the same way.",
        )
    if t.permit_class in ("A", "B"):
        return _check(
            "recognised_talent",
            True,
            clause,
            f"持{t.permit_class}类外国人来华工作许可。",
            f"Holds a class {t.permit_class} work permit.",
        )
    return _check(
        "recognised_talent",
        False,
        clause,
        "须持A类或B类外国人来华工作许可（C类为限制类），或为国内高校外国毕业生。",
        "Needs a class A or B work permit (class C is the limited category), or to "
        "be a foreign graduate of a Chinese university.",
    )


def min_degree(facts: ClaimFacts, degree: str, clause: str) -> Check:
    t = facts.talent
    need_zh, need_en = DEGREE_NAMES[degree]
    if t is None:
        return _check("min_degree", False, clause, "未指明人才。", "No talent named.")
    has_zh, has_en = DEGREE_NAMES[t.degree]
    if DEGREES.index(t.degree) >= DEGREES.index(degree):
        return _check(
            "min_degree",
            True,
            clause,
            f"具有{has_zh}学位，满足{need_zh}及以上的要求。",
            f"Holds a {has_en} degree; {need_en} or higher is required.",
        )
    return _check(
        "min_degree",
        False,
        clause,
        f"须具有{need_zh}及以上学位，现为{has_zh}。",
        f"Needs a {need_en} degree or higher; has {has_en}.",
    )


def min_years_experience(facts: ClaimFacts, years: int, clause: str) -> Check:
    t = facts.talent
    if t is None:
        return _check("min_years_experience", False, clause, "未指明人才。", "No talent named.")
    if t.years_experience >= years:
        return _check(
            "min_years_experience",
            True,
            clause,
            f"从事相关工作{t.years_experience}年，满足{years}年以上的要求。",
            f"{t.years_experience} years of relevant work; at least {years} required.",
        )
    return _check(
        "min_years_experience",
        False,
        clause,
        f"须在本专业从事相关工作{years}年以上，现为{t.years_experience}年。",
        f"Needs at least {years} years of relevant work; has {t.years_experience}.",
    )


def min_years_in_province(facts: ClaimFacts, years: int, clause: str) -> Check:
    t = facts.talent
    if t is None:
        return _check("min_years_in_province", False, clause, "未指明人才。", "No talent named.")
    reached = add_years(t.shanxi_start_date, years)
    if reached <= facts.claim_date:
        return _check(
            "min_years_in_province",
            True,
            clause,
            f"自{t.shanxi_start_date.isoformat()}起来晋工作，已满{years}年。",
            f"Working in Shanxi since {t.shanxi_start_date.isoformat()}: {years} year(s) reached.",
        )
    return _check(
        "min_years_in_province",
        False,
        clause,
        f"须来晋工作满{years}年（自{t.shanxi_start_date.isoformat()}起，{reached.isoformat()}方满）。",
        f"Needs {years} year(s) of work in Shanxi (since "
        f"{t.shanxi_start_date.isoformat()}: reached on {reached.isoformat()}).",
    )


def _live_priors(facts: ClaimFacts, **match) -> list[PriorClaim]:
    return [
        p
        for p in facts.prior_claims
        if p.status in COUNTING_STATUSES and all(getattr(p, k) == v for k, v in match.items())
    ]


def once_per_talent(facts: ClaimFacts, clause: str) -> Check:
    """一次性: once per person, ever (drafts, withdrawn and rejected claims do not count)."""
    if facts.talent is None:
        return _check("once_per_talent", False, clause, "未指明人才。", "No talent named.")
    others = _live_priors(facts, talent_code=facts.talent.code)
    if not others:
        return _check(
            "once_per_talent",
            True,
            clause,
            "此人未曾申请或获得过本项资助。",
            "This person has not claimed this incentive before.",
        )
    ids = ", ".join(f"#{p.id}" for p in others)
    return _check(
        "once_per_talent",
        False,
        clause,
        f"本项资助每人只能享受一次，此人已有申请（{ids}）。",
        f"This incentive is paid once per person; this person already has claim {ids}.",
    )


def once_per_talent_project(facts: ClaimFacts, clause: str) -> Check:
    """每引进1人次: once per person and recruitment project."""
    if facts.talent is None or facts.project is None:
        return _check(
            "once_per_talent_project",
            False,
            clause,
            "须指明人才和引才项目。",
            "Needs the talent and the recruitment project.",
        )
    others = _live_priors(facts, talent_code=facts.talent.code, project_id=facts.project.id)
    if not others:
        return _check(
            "once_per_talent_project",
            True,
            clause,
            "本项目下此人次未曾申请资助。",
            "This person-time has not been claimed under this project.",
        )
    ids = ", ".join(f"#{p.id}" for p in others)
    return _check(
        "once_per_talent_project",
        False,
        clause,
        f"同一项目每引进1人次资助一次，已有申请（{ids}）。",
        f"One grant per person-time under a project; already claimed in {ids}.",
    )


def once_per_organization(facts: ClaimFacts, clause: str) -> Check:
    if facts.organization is None:
        return _check("once_per_organization", False, clause, "未指明单位。", "No organisation named.")
    others = _live_priors(facts, organization_id=facts.organization.id)
    if not others:
        return _check(
            "once_per_organization",
            True,
            clause,
            "该单位未曾获得本项奖励。",
            "This organisation has not claimed this reward before.",
        )
    ids = ", ".join(f"#{p.id}" for p in others)
    return _check(
        "once_per_organization",
        False,
        clause,
        f"本项奖励每个单位只能享受一次，已有申请（{ids}）。",
        f"This reward is paid once per organisation; already claimed in {ids}.",
    )


def project_level(facts: ClaimFacts, level: str, clause: str) -> Check:
    names = {
        "key": ("省级重点引才项目", "a provincial key recruitment project"),
        "regular": ("省级常规引才项目", "a provincial regular recruitment project"),
    }
    zh, en = names[level]
    project = facts.project
    if project is None:
        return _check(
            "project_level",
            False,
            clause,
            f"须指明所属的{zh}（details.project_id）。",
            f"Needs the recruitment project: {en} (details.project_id).",
        )
    if project.level == level:
        return _check(
            "project_level", True, clause, f"“{project.name}”是{zh}。", f"'{project.name}' is {en}."
        )
    other_zh, other_en = names[project.level]
    return _check(
        "project_level",
        False,
        clause,
        f"“{project.name}”是{other_zh}，不是{zh}。",
        f"'{project.name}' is {other_en}, not {en}.",
    )


def permit_class(facts: ClaimFacts, classes: list[str], clause: str) -> Check:
    t = facts.talent
    wanted = "/".join(classes)
    if t is not None and t.permit_class in classes:
        return _check(
            "permit_class",
            True,
            clause,
            f"持{t.permit_class}类工作许可（高精尖缺人才）。",
            f"Holds a class {t.permit_class} work permit (high-end talent).",
        )
    has = t.permit_class if t and t.permit_class else "无"
    return _check(
        "permit_class",
        False,
        clause,
        f"须为{wanted}类（高精尖缺）外国人才，现为{has}。",
        f"Needs class {wanted} (high-end) talent; has {t.permit_class if t and t.permit_class else 'none'}.",
    )


def contract_before_start(facts: ClaimFacts, clause: str) -> Check:
    """事先约定: the commission contract was agreed before the talent started in Shanxi."""
    signed = _details_date(facts, "contract_signed_on")
    t = facts.talent
    if signed is None or t is None:
        return _check(
            "contract_before_start",
            False,
            clause,
            "须填写佣金合同签订日期（details.contract_signed_on）并指明人才。",
            "Needs the contract date (details.contract_signed_on) and the talent.",
        )
    if signed < t.shanxi_start_date:
        return _check(
            "contract_before_start",
            True,
            clause,
            f"佣金合同于{signed.isoformat()}签订，早于人才来晋（{t.shanxi_start_date.isoformat()}）。",
            f"Contract agreed on {signed.isoformat()}, before the talent started on "
            f"{t.shanxi_start_date.isoformat()}.",
        )
    return _check(
        "contract_before_start",
        False,
        clause,
        f"佣金须事先约定：合同签订于{signed.isoformat()}，不早于人才来晋日期"
        f"{t.shanxi_start_date.isoformat()}。",
        f"The commission must be agreed beforehand: the contract ({signed.isoformat()}) "
        f"is not before the talent's start ({t.shanxi_start_date.isoformat()}).",
    )


def detail_given(facts: ClaimFacts, key: str, label_zh: str, label_en: str, clause: str) -> Check:
    value = facts.details.get(key)
    if value not in (None, "", [], {}):
        return _check(f"detail_{key}", True, clause, f"已填写{label_zh}。", f"{label_en} given.")
    return _check(
        f"detail_{key}",
        False,
        clause,
        f"须填写{label_zh}（details.{key}）。",
        f"Needs the {label_en} (details.{key}).",
    )


def amount_requested_given(facts: ClaimFacts, label_zh: str, label_en: str, clause: str) -> Check:
    if facts.amount_requested is not None:
        return _check(
            "amount_requested",
            True,
            clause,
            f"{label_zh}：{facts.amount_requested:,.2f}元。",
            f"{label_en}: {facts.amount_requested:,.2f} yuan.",
        )
    return _check(
        "amount_requested",
        False,
        clause,
        f"须填写{label_zh}（amount_requested）。",
        f"Needs the {label_en} (amount_requested).",
    )


def rate_in_force(facts: ClaimFacts, clause: str, kind: str = "amount") -> Check:
    value = facts.rate if kind == "amount" else facts.ceiling
    on = facts.rate_date.isoformat() if facts.rate_date else "—"
    label_zh, label_en = ("资助标准", "rate") if kind == "amount" else ("资助上限", "ceiling")
    if facts.rate_date is None:
        return _check(
            "rate_in_force",
            False,
            clause,
            "缺少确定标准所依据的日期。",
            "The date the rate depends on is missing.",
        )
    if value is not None:
        return _check(
            "rate_in_force",
            True,
            clause,
            f"{on}适用的{label_zh}为{value:,.2f}元。",
            f"The {label_en} in force on {on} is {value:,.2f} yuan.",
        )
    return _check(
        "rate_in_force", False, clause, f"{on}没有适用的{label_zh}。", f"No {label_en} was in force on {on}."
    )


def benchmarks_in_force(facts: ClaimFacts, categories: list[str], clause: str) -> Check:
    """Other provinces' standards are on record for the date (RESEARCH_PACKAGE, HEADHUNTER)."""
    on = facts.rate_date
    if on is None:
        return _check(
            "benchmarks_in_force",
            False,
            clause,
            "缺少确定外省标准所依据的日期。",
            "The date the other provinces' standards depend on is missing.",
        )
    missing = [c for c in categories if highest_standard(facts.benchmarks, c, on) is None]
    if not missing:
        return _check(
            "benchmarks_in_force",
            True,
            clause,
            f"{on.isoformat()}外省同类标准已有记录。",
            f"Other provinces' standards in force on {on.isoformat()} are on record.",
        )
    return _check(
        "benchmarks_in_force",
        False,
        clause,
        f"{on.isoformat()}没有外省同类标准的记录：{'、'.join(missing)}。须由省人社厅登记。",
        f"No other-province standard on record for {on.isoformat()}: "
        f"{', '.join(missing)}. HR must record it.",
    )


def within_highest_standard(facts: ClaimFacts, categories: list[str], clause: str) -> Check:
    """The amount asked is not above the sum of the highest standards in force."""
    on = facts.rate_date
    found = [highest_standard(facts.benchmarks, c, on) for c in categories] if on else []
    rows = [r for r in found if r is not None]
    if not found or len(rows) < len(found):
        return _check(
            "within_highest_standard",
            False,
            clause,
            "外省标准不全，无法核定金额。",
            "Other provinces' standards are incomplete: the amount cannot be set.",
        )
    total = sum((r.amount for r in rows), Decimal("0"))
    asked = facts.amount_requested
    if asked is None or asked <= total:
        return _check(
            "within_highest_standard",
            True,
            clause,
            f"按引进时各省同类人才最高标准，合计可给予{total:,.2f}元。",
            f"At the highest standard of any province at recruitment: {total:,.2f} yuan.",
        )
    return _check(
        "within_highest_standard",
        False,
        clause,
        f"申请金额{asked:,.2f}元超过各省同类人才最高标准合计{total:,.2f}元。",
        f"The amount asked, {asked:,.2f} yuan, exceeds the highest standards' total, {total:,.2f} yuan.",
    )


#: The rules a plan file may name, each returning its check.
RULES: dict[str, Callable[..., Check]] = {
    "applicant_kind": applicant_kind,
    "talent_named": talent_named,
    "organization_named": organization_named,
    "recognised_talent": recognised_talent,
    "min_degree": min_degree,
    "min_years_experience": min_years_experience,
    "min_years_in_province": min_years_in_province,
    "once_per_talent": once_per_talent,
    "once_per_talent_project": once_per_talent_project,
    "once_per_organization": once_per_organization,
    "project_level": project_level,
    "permit_class": permit_class,
    "contract_before_start": contract_before_start,
    "detail_given": detail_given,
    "amount_requested_given": amount_requested_given,
    "rate_in_force": rate_in_force,
    "benchmarks_in_force": benchmarks_in_force,
    "within_highest_standard": within_highest_standard,
}


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    checks: tuple[Check, ...]

    def as_dicts(self) -> list[dict]:
        return [c.as_dict() for c in self.checks]


def evaluate(facts: ClaimFacts, program_rules: list[dict]) -> Verdict:
    """Run the common rules and the program's rules; eligible when every check passes."""
    checks: list[Check] = []
    for rule in COMMON_RULES:
        result = rule(facts)
        if result is not None:
            checks.append(result)
    for spec in program_rules:
        params = {k: v for k, v in spec.items() if k != "rule"}
        try:
            program_rule = RULES[spec["rule"]]
        except KeyError:
            raise LookupError(f"the plan names an unknown rule: {spec['rule']!r}") from None
        checks.append(program_rule(facts, **params))
    return Verdict(all(c.passed for c in checks), tuple(checks))
