"""The claim page's decisions: a move that cannot be undone is made only from its
confirmation page (which says what will happen and changes nothing), then the message says
what happened; one comment box; who did each step; finance sees the budget line."""

import re
from decimal import Decimal

import pytest

from tests.users.test_html_login import login
from tests.world import act, claim_status, paid_claim


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def _line(world, program="RECRUIT_KEY"):
    items = world.finance.get("/budgets", query_string={"fiscal_year": world.year}).json["items"]
    return next(line for line in items if line["program_code"] == program)


def _money(value) -> str:
    return f"{Decimal(value):,.2f}"


def _claim_in(world, ready_claim, status):
    claim_id = ready_claim("RECRUIT_KEY", submit=status != "draft")
    if status in ("hr_approved", "finance_approved"):
        assert act(world.hr, claim_id, "hr_approve").status_code == 200
    if status == "finance_approved":
        assert act(world.finance, claim_id, "finance_approve").status_code == 200
    return claim_id


CASES = [
    # (action, who, status before, status after, the words of the confirmation's button)
    ("withdraw", "employer", "draft", "withdrawn", "Yes, withdraw claim"),
    ("return", "hr", "submitted", "returned", "Yes, return claim"),
    ("hr_reject", "hr", "submitted", "rejected", "Yes, reject claim"),
    ("finance_reject", "finance", "hr_approved", "rejected", "Yes, reject claim"),
    ("finance_reject", "finance", "finance_approved", "rejected", "Yes, reject claim"),
    ("finance_approve", "finance", "hr_approved", "finance_approved", "Yes, approve and reserve"),
]


@pytest.mark.parametrize("action, who, before, after, button", CASES)
def test_an_irreversible_move_waits_for_its_confirmation(
    world, client, ready_claim, action, who, before, after, button
):
    claim_id = _claim_in(world, ready_claim, before)
    committed_before = _line(world)["committed"]
    login(client, getattr(world, who).user.username)
    _english(client)
    token = _csrf(client, f"/claims/{claim_id}")
    data = {"csrf_token": token, "action": action, "comment": "材料不实"}

    asked = client.post(f"/claims/{claim_id}/actions", data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert button in page and 'name="confirm" value="yes"' in page
    assert f"#{claim_id}" in page and "示范用人单位" in page and "Ada Researcher" in page
    assert "材料不实" in page  # the comment goes along
    assert claim_status(world.hr, claim_id) == before  # nothing changed
    assert _line(world)["committed"] == committed_before

    done = client.post(f"/claims/{claim_id}/actions", data={**data, "confirm": "yes"}, follow_redirects=True)
    assert claim_status(world.hr, claim_id) == after
    text = done.get_data(as_text=True)
    assert f"Claim #{claim_id}" in text and "Done:" not in text


def test_the_finance_confirmation_shows_the_payee_and_the_budget_after_approval(world, client, ready_claim):
    claim_id = _claim_in(world, ready_claim, "hr_approved")
    amount = Decimal(world.hr.get(f"/claims/{claim_id}").json["amount_approved"])
    line = _line(world)
    login(client, world.finance.user.username)
    _english(client)
    token = _csrf(client, f"/claims/{claim_id}")
    page = client.post(
        f"/claims/{claim_id}/actions", data={"csrf_token": token, "action": "finance_approve"}
    ).get_data(as_text=True)
    assert "Available after approval" in page
    assert _money(Decimal(line["available"]) - amount) in page
    assert _money(amount) in page
    assert "(the employer)" in page or "(the talent)" in page
    done = client.post(
        f"/claims/{claim_id}/actions",
        data={"csrf_token": token, "action": "finance_approve", "confirm": "yes"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert (
        f"Claim #{claim_id} approved for payment: {_money(amount)} yuan reserved on the {world.year}" in done
    )
    assert Decimal(_line(world)["committed"]) == Decimal(line["committed"]) + amount


def test_a_rejection_without_a_reason_asks_for_one_before_any_confirmation(world, client, ready_claim):
    claim_id = _claim_in(world, ready_claim, "submitted")
    login(client, world.hr.user.username)
    token = _csrf(client, f"/claims/{claim_id}")
    refused = client.post(f"/claims/{claim_id}/actions", data={"csrf_token": token, "action": "hr_reject"})
    assert refused.status_code == 302
    assert 'name="confirm"' not in client.get(refused.location).get_data(as_text=True)
    assert claim_status(world.hr, claim_id) == "submitted"


def test_a_submission_says_who_reviews_it_and_by_when(world, client, ready_claim):
    claim_id = _claim_in(world, ready_claim, "draft")
    login(client, world.employer.user.username)
    _english(client)
    token = _csrf(client, f"/claims/{claim_id}")
    page = client.post(
        f"/claims/{claim_id}/actions", data={"csrf_token": token, "action": "submit"}, follow_redirects=True
    ).get_data(as_text=True)
    deadline = world.hr.get(f"/claims/{claim_id}").json["stage_deadline"]
    assert f"Claim #{claim_id} submitted: the provincial HR reviews it by {deadline}." in page


def test_the_hr_page_has_one_comment_box_and_names_who_did_each_step(world, client, ready_claim):
    claim_id = _claim_in(world, ready_claim, "submitted")
    login(client, world.hr.user.username)
    _english(client)
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert page.count('name="comment"') == 1
    for action in ("hr_approve", "hr_reject", "return"):
        assert f'name="action" value="{action}"' in page
    history = page.split('id="history-title"', 1)[1]
    assert world.employer.user.username in history and "(Employer)" in history


def test_finance_sees_the_budget_line_and_what_approval_leaves(world, client, ready_claim):
    claim_id = _claim_in(world, ready_claim, "hr_approved")
    amount = Decimal(world.hr.get(f"/claims/{claim_id}").json["amount_approved"])
    line = _line(world)
    login(client, world.finance.user.username)
    _english(client)
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    panel = page.split('id="budget-title"', 1)[1].split("</section>", 1)[0]
    assert str(world.year) in panel
    for figure in ("allocated", "committed", "paid", "available"):
        assert _money(line[figure]) in panel
    assert _money(Decimal(line["available"]) - amount) in panel
    assert "would be refused" not in panel
    login(client, world.employer.user.username)
    assert 'id="budget-title"' not in client.get(f"/claims/{claim_id}").get_data(as_text=True)


def test_an_approval_that_does_not_fit_is_announced_and_leaves_nothing_behind(world, client, ready_claim):
    claim_id = _claim_in(world, ready_claim, "hr_approved")
    line = _line(world)
    cut = world.finance.post(
        f"/budgets/{line['id']}/adjustments",
        json={"amount": f"-{Decimal(line['available']) - Decimal('1.00')}", "reason": "压减"},
    )
    assert cut.status_code in (200, 201), cut.json
    login(client, world.finance.user.username)
    _english(client)
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "the approval would be refused (budget exhausted)" in page
    token = _csrf(client, f"/claims/{claim_id}")
    client.post(
        f"/claims/{claim_id}/actions",
        data={"csrf_token": token, "action": "finance_approve", "confirm": "yes"},
    )
    assert claim_status(world.hr, claim_id) == "hr_approved"  # the refusal left no half-move
    assert _line(world)["committed"] == line["committed"]
    history = world.hr.get(f"/claims/{claim_id}").json["history"]
    assert [h["action"] for h in history].count("finance_approve") == 0


def test_a_payment_correction_waits_for_its_confirmation(world, client, ready_claim):
    claim_id, _batch = paid_claim(world, ready_claim, "TRAVEL")

    def state():
        claim = world.finance.get(f"/claims/{claim_id}").json
        return claim.get("amount_paid"), len(claim["history"]), world.finance.get("/ledger").json["total"]

    paid = state()
    login(client, world.finance.user.username)
    _english(client)
    token = _csrf(client, f"/claims/{claim_id}")
    data = {"csrf_token": token, "amount": "100.00", "reason": "票据金额有误", "bank_reference": "ICBC-R1"}
    asked = client.post(f"/claims/{claim_id}/correction", data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Yes, book the correction" in page and "ICBC-R1" in page
    assert state() == paid
    done = client.post(
        f"/claims/{claim_id}/correction", data={**data, "confirm": "yes"}, follow_redirects=True
    )
    assert f"Claim #{claim_id} corrected" in done.get_data(as_text=True)
    assert state() != paid


def test_the_api_needs_no_confirmation(world, ready_claim):
    claim_id = _claim_in(world, ready_claim, "submitted")
    assert act(world.hr, claim_id, "hr_reject", comment="不符合").status_code == 200
    assert claim_status(world.hr, claim_id) == "rejected"
