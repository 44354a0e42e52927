"""Load demonstration data through the same operations a user would call."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..awards import operations as awards
from ..awards.models import Award
from ..bankaccounts import operations as bankaccounts
from ..budgets import operations as budgets
from ..claims import actions, documents
from ..claims import operations as claims
from ..claims.models import Claim
from ..core.permissions import Actor
from ..core.timeutil import local_today
from ..extensions import db
from ..inspections import operations as inspections
from ..inspections.models import InspectionPlan, Inspector
from ..organizations import credit_code
from ..organizations import operations as organizations
from ..organizations.models import Organization
from ..payments import operations as payments
from ..programs import operations as programs
from ..programs.models import DocumentRequirement
from ..projects import operations as projects
from ..talents import identity
from ..talents import operations as talents
from ..talents.models import Talent, TalentPassport
from ..users import operations as users


@dataclass
class DemoAccount:
    username: str
    role: str
    password: str
    organization: str | None


# kind, name, first 17 characters of the credit code, city
ORGANIZATIONS = [
    ("employer", "山西示范装备制造有限公司", "91140100100000001", "太原市"),
    ("employer", "晋中新材料研究院", "12140700100000002", "晋中市"),
    ("intermediary", "三晋国际人才服务有限公司", "91140100100000003", "太原市"),
]

# user name, role, organisation index, display name
USERS = [
    ("admin", "admin", None, "系统管理员"),
    ("hr", "hr", None, "省人社厅 审核员甲"),
    ("hr2", "hr", None, "省人社厅 审核员乙"),
    ("hrlead", "hr", None, "省人社厅 处长（上级审核）"),
    ("finance", "finance", None, "省财政厅 复核员甲"),
    ("finance2", "finance", None, "省财政厅 复核员乙"),
    ("auditor", "auditor", None, "省审计厅 审计员"),
    ("employer", "employer", 0, "示范装备 人事部"),
    ("employer2", "employer", 1, "新材料研究院 人事处"),
    ("agent", "intermediary", 2, "三晋国际 顾问"),
]

TALENTS = [
    dict(
        name="Hans Müller",
        nationality="DEU",
        passport_no="C4F7J2K9L",
        birth_date=date(1978, 5, 12),
        degree="doctorate",
        years_experience=14,
        work_permit_no="1140100200000123",
        permit_class="A",
        org=0,
        shanxi_start_date=date(2024, 3, 1),
        talent_kind="research",
    ),
    dict(
        name="Emily Carter",
        nationality="USA",
        passport_no="567012345",
        birth_date=date(1986, 9, 30),
        degree="master",
        years_experience=8,
        work_permit_no="1140100200000456",
        permit_class="B",
        org=0,
        shanxi_start_date=date(2025, 6, 15),
        talent_kind="professional",
    ),
    dict(
        name="陈大文 CHAN Tai Man",
        nationality="HKG",
        passport_no="H12345678",
        birth_date=date(1990, 2, 14),
        degree="master",
        years_experience=6,
        org=1,
        shanxi_start_date=date(2025, 9, 1),
        talent_kind="urgent",
    ),
    dict(
        name="Yuki Tanaka",
        nationality="JPN",
        passport_no="TR1234567",
        birth_date=date(1996, 7, 7),
        degree="bachelor",
        years_experience=2,
        work_permit_no="1140700200000789",
        permit_class="B",
        org=1,
        shanxi_start_date=date(2024, 9, 1),
        graduated_in_china=True,
        talent_kind="professional",
    ),
]


def _ensure_organizations() -> list[Organization]:
    result = []
    for kind, name, first17, city in ORGANIZATIONS:
        code = credit_code.complete(first17)
        existing = organizations.find_by_credit_code(code)
        result.append(
            existing
            or organizations.create_organization(
                None,
                kind=kind,
                name=name,
                credit_code=code,
                city=city,
                bank_name="中国工商银行太原迎泽支行",
                bank_account_no=f"0502{first17[-8:]}0001",
            )
        )
    return result


def _ensure_talents(orgs: list[Organization]) -> None:

    for spec in TALENTS:
        spec = dict(spec)
        org = orgs[spec.pop("org")]
        passport = identity.normalize_passport(spec["passport_no"])
        held = db.session.execute(
            select(TalentPassport.id).where(
                TalentPassport.passport_no == passport, TalentPassport.nationality == spec["nationality"]
            )
        ).first()
        if not held:
            talent = talents.register_talent(None, employer_id=org.id, **spec)
            hr = users.find_user("hr")
            bankaccounts.set_bank_account(
                hr,
                "talent",
                talent.talent_code,
                bank_name="中国银行山西省分行",
                account_no=f"6216600{talent.id:09d}",
            )


def _new_password() -> str:
    """12 letters and digits, without the look-alikes 0/O and 1/l/I."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def load_demo() -> list[DemoAccount]:
    """Create what is missing; every demo account gets a new random password, printed once."""
    orgs = _ensure_organizations()
    accounts = []
    for username, role, org_index, display_name in USERS:
        password = _new_password()
        org = orgs[org_index] if org_index is not None else None
        user = users.find_user(username)
        if user is None:
            users.create_user(
                None,
                username=username,
                password=password,
                role=role,
                organization_id=org.id if org else None,
                display_name=display_name,
                is_senior=username == "hrlead",
            )
        else:
            users.set_password(None, user, password, reason="demo data reloaded: new password")
        accounts.append(DemoAccount(username, role, password, org.name if org else None))
    _ensure_talents(orgs)
    _ensure_claims(orgs)
    _ensure_supervision()
    return accounts


def _sample_pdf(title: str) -> bytes:
    """A one-page PDF standing in for a scanned document."""

    from reportlab.lib.pagesizes import A4  # noqa: PLC0415 (reportlab is loaded when demo evidence is made)
    from reportlab.pdfgen import canvas  # noqa: PLC0415 (reportlab is loaded when demo evidence is made)

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("Helvetica", 14)
    page.drawString(72, 770, "Sample evidence for the demonstration")
    page.drawString(72, 745, title)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _attach_all(actor: Actor, claim) -> None:

    for kind in claim.program.documents_by(DocumentRequirement.ESSENTIAL) + claim.program.documents_by(
        DocumentRequirement.DEFERRABLE
    ):
        data = _sample_pdf(f"{claim.program.code} / {kind}")
        documents.upload(
            actor, claim.id, kind=kind, file=FileStorage(io.BytesIO(data), filename=f"{kind}.pdf")
        )


def _ensure_claims(orgs: list[Organization]) -> None:
    """A few claims at different stages, so that each role has something to look at."""

    if db.session.execute(select(Claim.id).limit(1)).first():
        return
    hr, employer, agent = (users.find_user(n) for n in ("hr", "employer", "agent"))
    key = projects.create_project(hr, name="2024年度省级重点引才项目（高端装备）", level="key", year=2024)
    projects.create_project(hr, name="2025年度省级常规引才项目", level="regular", year=2025)
    hans, emily = (talents.find_talent(code) for code in _codes_of(["C4F7J2K9L", "567012345"]))
    recruit = claims.create_claim(
        employer, program_code="RECRUIT_KEY", talent_code=hans.talent_code, details={"project_id": key.id}
    )
    _attach_all(employer, recruit)
    actions.act(employer, recruit.id, action="submit")
    commission = claims.create_claim(
        agent,
        program_code="HEADHUNTER",
        talent_code=hans.talent_code,
        details={"contract_signed_on": "2024-01-15", "commission": "60000.00"},
    )
    _attach_all(agent, commission)
    actions.act(agent, commission.id, action="submit")
    travel = claims.create_claim(
        employer, program_code="TRAVEL", talent_code=emily.talent_code, amount_requested="9650.00"
    )
    _attach_all(employer, travel)
    _ensure_budgets()
    _pay(travel.id)
    actions.act(hr, recruit.id, action="hr_approve", comment="材料齐全，符合(六)")
    actions.act(users.find_user("finance"), recruit.id, action="finance_approve", comment="预算内，同意支付")


#: The demonstration budget of the current fiscal year, per program (yuan).
DEMO_BUDGETS = {
    "RECRUIT_KEY": "5000000.00",
    "RECRUIT_REGULAR": "2000000.00",
    "HEADHUNTER": "1000000.00",
    "TRAVEL": "300000.00",
}


def _ensure_budgets() -> None:

    finance = users.find_user("finance")
    year = budgets.current_fiscal_year()
    for code, amount in DEMO_BUDGETS.items():
        program = programs.find_program(code)
        if budgets.find_line(year, program.id) is None:
            budgets.allocate(
                finance,
                fiscal_year=year,
                program_code=code,
                amount=Decimal(amount),
                reason="演示数据：年度专项经费 demonstration allocation",
            )


def _pay(claim_id: int) -> None:
    """Take a claim through HR and finance approval, a four-eyes batch and disbursement."""

    employer, hr, finance, finance2 = (users.find_user(n) for n in ("employer", "hr", "finance", "finance2"))
    actions.act(employer, claim_id, action="submit")
    actions.act(hr, claim_id, action="hr_approve", comment="票据齐全")
    actions.act(finance, claim_id, action="finance_approve", comment="同意")
    batch = payments.create_batch(finance, claim_ids=[claim_id])
    payments.approve_batch(finance2, batch.id)
    payments.disburse_batch(finance, batch.id, bank_reference=f"ICBC-DEMO-{batch.id:04d}")


def _codes_of(passports: list[str]) -> list[str]:

    return [
        db.session.execute(
            select(Talent.talent_code).join(TalentPassport).where(TalentPassport.passport_no == number)
        ).scalar_one()
        for number in passports
    ]


def _ensure_supervision() -> None:
    """Two HR inspectors on the roster, this year's inspection plan, a Friendship Award and
    a provincial demonstration base (each with its claim), so that those pages are not empty."""

    hr = users.find_user("hr")
    for name, field in (("hr2", "资助资金使用"), ("hrlead", "引才中介服务")):
        user = users.find_user(name)
        if not db.session.execute(select(Inspector.id).where(Inspector.user_id == user.id)).first():
            inspections.add_inspector(hr, user_id=user.id, field=field)
    year = local_today().year
    if not db.session.execute(select(InspectionPlan.id).where(InspectionPlan.year == year)).first():
        inspections.create_plan(
            hr,
            year=year,
            matters=["引才资助资金申领和使用情况", "引才中介佣金的真实性", "引才示范推广基地建设情况"],
        )
    if not db.session.execute(select(Award.id).limit(1)).first():
        hans = talents.find_talent(_codes_of(["C4F7J2K9L"])[0])
        awards.record_award(hr, kind="friendship_provincial", talent_code=hans.talent_code, year=year - 1)
        employer2 = organizations.find_by_credit_code(credit_code.complete(ORGANIZATIONS[1][2]))
        awards.record_base(
            hr, level="provincial", organization_id=employer2.id, designated_on=date(year, 3, 1)
        )
