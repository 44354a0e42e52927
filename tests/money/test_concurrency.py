"""Fifty finance approvals at the same moment, each on its own connection, never reserve
more than the allocation, and the reservations add up to the budget line (no drift)."""

import threading
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from subsidy_app import create_app
from subsidy_app.extensions import db
from tests.conftest import TEST_CONFIG, new_credit_code

CLAIMS = 50
FITS = 20  # the allocation holds twenty claims of 50,000


def _setup(app):
    from subsidy_app.budgets import operations as budgets
    from subsidy_app.claims.models import Claim, ClaimStatus, Stage
    from subsidy_app.organizations import operations as organizations
    from subsidy_app.programs import operations as programs
    from subsidy_app.projects import operations as projects
    from subsidy_app.talents import operations as talents
    from subsidy_app.users import operations as users

    with app.app_context():
        org = organizations.create_organization(
            None, kind="employer", name="并发测试单位", credit_code=new_credit_code(), city="太原市"
        )
        employer = users.create_user(
            None,
            username="conc-employer",
            password="a-long-password",
            role="employer",
            organization_id=org.id,
        )
        hr = users.create_user(None, username="conc-hr", password="a-long-password", role="hr")
        finance = users.create_user(None, username="conc-finance", password="a-long-password", role="finance")
        talent = talents.register_talent(
            None,
            name="Con Current",
            nationality="DEU",
            passport_no="CC1",
            birth_date=date(1980, 1, 1),
            degree="master",
            years_experience=5,
            work_permit_no="WP1",
            permit_class="B",
            employer_id=org.id,
            shanxi_start_date=date(2024, 1, 1),
        )
        program = programs.find_program("RECRUIT_REGULAR")
        budgets.allocate(
            finance,
            fiscal_year=budgets.current_fiscal_year(),
            program_code="RECRUIT_REGULAR",
            amount=Decimal(FITS * 50000),
        )
        ids = []
        for n in range(CLAIMS):
            project = projects.create_project(hr, name=f"常规项目{n}", level="regular", year=2024)
            claim = Claim(
                program=program,
                organization=org,
                talent=talent,
                filed_by_id=employer.id,
                status=ClaimStatus.HR_APPROVED,
                stage=Stage.FINANCE_REVIEW,
                amount_approved=Decimal("50000.00"),
                details={"project_id": project.id},
                eligible=True,
                eligibility=[],
            )
            db.session.add(claim)
            db.session.flush()
            ids.append(claim.id)
        token, _ = users.issue_token(finance)
        db.session.commit()
        return ids, token


def test_concurrent_finance_approvals_never_overspend(database_url):
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CLAIMS, "max_overflow": 0},
        }
    )
    claim_ids, token = _setup(app)
    barrier = threading.Barrier(CLAIMS)
    results: dict[int, tuple[int, str | None]] = {}

    def approve(claim_id):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/claims/{claim_id}/actions",
            json={"action": "finance_approve"},
            headers={"Authorization": f"Bearer {token}"},
        )
        results[claim_id] = (
            response.status_code,
            response.json["error"]["code"] if response.status_code >= 400 else None,
        )

    threads = [threading.Thread(target=approve, args=(i,)) for i in claim_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = [status for status, _code in results.values()]
    assert len(results) == CLAIMS
    assert statuses.count(200) == FITS, results
    assert statuses.count(409) == CLAIMS - FITS, results
    assert {code for status, code in results.values() if status == 409} == {"budget_exhausted"}

    from subsidy_app.budgets.models import BudgetLine
    from subsidy_app.claims.models import Claim, ClaimStatus
    from subsidy_app.ledger import operations as ledger

    with app.app_context():
        line = db.session.execute(select(BudgetLine)).scalar_one()
        reserved = db.session.execute(
            select(func.sum(Claim.amount_committed)).where(Claim.status == ClaimStatus.FINANCE_APPROVED)
        ).scalar_one()
        approved = db.session.execute(
            select(func.count(Claim.id)).where(Claim.status == ClaimStatus.FINANCE_APPROVED)
        ).scalar_one()
        assert approved == FITS
        assert line.committed == Decimal(reserved) == line.allocated == Decimal(FITS * 50000)
        assert line.available == 0
        assert ledger.balance("committed") == line.committed
        assert ledger.verify_chain().ok
        from subsidy_app.budgets import operations as budgets

        assert budgets.drift() == []
        db.engine.dispose()


DRAFTS = 8


def test_of_drafts_submitted_at_once_exactly_one_wins(database_url):
    """Drafts never block, so several may exist for one person's once-only subsidy; submitted
    at the same moment on separate connections, exactly one passes (the submissions for one
    person are serialised) and the others are refused with the rule (409 not_eligible)."""
    import io

    from subsidy_app.organizations import operations as organizations
    from subsidy_app.talents import operations as talents
    from subsidy_app.users import operations as users
    from tests.world import PDF

    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": DRAFTS, "max_overflow": 0},
        }
    )
    with app.app_context():
        org = organizations.create_organization(
            None, kind="employer", name="并发提交单位", credit_code=new_credit_code(), city="太原市"
        )
        employer = users.create_user(
            None,
            username="race-employer",
            password="a-long-password",
            role="employer",
            organization_id=org.id,
        )
        talent = talents.register_talent(
            None,
            name="Race Condition",
            nationality="DEU",
            passport_no="RC1",
            birth_date=date(1980, 1, 1),
            degree="master",
            years_experience=5,
            work_permit_no="WPRC1",
            permit_class="B",
            employer_id=org.id,
            shanxi_start_date=date(2024, 1, 1),
        )
        token, _ = users.issue_token(employer)
        code = talent.talent_code
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    ids = []
    for _ in range(DRAFTS):
        claim = client.post(
            "/api/v1/claims",
            json={"program_code": "TRAVEL", "talent_code": code, "amount_requested": "5000.00"},
            headers=headers,
        ).json
        assert claim["eligibility"]["eligible"], claim
        for kind in claim["required_documents"]:
            assert (
                client.post(
                    f"/api/v1/claims/{claim['id']}/documents",
                    headers=headers,
                    data={"kind": kind, "file": (io.BytesIO(PDF), "e.pdf")},
                    content_type="multipart/form-data",
                ).status_code
                == 201
            )
        ids.append(claim["id"])
    barrier = threading.Barrier(DRAFTS)
    results: dict[int, tuple[int, str | None]] = {}

    def submit(claim_id):
        mine = app.test_client()
        barrier.wait()
        response = mine.post(f"/api/v1/claims/{claim_id}/actions", json={"action": "submit"}, headers=headers)
        results[claim_id] = (
            response.status_code,
            response.json["error"]["code"] if response.status_code >= 400 else None,
        )

    threads = [threading.Thread(target=submit, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results.values(), key=str) == sorted(
        [(200, None)] + [(409, "not_eligible")] * (DRAFTS - 1), key=str
    ), results
    from subsidy_app.claims.models import Claim, ClaimStatus

    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Claim.id)).where(Claim.status == ClaimStatus.SUBMITTED)
            ).scalar_one()
            == 1
        )
        db.engine.dispose()
