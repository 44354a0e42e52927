"""Each role's working day, clicked through in a real browser (headless Debian Chromium driven
by Playwright), in Chinese and in English, over a world of a few dozen claims in every state.

On every page visited, at desktop width and again at 390 px (a phone), the test checks
automatically that

* no internal code shows where words belong (``page_codes``: snake_case statuses, actions,
  rules, accounts and document kinds, program codes, dotted audit actions, ``talent:SX…``
  payee keys, None/null, and on Chinese pages the catalogue's English words and untranslated
  English phrases), with a short allow-list of what is legitimately a code;
* nothing sticks out at 390 px: the page is no wider than the screen (wide tables scroll
  inside their own ``.table-wrap``);
* the browser's console reports nothing refused by the Content Security Policy;

and saves both screenshots as test-artifacts/screenshots/days/<role>-<lang>-<page>[-phone].png
for people to look at."""

from __future__ import annotations

import enum
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import update
from werkzeug.datastructures import FileStorage

import subsidy_app.models  # noqa: F401 (every model, with its enums)
from subsidy_app import create_app
from subsidy_app.bankaccounts import operations as bankaccounts
from subsidy_app.budgets import operations as budgets
from subsidy_app.claims import actions, documents
from subsidy_app.claims import operations as claims
from subsidy_app.claims.models import Claim
from subsidy_app.core import labels
from subsidy_app.core.timeutil import local_today, utcnow
from subsidy_app.demo import operations as demo
from subsidy_app.extensions import db
from subsidy_app.payments import operations as payments
from subsidy_app.programs import operations as programs
from subsidy_app.projects import operations as projects
from subsidy_app.talents import operations as talents
from subsidy_app.users import operations as users
from subsidy_app.users.models import User
from tests.e2e.conftest import CSP_ERRORS, needs_chromium, serve, watch_console

pytestmark = needs_chromium

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "days"
PASSWORD = "e2e-days-password-7"
LANGS = ("zh", "en")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# --- the world ---------------------------------------------------------------------------

#: user name, role, organisation (index in ORGANIZATIONS), display name. The user names are
#: pinyin with a hyphen, so that none of them is also a code of the system (a user named
#: "hr" could not be told from an untranslated role on a page).
PEOPLE = [
    ("zhang-wei", "hr", None, "省人社厅 审核员 张伟"),
    ("li-na", "hr", None, "省人社厅 审核员 李娜"),
    ("liu-fang", "finance", None, "省财政厅 复核员 刘芳"),
    ("chen-jie", "finance", None, "省财政厅 复核员 陈杰"),
    ("zhao-min", "auditor", None, "省审计厅 审计员 赵敏"),
    ("sun-hao", "admin", None, "系统管理员 孙浩"),
    ("zhou-li", "employer", 0, "示范装备 人事部 周丽"),
    ("wu-gang", "employer", 1, "新材料研究院 人事处 吴刚"),
    ("xu-lei", "intermediary", 2, "三晋国际 顾问 徐磊"),
    ("ma-jun", "hr", None, "省人社厅 审核员 马骏"),
    ("huang-yan", "finance", None, "省财政厅 复核员 黄艳"),
]
#: Who does each role's day.
ACTOR = {
    "employer": "zhou-li",
    "intermediary": "xu-lei",
    "hr": "zhang-wei",
    "finance": "liu-fang",
    "auditor": "zhao-min",
    "admin": "sun-hao",
}
#: The administrator unlocks one of these per language (locked by failed logins).
LOCKED = {"zh": "ma-jun", "en": "huang-yan"}

#: Foreign staff of the first employer: name, nationality (ISO 3166 alpha-3).
STAFF = [
    ("Anna Schmidt", "DEU"),
    ("Pierre Dubois", "FRA"),
    ("Olga Ivanova", "RUS"),
    ("Marco Rossi", "ITA"),
    ("Sofia García", "ESP"),
    ("Lars Nilsson", "SWE"),
    ("Kenji Sato", "JPN"),
    ("David Cohen", "ISR"),
    ("Jan Kowalski", "POL"),
    ("Eva Novak", "CZE"),
    ("Liam O'Connor", "IRL"),
    ("Isabel Costa", "PRT"),
    ("Priya Sharma", "IND"),
    ("Oliver Brown", "GBR"),
    ("Chloé Martin", "FRA"),
    ("Ahmed Hassan", "EGY"),
    ("Ingrid Berg", "NOR"),
    ("Mateo López", "ARG"),
    ("Hana Kim", "KOR"),
    ("Noah Fischer", "AUT"),
    ("Tomás Silva", "BRA"),
    ("Mei Lin Tan", "SGP"),
    ("Aiko Yamamoto", "JPN"),
    ("Erik Larsen", "DNK"),
    ("Fatima Khan", "PAK"),
    ("Lucas Moreau", "BEL"),
    ("Sara Lind", "FIN"),
    ("George Adams", "USA"),
    ("Nina Petrova", "BGR"),
    ("Paul Weber", "CHE"),
    ("Elena Popescu", "ROU"),
    ("Omar Farouk", "JOR"),
    ("Rosa Méndez", "MEX"),
    ("Thomas Wright", "AUS"),
    ("Yara Haddad", "LBN"),
    ("Felix Braun", "DEU"),
]


@dataclass
class World:
    """What the days need to find again: ids and names, per role and language."""

    claims: dict = field(default_factory=dict)  # (purpose, lang) -> claim id
    talents: dict = field(default_factory=dict)  # (purpose, lang) -> (code, name)
    others: dict = field(default_factory=dict)
    data_strings: list = field(default_factory=list)  # names people gave: not codes


def build_world(app) -> World:
    """The plan, three organisations (the demo's), eleven people, 36 foreign staff and a few
    dozen claims in every state through the same operations people use: submitted (some
    overdue), returned with a comment, approved by HR and by finance, paid in a four-eyes
    batch, rejected, appealed, withdrawn, drafts; an intermediary's commissions; two users
    locked by failed logins. Each day works on claims of its own (per language), so the days
    may run in any order and on any worker."""
    world = World()
    with app.app_context():
        upgrade()
        programs.load_plan()
        orgs = demo._ensure_organizations()  # the demo's employers and intermediary
        people = {}
        for username, role, org, display in PEOPLE:
            people[username] = users.create_user(
                None,
                username=username,
                password=PASSWORD,
                role=role,
                organization_id=orgs[org].id if org is not None else None,
                display_name=display,
            )
        hr, hr2 = people["zhang-wei"], people["li-na"]
        finance, finance2 = people["liu-fang"], people["chen-jie"]
        employer, employer2, agent = people["zhou-li"], people["wu-gang"], people["xu-lei"]
        year = budgets.current_fiscal_year()
        for code, amount in demo.DEMO_BUDGETS.items():
            budgets.allocate(finance, fiscal_year=year, program_code=code, amount=Decimal(amount))
        key = projects.create_project(hr, name="2024年度省级重点引才项目（高端装备）", level="key", year=2024)
        regular = projects.create_project(hr, name="2025年度省级常规引才项目", level="regular", year=2025)

        staff = iter(STAFF)
        serial = iter(range(1, 1000))

        def talent(org=0, **overrides) -> tuple[str, str]:
            name, nationality = next(staff)
            n = next(serial)
            data = dict(
                name=name,
                nationality=nationality,
                passport_no=f"E{n:08d}",
                birth_date=date(1975 + n % 20, 1 + n % 12, 1 + n % 28),
                degree="doctorate",
                years_experience=8 + n % 10,
                work_permit_no=f"11401002{n:08d}",
                permit_class="A",
                employer_id=orgs[org].id,
                shanxi_start_date=date(2024, 3, 1),
                talent_kind=("research", "professional", "management", "urgent")[n % 4],
            )
            data.update(overrides)
            made = talents.register_talent(None, **data)
            bankaccounts.set_bank_account(
                hr, "talent", made.talent_code, bank_name="中国银行山西省分行", account_no=f"62166000{n:010d}"
            )
            return made.talent_code, name

        files = iter(range(1, 10_000))
        to_pay = []

        def claim(program, who, *, by=employer, state="submitted", comment=None):
            code = who[0] if who else None
            body = {
                "RECRUIT_KEY": {"details": {"project_id": key.id}},
                "RECRUIT_REGULAR": {"details": {"project_id": regular.id}},
                "TRAVEL": {"amount_requested": f"{8000 + next(files) * 137 % 9000}.50"},
                "HEADHUNTER": {"details": {"contract_signed_on": "2023-12-01", "commission": "45000.00"}},
            }[program]
            made = claims.create_claim(by, program_code=program, talent_code=code, **body)
            if state == "draft":
                return made.id
            for need in made.program.documents:
                if need.requirement.value in ("essential", "deferrable"):
                    scan = FileStorage(BytesIO(PDF), filename=f"扫描件-{next(files):03d}.pdf")
                    documents.upload(by, made.id, kind=need.kind_code, file=scan)
            actions.act(by, made.id, action="submit")
            if state == "withdrawn":
                actions.act(by, made.id, action="withdraw", comment="单位决定撤回")
            elif state == "returned":
                actions.act(hr, made.id, action="return", comment=comment or "请补充护照复印件的清晰扫描件")
            elif state in ("rejected", "appealed"):
                actions.act(hr2, made.id, action="hr_reject", comment="聘用合同未在项目期内签订")
                if state == "appealed":
                    actions.act(by, made.id, action="appeal", comment="合同签订日期有误，已附更正后的合同")
            elif state in ("hr_approved", "finance_approved", "paid"):
                actions.act(hr, made.id, action="hr_approve", comment="材料齐全，符合规定")
                if state in ("finance_approved", "paid"):
                    actions.act(finance, made.id, action="finance_approve", comment="预算内，同意支付")
                if state == "paid":
                    to_pay.append(made.id)
            return made.id

        # the rest of the office's work: a few dozen claims in every state
        background = [talent() for _ in range(12)]
        states = ["submitted"] * 5 + ["hr_approved", "hr_approved", "finance_approved", "paid", "paid"]
        states += ["rejected", "withdrawn"]
        waiting = []
        for who, state in zip(background, states, strict=True):
            made = claim("RECRUIT_KEY", who, state=state)
            if state == "submitted":
                waiting.append(made)
        for who in background[:4]:
            claim("TRAVEL", who, state="paid" if who is background[0] else "submitted")
        claim("TRAVEL", background[4], state="draft")
        claim("RECRUIT_REGULAR", background[5], state="returned", comment="项目立项文件页码不全")
        claim("RECRUIT_REGULAR", background[6], state="hr_approved")
        other_staff = [talent(org=1, degree="master") for _ in range(2)]
        for who in other_staff:
            claim("TRAVEL", who, by=employer2)
        claim("HEADHUNTER", background[7], by=agent)
        world.talents["intermediary-known", None] = background[7]
        claim("HEADHUNTER", background[8], by=agent, state="hr_approved")
        # the days' own claims and talents, per language (filed last: their notices are the newest)
        for lang in LANGS:
            world.talents["employer-file", lang] = talent()
            world.talents["employer-returned", lang] = t = talent()
            world.claims["employer-returned", lang] = claim("RECRUIT_REGULAR", t, state="returned")
            world.talents["intermediary-file", lang] = talent()
            world.talents["hr-return", lang] = t = talent()
            world.claims["hr-return", lang] = claim("RECRUIT_KEY", t)
            world.talents["hr-approve", lang] = t = talent()
            world.claims["hr-approve", lang] = claim("RECRUIT_KEY", t)
            world.talents["hr-appeal", lang] = t = talent()
            world.claims["hr-appeal", lang] = claim("RECRUIT_KEY", t, state="appealed")
            world.talents["finance-approve", lang] = t = talent()
            world.claims["finance-approve", lang] = claim("RECRUIT_KEY", t, state="hr_approved")
            world.claims["finance-batch", lang] = claim("TRAVEL", t, state="finance_approved")

        # the paid ones go out in a four-eyes batch
        batch = payments.create_batch(finance, claim_ids=to_pay)
        payments.approve_batch(finance2, batch.id)
        payments.disburse_batch(finance, batch.id, bank_reference="ICBC-2026-000123")
        world.others["paid"], world.others["batch"] = to_pay[0], batch.id
        # some HR reviews are late: their deadline has passed
        late = waiting[:3]
        for days, claim_id in zip((2, 5, 9), late, strict=True):
            db.session.execute(
                update(Claim)
                .where(Claim.id == claim_id)
                .values(stage_deadline=local_today() - timedelta(days=days))
            )
        world.others["late"] = list(late)
        # two staff locked out by failed logins (the administrator unlocks them)
        db.session.execute(
            update(User)
            .where(User.username.in_(LOCKED.values()))
            .values(failed_logins=5, locked_until=utcnow() + timedelta(minutes=15))
        )
        db.session.commit()
        world.others["organizations"] = [o.name for o in orgs]
        world.data_strings = sorted(
            {name for name, _nationality in STAFF}
            | {u for u, *_ in PEOPLE}
            | {d for *_, d in PEOPLE}
            | {part for new in NEW_USERS.values() for part in new}
            | {o.name for o in orgs},
            key=len,
            reverse=True,
        )
    return world


# --- what a page must not show -------------------------------------------------------------

_EDGE_L, _EDGE_R = r"(?<![A-Za-z0-9_])", r"(?![A-Za-z0-9_])"  # \b would join Latin to Chinese

#: Codes, whatever the language: each pattern with what it catches.
CODE_PATTERNS = [
    (re.compile(_EDGE_L + r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+" + _EDGE_R), "snake_case code"),
    (re.compile(_EDGE_L + r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+" + _EDGE_R), "program or constant code"),
    (re.compile(_EDGE_L + r"[a-z][a-z_]*\.[a-z][a-z_]*" + _EDGE_R), "dotted action or permission code"),
    (re.compile(_EDGE_L + r"(?:talent|org|organization|employer|intermediary|user|claim):\s?\w"), "keyed id"),
    (re.compile(_EDGE_L + r"(?:null|undefined|NaN|True|False)" + _EDGE_R), "raw value"),
    # the nationalities of the world's talents, as ISO 3166 codes (a name is shown instead)
    (
        re.compile(_EDGE_L + "(?:" + "|".join(sorted({n for _, n in STAFF})) + ")" + _EDGE_R),
        "nationality code",
    ),
]
#: "None" as a value; in English "None yet." and "None (provincial staff)" are words.
NONE_ZH = re.compile(_EDGE_L + r"None" + _EDGE_R)
NONE_EN = re.compile(_EDGE_L + r"None(?=[ \t]*(?:$|[\n\t,;·|]))", re.MULTILINE)
#: File names are what the uploader called the file (and the names of downloads): not codes.
FILE_NAME = re.compile(
    r"[^\s/·,，、]+\.(?:pdf|png|jpe?g|csv|xlsx|zip|py|json|eml)(?![A-Za-z])", re.IGNORECASE
)
#: Latin words on a Chinese page that are no code and no untranslated text, each justified:
ZH_LATIN_ALLOWED = {
    "English",  # the language switch names the other language in that language
    "PDF",  # file formats are called by these names in Chinese too
    "CSV",
    "Excel",
    "ZIP",
    "SHA",  # SHA-256, the name of the hash function
    "Chart.js",  # the charting library credited by name
}
LATIN_WORD = re.compile(_EDGE_L + r"[A-Za-z][A-Za-z'’]*(?:\.js)?" + _EDGE_R)
LATIN_PHRASE = re.compile(r"[A-Za-z]{2,}[A-Za-z'’]*(?:[ ,;:]+[A-Za-z]{2,}[A-Za-z'’]*)+")


def _enum_words() -> set[str]:
    """Every one-word code of the catalogue of labels (statuses, stages, roles, accounts…) and
    of the models' enums: on a Chinese page, each would be an English word left where a
    Chinese one belongs (capitalised or not)."""
    words = set()
    for name in dir(labels):
        table = getattr(labels, name)
        if name.isupper() and isinstance(table, dict):
            words |= {k for k in table if isinstance(k, str)}
    for module in [m for n, m in sys.modules.items() if n.startswith("subsidy_app.") and m]:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__ == module.__name__
            ):
                words |= {str(member.value) for member in value if isinstance(member.value, str)}
    return {w for w in words if re.fullmatch(r"[a-z]+", w)}


ENUM_WORDS = _enum_words()


def page_codes(text: str, lang: str, data_strings=()) -> list[str]:
    """What in a page's text is a code where words belong, each with its context. Names
    people gave (of people, organisations, talents) and file names are taken out first;
    what remains on an English page must hold no code, and on a Chinese page no English."""
    for value in data_strings:
        text = text.replace(value, "·")
    text = FILE_NAME.sub("·", text)
    found: dict[str, list] = {}  # what -> [(code, context)]

    def note(match, what):
        start, end = match.span()
        found.setdefault(what, []).append((match.group(0), text[max(0, start - 30) : end + 30]))

    for pattern, what in CODE_PATTERNS:
        for match in pattern.finditer(text):
            note(match, what)
        text = pattern.sub("·", text)  # each code is told once
    for match in (NONE_ZH if lang == "zh" else NONE_EN).finditer(text):
        note(match, "raw value")
    if lang == "zh":
        for match in LATIN_WORD.finditer(text):
            word = match.group(0)
            if word.lower() in ENUM_WORDS and word not in ZH_LATIN_ALLOWED:
                note(match, "English code word")
            elif word.islower() and len(word) > 1:
                note(match, "English word")
        for match in LATIN_PHRASE.finditer(text):
            if not set(LATIN_WORD.findall(match.group(0))) <= ZH_LATIN_ALLOWED:
                note(match, "English text")
    # one line per kind of problem: how many, which codes, and where the first one stands
    return [
        f"{what} ×{len(hits)}: {list(dict.fromkeys(c for c, _ in hits))[:8]} e.g. in …{hits[0][1]!r}…"
        for what, hits in found.items()
    ]


def test_the_code_checker_finds_codes_and_spares_words():
    """The checker itself, on texts it must flag and texts it must leave alone."""
    assert page_codes("状态为“hr_approved”的申请", "zh")
    assert page_codes("科目 subsidy_expense 借方", "zh")
    assert page_codes("Payee talent:SX00000012X", "en")
    assert page_codes("收款人 talent:SX00000012X", "zh")
    assert page_codes("项目 RECRUIT_KEY 已提交", "zh")
    assert page_codes("操作 payment_batch.disburse", "zh")
    assert page_codes("金额 None", "zh") and page_codes("Amount: None", "en")
    assert page_codes("状态 draft", "zh") and page_codes("项目级别 regular", "zh")
    assert page_codes("审核 Review queue 页", "zh")
    assert page_codes("姓名\tAnna Schmidt\tDEU\t博士", "zh", ["Anna Schmidt"])
    assert page_codes("年份\tholiday\t元旦", "zh")
    assert not page_codes("None yet.", "en") and not page_codes("None (provincial staff)", "en")
    assert not page_codes("Status: approved by HR · amount 100,000.00", "en")
    assert not page_codes("附件 project_approval.pdf · 切换 English · 导出 PDF CSV Excel", "zh")
    assert not page_codes("人才 Anna Schmidt 编码 SX00000012X", "zh", ["Anna Schmidt"])
    assert not page_codes("统一社会信用代码 91140100100000001X，SHA-256 56c2ac043c28…", "zh")


# --- the browser ------------------------------------------------------------------------

#: The elements wider than the screen that are not inside a .table-wrap (which scrolls).
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap')
                 && getComputedStyle(e).visibility !== 'hidden')
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
              + ' "' + (e.textContent || '').trim().slice(0, 40) + '"')"""


#: Unfolds every closed <details> but evidence previews (for reading, then folded again).
OPEN_DETAILS = """() => { window.__opened = [...document.querySelectorAll('details:not([open]):not(.preview)')];
    window.__opened.forEach(d => { d.open = true; }); }"""


class Day:
    """One person's day in the browser: every page looked at goes through ``look``."""

    def __init__(self, browser, base: str, world: World, role: str, lang: str):
        self.base, self.world, self.role, self.lang = base, world, role, lang
        self.context = browser.new_context(
            base_url=base, viewport=DESKTOP, accept_downloads=True, locale="zh-CN"
        )
        self.context.on("console", watch_console)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.data = list(world.data_strings)  # what people typed or were given: not codes

    def login(self, username: str | None = None) -> None:
        page = self.page
        page.goto("/login")
        if self.lang == "en":  # the switch in the header, as a person would use it
            with page.expect_navigation():
                page.click("header button[name=lang][value=en]")
        page.fill("input[name=username]", username or ACTOR[self.role])
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        expect(page).to_have_url(f"{self.base}/")
        expect(page.locator("html")).to_have_attribute("lang", "en" if self.lang == "en" else "zh-CN")

    def visit(self, name: str, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        self.look(name)

    def look(self, name: str) -> None:
        """Check the page as it is, at desktop width and at 390 px, with a screenshot of each."""
        page = self.page
        page.wait_for_load_state("load")
        where = f"{self.role}-{self.lang}-{name}"
        found: dict[str, list[str]] = {}
        for suffix, size in (("", DESKTOP), ("-phone", PHONE)):
            if page.viewport_size != size:
                page.set_viewport_size(size)
            page.evaluate(OPEN_DETAILS)  # what a person would unfold is read too
            text = page.inner_text("body")
            page.evaluate("window.__opened.forEach(d => { d.open = false; })")
            for problem in page_codes(text, self.lang, self.data):
                found.setdefault(problem, []).append(suffix or "desktop")
            if suffix:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    out = page.evaluate(STICKING_OUT)
                    found[f"{width} px wide at 390 px; sticking out: {out[:6]}"] = ["phone"]
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{where}{suffix}.png"), full_page=True)
        for problem, sizes in found.items():
            self.problems.append(f"{where} [{'+'.join(s.strip('-') for s in sizes)}] ({page.url}): {problem}")
        page.set_viewport_size(DESKTOP)

    def flashes(self, kind: str = "error") -> list[str]:
        return self.page.locator(f".flash-{kind}").all_inner_texts()

    def end(self) -> None:
        self.context.close()
        problems = self.problems + [f"CSP: {e}" for e in CSP_ERRORS]
        assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def days_server(tmp_path_factory):
    """The application on a free port over a fresh SQLite database holding the world."""
    folder = tmp_path_factory.mktemp("e2e-days")
    os.environ["SUBSIDY_INSTANCE_PATH"] = str(folder)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'days.sqlite3'}",
            "SECRET_KEY": "e2e-days",
            "DOCUMENT_STORAGE": str(folder / "documents"),
            "JOB_STORAGE": str(folder / "job-results"),
            # light argon2 parameters: the algorithm is the same, the cost is not what is tested
            "PASSWORD_HASH_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        }
    )
    world = build_world(app)
    base, server = serve(app)
    yield base, world
    server.shutdown()


# --- the days -------------------------------------------------------------------------------

#: What the pages say, per language, where a day checks it.
WORDS = {
    "zh": {
        "returned": "已退回",
        "submitted": "已提交",
        "hr_approved": "人社厅已审核通过",
        "paid": "已拨付",
        "verified": "核验通过",
        "disabled": "已停用",
    },
    "en": {
        "returned": "returned",
        "submitted": "submitted",
        "hr_approved": "approved by HR",
        "paid": "paid",
        "verified": "The chain verifies",
        "disabled": "disabled",
    },
}


def _claim_url(world: World, purpose: str, lang: str) -> str:
    return f"/claims/{world.claims[purpose, lang]}"


def _attach_missing(day: Day, tmp_path) -> None:
    """Attach a scan for each document the claim page says is still missing."""
    page = day.page
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(PDF)
    while page.locator(".warn span[data-kind]").count():
        kind = page.locator(".warn span[data-kind]").first.get_attribute("data-kind")
        page.select_option("#documents select[name=kind]", kind)
        page.set_input_files("#documents input[name=file]", str(scan))
        with page.expect_navigation():
            page.click("#documents form.inline-form button[type=submit]")
        assert not day.flashes(), day.flashes()


def _pick_talent(day: Day, code: str, name: str) -> None:
    """The talent picker: part of the name typed, the server's suggestion taken."""
    page = day.page
    field_ = page.locator("input[name=talent_code]")
    field_.fill(name.split()[0])
    expect(page.locator(f"#talent-options option[value='{code}']")).to_have_count(1)
    field_.fill(code)
    expect(page.locator("#talent-picked")).to_have_text(name)


@pytest.mark.parametrize("lang", LANGS)
def test_employer_day(days_server, browser, tmp_path, lang):
    """The employer: home says what needs action first (the returned claim); files a claim with
    the form of its incentive and the talent picker; attaches the evidence and submits;
    answers the return; reads the notice in the inbox."""
    base, world = days_server
    words = WORDS[lang]
    CSP_ERRORS.clear()
    day = Day(browser, base, world, "employer", lang)
    page = day.page
    day.login()
    returned = world.claims["employer-returned", lang]
    expect(page.locator(f".needs-action li[data-claim='{returned}']")).to_have_count(1)
    day.look("home")

    # a claim: the incentive first, then only its fields; the talent from the picker
    day.visit("claim-form", "/claims/new")
    page.select_option("select[name=program_code]", "RECRUIT_KEY")
    expect(page.locator("#incentive-fields fieldset[data-incentive=RECRUIT_KEY]")).to_be_visible()
    expect(page.locator("#incentive-fields fieldset")).to_have_count(1)
    code, name = world.talents["employer-file", lang]
    _pick_talent(day, code, name)
    page.select_option("#RECRUIT_KEY-project_id", index=1)
    day.look("claim-form-filled")
    with page.expect_navigation():
        page.click("button[data-claim-save]")
    assert re.search(r"/claims/\d+$", page.url), day.flashes()
    expect(page.locator("#checks-title")).to_be_visible()
    assert page.locator("#checks-title + .table-wrap tbody tr").count() >= 3
    day.look("claim-draft")
    _attach_missing(day, tmp_path)
    day.look("claim-evidence")
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator(".facts")).to_contain_text(words["submitted"])
    day.look("claim-submitted")

    # the return: HR's comment is on the claim; corrected and submitted again
    day.visit("returned-claim", f"/claims/{returned}")
    expect(page.locator(".facts")).to_contain_text(words["returned"])
    expect(page.locator(".timeline")).to_contain_text("请补充护照复印件的清晰扫描件")
    page.fill("#edit-title + form textarea[name=justification]", "已补充清晰的护照复印件扫描件")
    with page.expect_navigation():
        page.click("#edit-title + form button[type=submit]")
    assert not day.flashes(), day.flashes()
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator(".facts")).to_contain_text(words["submitted"])
    day.look("returned-claim-answered")

    # the notice of the return, in the inbox: read, and marked read
    day.visit("inbox", "/inbox/")
    unread = int(page.locator("nav.main-nav .badge").get_attribute("data-unread"))
    assert unread > 0
    if page.locator(".page-size a", has_text="100").count():  # the notice may be further down
        with page.expect_navigation():
            page.click(".page-size a >> text=100")
    notice = page.locator("ul.inbox li", has=page.locator(f"a[href='/claims/{returned}']")).first
    expect(notice).to_contain_text("请补充护照复印件的清晰扫描件")
    with page.expect_navigation():
        notice.locator("button").click()
    expect(page.locator("nav.main-nav .badge")).to_have_attribute("data-unread", str(unread - 1))
    day.look("inbox-read")
    day.visit("claims", "/claims/")
    day.end()


@pytest.mark.parametrize("lang", LANGS)
def test_intermediary_day(days_server, browser, tmp_path, lang):
    """The intermediary files a commission claim ((五), paid to it) for a talent it placed,
    found with the picker; attaches the contract and submits; its list holds only its own
    claims, and another applicant's claim is not found."""
    base, world = days_server
    words = WORDS[lang]
    CSP_ERRORS.clear()
    day = Day(browser, base, world, "intermediary", lang)
    page = day.page
    day.login()
    day.look("home")
    day.visit("claim-form", "/claims/new")
    offered = page.locator("select[name=program_code] option").evaluate_all("os => os.map(o => o.value)")
    assert "HEADHUNTER" in offered and "RECRUIT_KEY" not in offered, offered  # what it may claim
    page.select_option("select[name=program_code]", "HEADHUNTER")
    # the picker offers the talents it has named on its claims before; a new one by code
    _pick_talent(day, *world.talents["intermediary-known", None])
    code, name = world.talents["intermediary-file", lang]
    page.fill("input[name=talent_code]", code)
    page.fill("#HEADHUNTER-contract_signed_on", "2023-11-20")
    page.fill("#HEADHUNTER-commission", "48000.00")
    day.look("claim-form-filled")
    with page.expect_navigation():
        page.click("button[data-claim-save]")
    assert re.search(r"/claims/\d+$", page.url), day.flashes()
    claim_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#checks-title .ok")).to_have_count(1)  # eligible
    day.look("claim-draft")
    _attach_missing(day, tmp_path)
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator(".facts")).to_contain_text(words["submitted"])
    day.look("claim-submitted")

    day.visit("claims", "/claims/")
    listed = page.locator("main table tbody tr td:first-child a").evaluate_all(
        "as => as.map(a => Number(a.getAttribute('href').split('/').pop()))"
    )
    assert claim_id in listed
    assert not set(listed) & set(world.claims.values()), "an employer's claim in the intermediary's list"
    response = page.goto(_claim_url(world, "hr-approve", lang))  # an employer's claim
    assert response.status == 404
    day.look("someone-elses-claim")
    day.end()


@pytest.mark.parametrize("lang", LANGS)
def test_hr_day(days_server, browser, lang):
    """HR: the home page says what waits by stage, overdue first; the queue (what awaits HR by
    default) is searched, sorted and paged; a claim's rule checks are read; one claim is
    returned with a comment and one approved, each from the claim page (the return through
    its confirmation page); an appeal is decided by a reviewer other than the one who
    rejected (who is shown no decision buttons on it)."""
    base, world = days_server
    words = WORDS[lang]
    CSP_ERRORS.clear()
    day = Day(browser, base, world, "hr", lang)
    page = day.page
    day.login()
    waiting = page.locator("table.waiting tbody tr")
    expect(waiting.first).to_have_class("overdue")  # overdue first
    late = [
        int(i)
        for i in waiting.evaluate_all(
            "rs => rs.filter(r => r.classList.contains('overdue')).map(r => r.dataset.claim)"
        )
    ]
    assert set(world.others["late"]) <= set(late), late
    assert int(page.locator(".stats li[data-stage=hr_review]").get_attribute("data-count")) > 0
    day.look("home")

    # the queue: what awaits HR; searched by talent name, sorted by amount, 50 a page
    day.visit("queue", "/claims/")
    statuses = page.locator("main table tbody td .status").all_inner_texts()
    assert statuses and set(statuses) <= {words["submitted"], "已申辩" if lang == "zh" else "appealed"}, (
        statuses
    )
    code, name = world.talents["hr-approve", lang]
    page.fill("#f-q", name)
    with page.expect_navigation():
        page.click("form[role=search] button[type=submit]")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(name)
    day.look("queue-search")
    page.goto("/claims/")
    with page.expect_navigation():
        page.click("nav.tabs a")  # all statuses
    with page.expect_navigation():
        page.click("th a[href*='sort=amount']")
    with page.expect_navigation():
        page.click(".page-size a >> text=50")
    assert "per_page=50" in page.url and "sort=amount" in page.url, page.url
    amounts = [
        Decimal(t.replace(",", ""))
        for t in page.locator("main table tbody td.num").all_inner_texts()
        if t.strip()
    ]
    assert amounts == sorted(amounts) or amounts == sorted(amounts, reverse=True), amounts
    assert rows.count() > 20  # more than one page of the default size
    day.look("queue-all-by-amount")

    # select all on this page: every row ticked by the header's box, "some" when one is not;
    # the confirmation counts what was ticked (and nothing is decided: the way back is taken)
    page.goto("/claims/")
    everything = page.locator("thead input[data-select-all=claim_ids]")
    boxes = page.locator("tbody input[name=claim_ids]")
    expect(everything).to_be_visible()
    shown = boxes.count()
    assert shown >= 3, shown
    everything.check()
    assert boxes.evaluate_all("bs => bs.every(b => b.checked)")
    boxes.first.uncheck()
    assert everything.evaluate("b => b.indeterminate && !b.checked")
    boxes.first.check()
    assert everything.evaluate("b => b.checked && !b.indeterminate")
    page.select_option("#bulk-action", "hr_approve")
    with page.expect_navigation():
        page.click("button[form=bulk][value=selected]")
    confirm = page.locator("form[data-confirm-page]")
    expect(confirm.locator(".facts")).to_contain_text(f"{shown:,}")
    day.look("confirm-bulk-selection")
    with page.expect_navigation():
        confirm.locator(".dialog-buttons a").click()  # back to the queue
    assert page.url.split("?")[0].endswith("/claims/"), page.url

    # a claim's checks, each with its clause; returned with a comment, after confirming
    day.visit("claim", _claim_url(world, "hr-return", lang))
    checks = page.locator("#checks-title + .table-wrap tbody tr")
    assert checks.count() >= 4
    clauses = checks.locator("td:last-child").all_inner_texts()
    assert all(re.search(r"\([一二三四五六七八九十]+\)", c) for c in clauses), clauses  # each its clause
    page.fill("#decision-comment", "请补充护照复印件的清晰扫描件")
    with page.expect_navigation():
        page.click("button[name=action][value=return]")
    expect(page.locator("form[data-confirm-page]")).to_be_visible()
    expect(page.locator("form[data-confirm-page] .facts")).to_contain_text(name_of(world, "hr-return", lang))
    day.look("confirm-return")
    with page.expect_navigation():
        page.click("form[data-confirm-page] button[type=submit]")
    expect(page.locator(".flash-info")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text(words["returned"])
    day.look("claim-returned")

    # another approved (HR approval is not irreversible here: finance reviews next)
    page.goto(_claim_url(world, "hr-approve", lang))
    page.fill("#decision-comment", "材料齐全，符合(六)")
    with page.expect_navigation():
        page.click("button[name=action][value=hr_approve]")
    expect(page.locator(".flash-info")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text(words["hr_approved"])
    day.look("claim-approved")

    # the appeal: the reviewer who rejected it is offered no decision on it
    appeal = _claim_url(world, "hr-appeal", lang)
    rejecter = Day(browser, base, world, "hr", lang)
    rejecter.login("li-na")
    rejecter.visit("appeal-as-rejecter", appeal)
    expect(rejecter.page.locator("button[name=action]")).to_have_count(0)
    rejecter.context.close()
    day.problems += rejecter.problems
    day.visit("appeal", appeal)
    expect(page.locator(".timeline")).to_contain_text("合同签订日期有误")
    page.fill("#decision-comment", "申辩理由成立，更正后的合同在项目期内")
    with page.expect_navigation():
        page.click("button[name=action][value=hr_approve]")
    expect(page.locator(".flash-info")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text(words["hr_approved"])
    day.look("appeal-decided")
    day.end()


def name_of(world: World, purpose: str, lang: str) -> str:
    return world.talents[purpose, lang][1]


@pytest.mark.parametrize("lang", LANGS)
def test_finance_day(days_server, browser, lang):
    """Finance: the home page's budget charts with their tables; the finance queue; a claim
    page with its budget line and the line's state after approval; approval through the
    confirmation page; a payment batch built; a second finance user approves it and
    records its disbursement, each confirmation showing count, total and bank reference."""
    base, world = days_server
    words = WORDS[lang]
    CSP_ERRORS.clear()
    day = Day(browser, base, world, "finance", lang)
    page = day.page
    day.login()
    for chart in ("budget", "monthly"):
        canvas = page.locator(f"canvas[data-chart={chart}]")
        expect(canvas).to_be_visible()
        page.wait_for_function("c => c.width > 0 && c.height > 0", arg=canvas.element_handle())
    tables = page.locator("details.chart-table")
    expect(tables).to_have_count(2)
    tables.first.locator("summary").click()  # the table beside the chart
    expect(tables.first.locator("tbody tr.total")).to_be_visible()
    day.look("home")

    day.visit("queue", "/claims/")
    approve = world.claims["finance-approve", lang]
    expect(page.locator(f"main table tbody a[href='/claims/{approve}']")).to_have_count(1)
    statuses = set(page.locator("main table tbody td .status").all_inner_texts())
    assert words["submitted"] not in statuses, statuses  # what awaits finance, not HR

    # the claim: its budget line, and the line after approving it
    day.visit("claim", f"/claims/{approve}")
    panel = page.locator(".budget-panel")
    expect(panel).to_be_visible()
    facts = panel.locator("dd").all_inner_texts()
    allocated, committed, paid, available, after = (Decimal(re.sub(r"[^\d.]", "", f)) for f in facts[1:6])
    assert allocated == Decimal("5000000.00") and available - after == Decimal("100000.00"), facts
    with page.expect_navigation():
        page.click("button[name=action][value=finance_approve]")
    confirm = page.locator("form[data-confirm-page]")
    expect(confirm).to_be_visible()
    expect(confirm.locator(".facts")).to_contain_text(f"{after:,.2f}")  # the line after approval
    day.look("confirm-approval")
    with page.expect_navigation():
        confirm.locator("button[type=submit]").click()
    expect(page.locator(".flash-info")).to_contain_text("100,000.00")
    day.look("claim-approved")

    # a batch of this claim and the other one of this day
    day.visit("payments", "/payments/")
    batch_claims = [approve, world.claims["finance-batch", lang]]
    for claim_id in batch_claims:
        page.check(f"input[name=claim_ids][value='{claim_id}']")
    with page.expect_navigation():
        page.click("form:has(input[name=claim_ids]) button[type=submit]")
    assert re.search(r"/payments/batches/\d+$", page.url), day.flashes()
    batch_url = page.url.removeprefix(base)
    total = page.locator(".facts dd").nth(1).inner_text().split(" ")[0]
    day.look("batch-built")
    day.context.close()

    # four eyes: another finance user approves it, then records the bank's transfer
    day2 = Day(browser, base, world, "finance", lang)
    day2.login("chen-jie")
    page = day2.page
    day2.visit("batch-to-approve", batch_url)
    with page.expect_navigation():
        page.click("form.action-form button[type=submit]")
    confirm = page.locator("form[data-confirm-page]")
    expect(confirm.locator(".facts")).to_contain_text(total)
    day2.look("confirm-batch-approval")
    with page.expect_navigation():
        confirm.locator("button[type=submit]").click()
    expect(page.locator(".flash-info")).to_be_visible()
    reference = f"ICBC-2026-{lang.upper()}-0042"
    page.fill("input[name=bank_reference]", reference)
    with page.expect_navigation():
        page.click("form.action-form button[type=submit]")
    facts = confirm.locator(".facts")
    for shown in ("2", total, reference):  # count, total, bank reference
        expect(facts).to_contain_text(shown)
    day2.look("confirm-disbursement")
    with page.expect_navigation():
        confirm.locator("button[type=submit]").click()
    expect(page.locator(".flash-info")).to_contain_text(reference)
    expect(page.locator(".facts")).to_contain_text("陈杰")  # who disbursed, by name
    day2.look("batch-disbursed")
    day2.visit("claim-paid", f"/claims/{approve}")
    expect(page.locator(".facts")).to_contain_text(words["paid"])
    day2.problems = day.problems + day2.problems
    day2.end()


#: Forms an auditor may post: they read (exports and verification run as jobs), or are the
#: language switch and logging out. Any other POST form would change something.
READING_POSTS = ("/ledger/exports", "/ledger/verification", "/reports/jobs/", "/language", "/logout")


def _changing_forms(page) -> list[str]:
    actions = page.locator("form[method=post], form[method=POST]").evaluate_all(
        "fs => fs.map(f => f.getAttribute('action') || location.pathname)"
    )
    actions += page.locator("button[formmethod=post]").evaluate_all(
        "bs => bs.map(b => b.getAttribute('formaction'))"
    )
    return [a for a in actions if not any(a.startswith(r) for r in READING_POSTS)]


@pytest.mark.parametrize("lang", LANGS)
def test_auditor_day(days_server, browser, tmp_path, lang):
    """The auditor reads everything and changes nothing: the ledger with payees by name, its
    verification, the budget report as PDF, the audit trail with actions in words; a paid
    claim, its batch and the users, without one button that changes anything."""
    base, world = days_server
    words = WORDS[lang]
    CSP_ERRORS.clear()
    day = Day(browser, base, world, "auditor", lang)
    page = day.page
    day.login()
    expect(page.locator("canvas[data-chart=budget]")).to_be_visible()
    day.look("home")
    day.visit("ledger", "/ledger/")
    assert page.locator("table.ledger tbody tr").count() > 10
    assert not _changing_forms(page), _changing_forms(page)
    with page.expect_navigation():
        page.click("main a[href$='/ledger/verify']")
    expect(page.locator(".verify-ok")).to_contain_text(words["verified"])
    day.look("ledger-verified")

    day.visit("reports", "/reports/")
    with page.expect_download() as download:
        page.click("button[formaction$='budget.pdf']")
    pdf = tmp_path / "budget.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not _changing_forms(page), _changing_forms(page)

    day.visit("audit-trail", "/audit/")
    assert page.locator("main table tbody tr").count() > 10
    what = page.locator("main table tbody td:nth-child(3)").all_inner_texts()
    assert not [w for w in what if re.fullmatch(r"[a-z_.]+", w)], what  # in words
    day.visit("claim-paid", f"/claims/{world.others['paid']}")
    expect(page.locator(".facts")).to_contain_text(words["paid"])
    expect(page.locator("button[name=action]")).to_have_count(0)
    assert not _changing_forms(page), _changing_forms(page)
    day.visit("batch", f"/payments/batches/{world.others['batch']}")
    assert not _changing_forms(page), _changing_forms(page)
    day.visit("users", "/users/")
    assert not _changing_forms(page), _changing_forms(page)
    with page.expect_navigation():
        page.click("main table tbody a >> nth=0")
    assert not _changing_forms(page), _changing_forms(page)
    day.look("user")
    day.end()


#: The user each administrator's day creates: user name, display name.
NEW_USERS = {"zh": ("qian-duo", "示范装备 财务部 钱多"), "en": ("jiang-tao", "示范装备 财务部 江涛")}


@pytest.mark.parametrize("lang", LANGS)
def test_admin_day(days_server, browser, lang):
    """The administrator: creates a user (the organisation chosen by name), disables and
    enables it, resets its password (shown once), changes its role and organisation by name,
    each change that is not undone through its confirmation page; unlocks a locked user."""
    base, world = days_server
    words = WORDS[lang]
    CSP_ERRORS.clear()
    day = Day(browser, base, world, "admin", lang)
    page = day.page
    day.login()
    day.look("home")
    day.visit("users", "/users/")
    username, display = NEW_USERS[lang]
    employer_org, _employer2, agency = world.others["organizations"]
    page.fill("#username", username)
    page.fill("#password", "Qd-7f3k9-Lm2x")
    page.select_option("#role", "employer")
    option = page.locator("#organization_id option", has_text=employer_org)
    page.select_option("#organization_id", option.get_attribute("value"))
    page.fill("#display_name", display)
    day.look("user-form-filled")
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert not day.flashes(), day.flashes()
    page.fill("#f-q", username)
    with page.expect_navigation():
        page.click("form.inline-form button[type=submit]")
    with page.expect_navigation():
        page.click(f"main table a >> text={username}")
    user_url = page.url.removeprefix(base)
    expect(page.locator(".facts")).to_contain_text(employer_org)  # the organisation by name
    day.look("user")

    # disable (asked first, with the reason), then enable again
    page.fill("#disable-reason", "借调期间暂停使用")
    with page.expect_navigation():
        page.click("form[action$='/disable'] button[type=submit]")
    expect(page.locator("form.confirm")).to_be_visible()
    day.look("confirm-disable")
    with page.expect_navigation():
        page.click("form.confirm button[type=submit]")
    expect(page.locator("h1 .tag-red")).to_have_text(words["disabled"])
    day.look("user-disabled")
    page.fill("#enable-reason", "借调结束")
    with page.expect_navigation():
        page.click("form[action$='/enable'] button[type=submit]")
    expect(page.locator("h1 .tag-red")).to_have_count(0)

    # a new password, shown once
    page.fill("#reset-reason", "本人遗忘密码，电话核实身份")
    with page.expect_navigation():
        page.click("form[action$='/password-reset'] button[type=submit]")
    day.look("confirm-password-reset")
    with page.expect_navigation():
        page.click("form.confirm button[type=submit]")
    password = page.locator("code.new-password").inner_text()
    assert len(password) >= 12, password
    day.data.append(password)  # random letters, not a code
    day.look("password-shown-once")
    page.goto(user_url)
    assert password not in page.inner_text("body")

    # another role and organisation, chosen by name
    page.select_option("form[action$='/role'] select[name=role]", "intermediary")
    option = page.locator("form[action$='/role'] select[name=organization_id] option", has_text=agency)
    page.select_option("form[action$='/role'] select[name=organization_id]", option.get_attribute("value"))
    page.fill("form[action$='/role'] textarea[name=reason]", "调入三晋国际人才服务有限公司")
    with page.expect_navigation():
        page.click("form[action$='/role'] button[type=submit]")
    expect(page.locator("form.confirm .facts")).to_contain_text(agency)
    day.look("confirm-role")
    with page.expect_navigation():
        page.click("form.confirm button[type=submit]")
    expect(page.locator(".facts")).to_contain_text(agency)
    day.look("user-role-changed")

    # a user locked out by failed logins, unlocked
    page.goto(f"/users/?q={LOCKED[lang]}")
    with page.expect_navigation():
        page.click(f"main table a >> text={LOCKED[lang]}")
    expect(page.locator("h1 .tag-late")).to_be_visible()
    day.look("locked-user")
    page.fill("#unlock-reason", "本人来电，已核实身份")
    with page.expect_navigation():
        page.click("form[action$='/unlock'] button[type=submit]")
    expect(page.locator("h1 .tag-late")).to_have_count(0)
    expect(page.locator(".flash-info")).to_be_visible()
    day.look("user-unlocked")
    day.end()
