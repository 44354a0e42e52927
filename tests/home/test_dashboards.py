"""Each role's home page is its work: what waits for this user (overdue first), what needs an
applicant's action, the batches waiting for a second finance user, the budget as charts whose
data are the budget report's figures; the unread notices in the navigation; and a fixed
number of SQL statements whatever the number of claims."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, update

from subsidy_app.claims.models import Claim
from subsidy_app.core.timeutil import local_today
from subsidy_app.extensions import db
from tests.users.test_html_login import login
from tests.world import act

ENGLISH = {"Accept-Language": "en"}


def _home(client, username) -> str:
    login(client, username)
    response = client.get("/", headers=ENGLISH)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _set_deadline(app, claim_id, days_from_today: int) -> None:
    with app.app_context():
        db.session.execute(
            update(Claim)
            .where(Claim.id == claim_id)
            .values(stage_deadline=local_today() + timedelta(days=days_from_today))
        )
        db.session.commit()


def _stage_count(page, stage) -> tuple[int, int]:
    match = re.search(rf'data-stage="{stage}" data-count="(\d+)" data-overdue="(\d+)"', page)
    assert match, stage
    return int(match.group(1)), int(match.group(2))


def _waiting_ids(page) -> list[int]:
    table = page.split('<table class="waiting">', 1)[1].split("</table>", 1)[0]
    return [int(i) for i in re.findall(r'<tr[^>]*data-claim="(\d+)"', table)]


def _ready_for_payment(world, ready_claim, program="RECRUIT_KEY", **overrides) -> int:
    claim_id = ready_claim(program, submit=True, **overrides)
    assert act(world.hr, claim_id, "hr_approve").status_code == 200
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    return claim_id


# --- HR ---------------------------------------------------------------------------------------------


def test_hr_sees_what_waits_for_review_with_the_overdue_one_first(app, world, client, ready_claim):
    on_time = ready_claim("RECRUIT_KEY", submit=True)
    late = ready_claim("RECRUIT_REGULAR", submit=True)
    _set_deadline(app, on_time, 5)
    _set_deadline(app, late, -3)
    page = _home(client, world.hr.user.username)
    assert _stage_count(page, "hr_review") == (2, 1)
    assert _waiting_ids(page)[:2] == [late, on_time]
    row = re.search(rf'<tr class="overdue" data-claim="{late}">.*?</tr>', page, re.S).group(0)
    assert "overdue" in row
    # the counts link to the filtered queue, and the queue holds as many
    assert 'href="/claims/?stage=hr_review"' in page
    assert 'href="/claims/?stage=hr_review&amp;overdue=1"' in page
    assert [c["id"] for c in world.hr.get("/claims?stage=hr_review&overdue=true").json["items"]] == [late]
    # a reviewer who is not senior has no second-approval stage on the page
    assert 'data-stage="hr_second_approval"' not in page
    assert "My recent jobs" in page


def test_a_senior_hr_reviewer_also_sees_second_approvals(world, client):
    page = _home(client, world.senior.user.username)
    assert _stage_count(page, "hr_second_approval") == (0, 0)
    assert _stage_count(page, "appeal_review") == (0, 0)


# --- applicants -----------------------------------------------------------------------------------


def test_an_employer_whose_claim_was_returned_sees_it_under_needs_your_action(world, client, ready_claim):
    returned = ready_claim("RECRUIT_KEY", submit=True)
    draft = ready_claim("RECRUIT_REGULAR")
    assert act(world.hr, returned, "return", comment="请核对机票金额").status_code == 200
    page = _home(client, world.employer.user.username)
    action = page.split('class="needs-action"', 1)[1].split("</section>", 1)[0]
    assert "returned to you" in action
    assert re.search(rf'<ul class="compact-list returned"[^>]*>\s*<li data-claim="{returned}">', action)
    assert f'data-claim="{draft}"' in action.split("drafts not submitted", 1)[1]
    assert 'href="/claims/?status=returned" data-count="1"' in action
    # the notice of the return is among the latest notices
    notices = page.split('class="compact-list notices"', 1)[1].split("</ul>", 1)[0]
    assert f'href="/claims/{returned}"' in notices
    # another organisation sees none of it
    other = _home(client, world.other_employer.user.username)
    assert f'data-claim="{returned}"' not in other and "Nothing needs your action now." in other


def test_an_intermediary_has_a_home_of_its_own_work(world, client):
    page = _home(client, world.agent.user.username)
    assert "Needs your action" in page and "Commissions" in page


# --- finance --------------------------------------------------------------------------------------


def test_finance_sees_a_batch_built_by_another_as_waiting_for_its_approval_and_not_its_own(
    world, client, ready_claim
):
    first = _ready_for_payment(world, ready_claim, "RECRUIT_KEY")
    second = _ready_for_payment(world, ready_claim, "RECRUIT_REGULAR")
    mine = world.finance.post("/payment-batches", json={"claim_ids": [first]})
    theirs = world.finance2.post("/payment-batches", json={"claim_ids": [second]})
    assert mine.status_code == theirs.status_code == 201
    page = _home(client, world.finance.user.username)
    assert 'data-batches="to-approve" data-count="1"' in page
    assert 'data-batches="mine" data-count="1"' in page
    assert f'data-batch="{theirs.json["id"]}"' in page
    assert f'data-batch="{mine.json["id"]}"' not in page  # not one's own to approve
    # and the other way round for the other finance user
    page2 = _home(client, world.finance2.user.username)
    assert f'data-batch="{mine.json["id"]}"' in page2 and f'data-batch="{theirs.json["id"]}"' not in page2


def test_finance_sees_claims_awaiting_review_overdue_first(app, world, client, ready_claim):
    later = ready_claim("RECRUIT_KEY", submit=True)
    late = ready_claim("RECRUIT_REGULAR", submit=True)
    for claim_id in (later, late):
        assert act(world.hr, claim_id, "hr_approve").status_code == 200
    _set_deadline(app, later, 4)
    _set_deadline(app, late, -1)
    page = _home(client, world.finance.user.username)
    assert _stage_count(page, "finance_review") == (2, 1)
    assert _waiting_ids(page)[:2] == [late, later]


def _chart(page, name) -> dict:
    tag = re.search(rf'<canvas data-chart="{name}"[^>]*>', page, re.S).group(0)
    return {
        key: json.loads(value.replace("&#34;", '"').replace("&amp;", "&"))
        for key, value in re.findall(r"data-(labels|series|allocated)='([^']*)'", tag)
    }


def test_the_budget_chart_draws_the_budget_reports_figures(app, world, client, ready_claim):
    from tests.world import paid_claim

    paid_claim(world, ready_claim)
    _ready_for_payment(world, ready_claim, "RECRUIT_REGULAR")  # committed, not paid
    report = world.finance.get(f"/reports/budget?fiscal_year={world.year}").json
    for who in ("finance", "auditor"):
        page = _home(client, getattr(world, who).user.username)
        chart = _chart(page, "budget")
        assert chart["labels"] == [row["name_en"] for row in report["programs"]]
        series = {s["key"]: s["values"] for s in chart["series"]}
        for key in ("paid", "committed", "available"):
            assert [Decimal(v) for v in series[key]] == [Decimal(row[key]) for row in report["programs"]]
        assert [Decimal(v) for v in chart["allocated"]] == [
            Decimal(r["allocated"]) for r in report["programs"]
        ]
        # paid by month: this month holds what was paid, the months add up to the year's paid
        monthly = _chart(page, "monthly")
        paid = [Decimal(v) for v in monthly["series"][0]["values"]]
        assert monthly["labels"][-1] == local_today().strftime("%Y-%m")
        assert sum(paid) == Decimal(report["total"]["paid"]) > 0 and paid[-1] == Decimal(
            report["total"]["paid"]
        )
        # the charts are drawn by the vendored library, loaded as files (no inline script)
        assert "/static/vendor/chartjs/chart.umd.min.js" in page and "/static/js/charts.js" in page
        assert re.search(r"<script>(?!</script>)", page) is None
        # and each chart has its table
        assert page.count("The figures as a table") == 2
    assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


# --- auditor and administrator --------------------------------------------------------------------


def test_the_auditor_sees_the_ledger_verification_state_and_claims_by_status(world, client, ready_claim):
    ready_claim("RECRUIT_KEY", submit=True)
    page = _home(client, world.auditor.user.username)
    assert "The ledger has not been verified as a job yet." in page
    assert 'href="/ledger/verify"' in page
    assert 'data-status="submitted" data-count="1"' in page and 'href="/claims/?status=submitted"' in page


def test_the_administrator_sees_locked_and_disabled_users(app, world, client):
    from subsidy_app.core.timeutil import utcnow
    from subsidy_app.users.models import User

    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == world.hr2.user.id)
            .values(locked_until=utcnow() + timedelta(hours=1))
        )
        db.session.execute(update(User).where(User.id == world.finance2.user.id).values(is_active=False))
        db.session.commit()
    page = _home(client, world.admin.user.username)
    assert 'data-users="locked" data-count="1"' in page and 'data-users="disabled" data-count="1"' in page
    assert world.hr2.user.username in page and world.finance2.user.username in page
    assert "Latest entries of the audit trail" in page


# --- the navigation's unread count ----------------------------------------------------------------


def _unread(page) -> int:
    return int(re.search(r'class="badge" data-unread="(\d+)"', page).group(1))


def test_the_unread_count_in_the_navigation_falls_when_a_notice_is_read(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    page = _home(client, world.employer.user.username)
    before = _unread(page)
    assert act(world.hr, claim_id, "return", comment="请补充材料").status_code == 200
    page = client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert _unread(page) == before + 1
    assert f'data-unread="{before + 1}"' in page.split("</header>", 1)[0]  # the phone header too
    notes = world.employer.get("/notifications?unread=true").json["items"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/inbox/{notes[0]['id']}/read", data={"csrf_token": token})
    assert response.status_code == 302
    assert _unread(client.get("/inbox/").get_data(as_text=True)) == before


# --- a fixed number of statements -----------------------------------------------------------------


class _Statements:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _statements(app, client) -> int:
    counter = _Statements()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert client.get("/", headers=ENGLISH).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.count


def _more_claims(app, world, ready_claim, make_talent, programs) -> None:
    """Per program, claims of new talents: submitted and overdue, returned, a draft, and one
    approved by HR and finance."""
    for program in programs:
        submitted = ready_claim(program, submit=True, talent=make_talent(world.employer_org))
        returned = ready_claim(program, submit=True, talent=make_talent(world.employer_org))
        assert act(world.hr, returned, "return", comment="补正").status_code == 200
        ready_claim(program, talent=make_talent(world.employer_org))  # a draft
        _set_deadline(app, submitted, -2)
        _ready_for_payment(world, ready_claim, program, talent=make_talent(world.employer_org))


@pytest.mark.parametrize("who", ["hr", "finance", "auditor", "employer", "admin"])
def test_the_home_page_takes_as_many_statements_whatever_the_number_of_claims(
    app, world, client, ready_claim, make_talent, who
):
    _more_claims(app, world, ready_claim, make_talent, ["RECRUIT_KEY"])
    login(client, getattr(world, who).user.username)
    client.get("/")
    few = _statements(app, client)
    _more_claims(app, world, ready_claim, make_talent, ["RECRUIT_KEY", "RECRUIT_REGULAR", "RECRUIT_KEY"])
    login(client, getattr(world, who).user.username)
    client.get("/")
    many = _statements(app, client)
    assert many == few, (few, many)
    assert few < 40
