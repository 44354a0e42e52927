"""The claims queue at a department's volume (issue 15): what awaits each reviewer by default
with an "all statuses" switch, one search box, sorting, page sizes and page links, the
red list first at no per-row cost, a constant number of statements whatever the page size,
and "select all N matching" carrying the search to the job."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from sqlalchemy import event, insert, select

from subsidy_app.claims.models import Claim
from subsidy_app.core.timeutil import local_today
from subsidy_app.extensions import db
from subsidy_app.jobs.models import Job
from subsidy_app.programs.models import Program
from subsidy_app.talents.models import Talent
from tests.jobs.test_job_pages import _csrf, _hidden, _job_id
from tests.users.test_html_login import login

EN = {"Accept-Language": "en"}

#: (status, stage) of the claims put in the queue, by name.
STATES = {
    "draft": ("draft", "drafting"),
    "submitted": ("submitted", "hr_review"),
    "second": ("submitted", "hr_second_approval"),
    "appealed": ("appealed", "appeal_review"),
    "returned": ("returned", "applicant_response"),
    "hr_approved": ("hr_approved", "finance_review"),
    "finance_approved": ("finance_approved", "payment"),
    "paid": ("paid", "closed"),
}


@pytest.fixture
def put_claims(app, world):
    """Insert claims directly (the queue's volume, not the workflow, is under test):
    ``put_claims(state, n, **overrides)`` returns their ids."""

    def put(state: str, n: int = 1, *, program: str = "TRAVEL", talent: str | None = None, **overrides):
        status, stage = STATES[state]
        with app.app_context():
            program_id = db.session.execute(select(Program.id).where(Program.code == program)).scalar_one()
            talent_id = db.session.execute(
                select(Talent.id).where(Talent.talent_code == (talent or world.talent))
            ).scalar_one()
            rows = [
                dict(
                    program_id=program_id,
                    status=status,
                    stage=stage,
                    stage_deadline=overrides.get("stage_deadline", local_today() + timedelta(days=10 + i)),
                    organization_id=overrides.get("organization_id", world.employer_org),
                    talent_id=talent_id,
                    filed_by_id=world.employer.user.id,
                    amount_requested=overrides.get("amount_requested", Decimal("10000.00") + i),
                    details={},
                    eligible=True,
                    eligibility=[],
                    version=1,
                )
                for i in range(n)
            ]
            ids = [
                db.session.execute(insert(Claim).values(**row).returning(Claim.id)).scalar_one()
                for row in rows
            ]
            db.session.commit()
        return ids

    return put


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/claims/(\d+)">#\d+</a>', html)]


def _queue(client, path="/claims/") -> str:
    response = client.get(path, headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_reviewer_sees_what_awaits_them_first_and_all_statuses_on_request(world, client, put_claims):
    ids = {state: put_claims(state)[0] for state in STATES}
    login(client, world.hr.user.username)
    page = _queue(client)
    assert set(_ids(page)) == {ids["submitted"], ids["second"], ids["appealed"]}
    assert "Awaiting HR" in page and 'href="/claims/?show=all"' in page
    everything = _queue(client, "/claims/?show=all")
    assert set(_ids(everything)) == set(ids.values())
    # an explicit status is what the reviewer asked for, whatever the default
    assert _ids(_queue(client, "/claims/?status=paid")) == [ids["paid"]]
    login(client, world.finance.user.username)
    assert set(_ids(_queue(client))) == {ids["hr_approved"], ids["finance_approved"]}
    assert "Awaiting finance" in _queue(client)
    # employers keep seeing their own claims, every status, no switch
    login(client, world.employer.user.username)
    mine = _queue(client)
    assert set(_ids(mine)) == set(ids.values()) and "Awaiting HR" not in mine
    # the API keeps its default (every status) and takes awaiting= as a new parameter
    assert world.hr.get("/claims").json["total"] == len(STATES)
    awaiting = world.hr.get("/claims?awaiting=finance").json
    assert {c["id"] for c in awaiting["items"]} == {ids["hr_approved"], ids["finance_approved"]}


def test_one_box_searches_number_talent_organisation_and_incentive(world, client, put_claims, make_talent):
    zhou = make_talent(world.other_org, name="Zhou Qingyun", degree="master")
    travel = put_claims("submitted")[0]
    other = put_claims("submitted", program="RECRUIT_KEY", talent=zhou, organization_id=world.other_org)[0]
    login(client, world.hr.user.username)
    for q, expected in (
        (f"#{travel}", [travel]),
        (str(other), [other]),
        ("qingyun", [other]),  # talent name, any case
        (zhou, [other]),  # talent code
        ("另一用人", [other]),  # organisation name
        ("RECRUIT_KEY", [other]),  # incentive code
        ("Ada", [travel]),
        ("nobody at all", []),
    ):
        assert _ids(_queue(client, f"/claims/?q={quote(q)}")) == expected, q
        assert [c["id"] for c in world.hr.get(f"/claims?q={quote(q)}").json["items"]] == expected, q
    # the search keeps to what the user may see
    login(client, world.employer.user.username)
    assert _ids(_queue(client, "/claims/?q=qingyun")) == []
    assert world.employer.get("/claims?q=qingyun").json["total"] == 0


def test_sort_page_size_total_and_page_links(world, client, put_claims):
    ids = put_claims("submitted", 45)
    login(client, world.hr.user.username)
    by_amount = _ids(_queue(client, "/claims/?sort=amount&direction=desc"))
    assert by_amount == sorted(ids, reverse=True)[:20]  # amounts grow with the id here
    api = world.hr.get("/claims?sort=amount&direction=desc&per_page=50").json
    assert [c["id"] for c in api["items"]] == sorted(ids, reverse=True)
    assert (api["total"], api["page"], api["per_page"]) == (45, 1, 50)
    page = _queue(client, "/claims/?q=Ada&sort=amount&direction=desc&page=2")
    assert _ids(page) == sorted(ids, reverse=True)[20:40]
    assert "Page 2 of 3 (45 in all)" in page
    for text in ("First", "Previous", "Next", "Last"):
        assert f">{text}</a>" in page
    last = re.search(r'<a href="([^"]+)">Last</a>', page).group(1).replace("&amp;", "&")
    assert "q=Ada" in last and "sort=amount" in last and "direction=desc" in last and "page=3" in last
    assert '<strong aria-current="page">2</strong>' in page
    assert 'aria-sort="descending"' in page
    fifty = _queue(client, "/claims/?per_page=50")
    assert len(_ids(fifty)) == 45 and "45 in all" in fifty
    assert len(_ids(_queue(client, "/claims/?per_page=7"))) == 20  # not an offered size
    assert len(_ids(_queue(client, "/claims/?per_page=abc&page=zz&sort=evil&dir=x"))) == 20


def test_red_listed_applicants_first_in_the_queue_order(world, client, put_claims, make_org):
    red_org = make_org("employer", name="诚信典型单位")
    late = put_claims("submitted", 3)
    red = put_claims("submitted", organization_id=red_org, stage_deadline=local_today() + timedelta(days=60))[
        0
    ]
    no_deadline = put_claims("submitted", stage_deadline=None)[0]
    listed = world.hr.post(
        "/credit-list",
        json={"subject_kind": "organization", "subject_id": red_org, "list": "red", "reason": "诚信典型"},
    )
    assert listed.status_code == 201
    login(client, world.hr.user.username)
    page = _queue(client)
    assert _ids(page) == [red, *late, no_deadline]
    assert page.count("Red-listed applicant: goes first") == 1
    api = world.hr.get("/claims?awaiting=hr").json["items"]
    assert [c["id"] for c in api] == [red, *late, no_deadline]
    assert [c["red_listed"] for c in api] == [True, False, False, False, False]


def test_a_page_runs_the_same_statements_whatever_its_size(app, world, client, put_claims, make_org):
    red_org = make_org("employer", name="诚信典型单位")
    put_claims("submitted", 30)
    put_claims("submitted", 30, organization_id=red_org)
    world.hr.post(
        "/credit-list",
        json={"subject_kind": "organization", "subject_id": red_org, "list": "red", "reason": "诚信典型"},
    )
    login(client, world.hr.user.username)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        seen = {}
        for path in ("/claims/?per_page=20", "/claims/?per_page=50", "/api/v1/claims?per_page=5"):
            statements.clear()
            client.get(
                path,
                headers={**EN, **({"Authorization": f"Bearer {world.hr.token}"} if "api" in path else {})},
            )
            seen[path] = len(statements)
        statements.clear()
        client.get("/claims/?per_page=100", headers=EN)
        big_html = len(statements)
        statements.clear()
        client.get("/api/v1/claims?per_page=60", headers={**EN, "Authorization": f"Bearer {world.hr.token}"})
        big_api = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert seen["/claims/?per_page=20"] == seen["/claims/?per_page=50"] == big_html
    assert seen["/api/v1/claims?per_page=5"] == big_api
    assert big_html <= 15 and big_api <= 12


def test_select_all_matching_carries_the_search_and_the_default_queue(
    app, world, client, put_claims, make_talent
):
    zhou = make_talent(world.employer_org, name="Zhou Qingyun", degree="master")
    found = put_claims("submitted", 2, talent=zhou)
    put_claims("submitted", 3)
    put_claims("hr_approved", 1, talent=zhou)  # matches the search, does not await HR
    login(client, world.hr.user.username)
    queue = _queue(client, "/claims/?q=qingyun")
    assert set(_ids(queue)) == set(found)
    assert '<input type="hidden" name="filter-q" value="qingyun">' in queue
    assert '<input type="hidden" name="filter-awaiting" value="hr">' in queue
    assert "Select all 2 claims matching this filter" in queue
    token = _csrf(client, "/claims/?q=qingyun")
    asked = client.post(
        "/claims/bulk/confirm",
        data={
            "csrf_token": token,
            "action": "hr_approve",
            "scope": "all",
            "filter-q": "qingyun",
            "filter-awaiting": "hr",
        },
    )
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    fields = _hidden(page)
    assert fields["filter-q"] == "qingyun" and fields["filter-awaiting"] == "hr"
    job_id = _job_id(client.post("/claims/bulk", data=fields))
    with app.app_context():
        filters = db.session.get(Job, job_id).params["filters"]
    assert {k: v for k, v in filters.items() if v is not None} == {"q": "qingyun", "awaiting": "hr"}
    # the job took the two claims the queue showed (directly inserted claims have no
    # documents: refused one by one, which is not what is tested here)
    state = client.get(f"/jobs/{job_id}/status", headers=EN).json
    assert state["total"] == 2
