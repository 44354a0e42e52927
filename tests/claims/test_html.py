"""The HTML pages are thin shells over the same operations: who sees what, CSRF, field
errors in the page, and nothing changed by a refused action."""

import re

import pytest

from tests.users.test_html_login import login
from tests.world import act, paid_claim


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("employer", "/claims/", 200),
        ("employer", "/claims/new", 200),
        ("employer", "/payments/", 403),
        ("employer", "/ledger/", 403),
        ("employer", "/budgets/", 403),
        ("hr", "/claims/", 200),
        ("hr", "/budgets/", 200),
        ("hr", "/ledger/", 403),
        ("finance", "/payments/", 200),
        ("finance", "/ledger/", 200),
        ("finance", "/ledger/verify", 200),
        ("auditor", "/ledger/", 200),
        ("auditor", "/ledger/verify", 200),
        ("auditor", "/payments/", 200),
        ("auditor", "/claims/?page=abc", 200),
    ],
)
def test_who_opens_which_page(world, client, who, path, status):
    login(client, getattr(world, who).user.username)
    assert client.get(path).status_code == status


def test_an_applicant_sees_only_its_own_claims(world, client, ready_claim):
    mine = ready_claim("RECRUIT_KEY")
    login(client, world.other_employer.user.username)
    assert client.get(f"/claims/{mine}").status_code == 404
    assert f"#{mine}" not in client.get("/claims/").get_data(as_text=True)
    login(client, world.employer.user.username)
    page = client.get(f"/claims/{mine}").get_data(as_text=True)
    assert "(六)" in page and 'value="submit"' in page


def test_the_claim_form_shows_field_errors_in_the_page(world, client):
    login(client, world.employer.user.username)
    token = _csrf(client, "/claims/new")
    response = client.post(
        "/claims/new", data={"csrf_token": token, "program_code": "RECRUIT_KEY", "talent_code": "SX99999999X"}
    )
    assert response.status_code == 422
    assert 'class="field has-error"' in response.get_data(as_text=True)


def test_actions_need_the_csrf_token(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY")
    login(client, world.employer.user.username)
    assert client.post(f"/claims/{claim_id}/actions", data={"action": "submit"}).status_code == 400
    assert world.employer.get(f"/claims/{claim_id}").json["status"] == "draft"


def test_a_refused_action_changes_nothing_and_says_why(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    login(client, world.auditor.user.username)
    token = _csrf(client, f"/claims/{claim_id}")
    response = client.post(
        f"/claims/{claim_id}/actions",
        data={"csrf_token": token, "action": "hr_approve"},
        follow_redirects=True,
    )
    assert "flash-error" in response.get_data(as_text=True)
    assert world.hr.get(f"/claims/{claim_id}").json["status"] == "submitted"


def test_hr_approves_from_the_claim_page(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    login(client, world.hr.user.username)
    token = _csrf(client, f"/claims/{claim_id}")
    client.post(
        f"/claims/{claim_id}/actions",
        data={"csrf_token": token, "action": "hr_approve", "comment": "符合条件"},
    )
    assert world.hr.get(f"/claims/{claim_id}").json["status"] == "hr_approved"


def test_the_batch_builder_cannot_approve_it_in_the_page(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    assert act(world.hr, claim_id, "hr_approve").status_code == 200
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    login(client, world.finance.user.username)
    token = _csrf(client, "/payments/")
    built = client.post("/payments/", data={"csrf_token": token, "claim_ids": [claim_id]})
    assert built.status_code == 302 and "/payments/batches/" in built.location
    token = _csrf(client, built.location)
    page = client.post(built.location, data={"csrf_token": token, "action": "approve"}, follow_redirects=True)
    assert "flash-error" in page.get_data(as_text=True)
    batch_id = int(built.location.rstrip("/").rsplit("/", 1)[1])
    assert world.finance.get(f"/payment-batches/{batch_id}").json["status"] == "draft"


def test_the_ledger_page_shows_the_verification(world, client, ready_claim):
    paid_claim(world, ready_claim, "TRAVEL")
    login(client, world.auditor.user.username)
    page = client.get("/ledger/verify").get_data(as_text=True)
    assert "verify-ok" in page
    listing = client.get("/ledger/?account=bank").get_data(as_text=True)
    assert "(二十)" in listing


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("hr", "/talents/", 200),
        ("employer", "/talents/?q=Ada", 200),
        ("hr", "/organizations/?q=示范", 200),
        ("employer", "/organizations/", 200),
        ("hr", "/credit-list/", 200),
        ("employer", "/credit-list/", 403),
        ("hr", "/awards/", 200),
        ("auditor", "/awards/", 200),
        ("employer", "/awards/", 403),
        ("hr", "/inspections/", 200),
        ("auditor", "/inspections/", 200),
        ("finance", "/inspections/", 403),
        ("hr", "/conflicts/", 200),
        ("finance", "/conflicts/", 200),
        ("employer", "/conflicts/", 403),
    ],
)
def test_registry_and_supervision_pages(world, client, who, path, status):
    login(client, getattr(world, who).user.username)
    assert client.get(path).status_code == status


def test_the_talent_page_lists_the_talents_claims(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY")
    login(client, world.hr.user.username)
    page = client.get(f"/talents/{world.talent}").get_data(as_text=True)
    assert f"/claims/{claim_id}" in page


def test_hr_lists_and_lifts_in_the_page(world, client):
    login(client, world.hr.user.username)
    token = _csrf(client, "/credit-list/")
    listed = client.post(
        "/credit-list/",
        data={
            "csrf_token": token,
            "subject_kind": "organization",
            "subject_id": str(world.other_org),
            "list": "red",
            "reason": "守信激励",
        },
    )
    assert listed.status_code == 302
    listing = world.hr.get("/credit-list").json["items"][0]
    bad = client.post(
        "/credit-list/",
        data={
            "csrf_token": token,
            "subject_kind": "organization",
            "subject_id": "999999",
            "list": "red",
            "reason": "x",
        },
    )
    assert bad.status_code == 422 and "has-error" in bad.get_data(as_text=True)
    client.post(f"/credit-list/{listing['id']}/lift", data={"csrf_token": token, "reason": "期满"})
    assert world.hr.get("/credit-list").json["items"][0]["lifted_at"] is not None


def test_an_award_recorded_in_the_page_opens_its_claim(world, client):
    login(client, world.hr.user.username)
    token = _csrf(client, "/awards/")
    response = client.post(
        "/awards/",
        data={
            "csrf_token": token,
            "award-kind": "friendship_national",
            "award-talent_code": world.talent,
            "award-year": "2025",
        },
    )
    assert response.status_code == 302 and "/claims/" in response.location
    again = client.post(
        "/awards/",
        data={
            "csrf_token": token,
            "award-kind": "friendship_national",
            "award-talent_code": world.talent,
            "award-year": "2025",
        },
    )
    assert again.status_code == 422 and "flash-error" in again.get_data(as_text=True)


def test_a_draw_made_in_the_page_verifies(world, client):
    assert (
        world.hr.post("/inspectors", json={"user_id": world.hr2.user.id, "field": "资金"}).status_code == 201
    )
    login(client, world.hr.user.username)
    token = _csrf(client, "/inspections/")
    low = client.post(
        "/inspections/", data={"csrf_token": token, "draw-population": "employers", "draw-ratio": "0.01"}
    )
    assert low.status_code == 422 and "0.05" in low.get_data(as_text=True)
    made = client.post(
        "/inspections/",
        data={"csrf_token": token, "draw-population": "employers", "draw-ratio": "0.5", "draw-seed": "page"},
    )
    assert made.status_code == 302
    page = client.get(made.location + "?verify=1").get_data(as_text=True)
    assert "✔" in page and "page" in page


def test_an_administrator_adds_a_rate_in_the_page(world, client):
    login(client, world.admin.user.username)
    token = _csrf(client, "/programs/TRAVEL")
    done = client.post(
        "/programs/TRAVEL",
        data={
            "csrf_token": token,
            "rate-kind": "ceiling",
            "rate-amount": "12000.00",
            "rate-effective_from": "2027-01-01",
            "rate-reason": "晋人社发〔2026〕1号",
        },
    )
    assert done.status_code == 302
    assert "12,000.00" in client.get("/programs/TRAVEL").get_data(as_text=True)
    login(client, world.hr.user.username)
    assert "csrf_token" not in client.get("/programs/TRAVEL").get_data(as_text=True).split("<main", 1)[1]


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("employer", "/talents/new", 200),
        ("hr", "/organizations/new", 200),
        ("hr", "/projects/", 200),
        ("hr", "/recoveries/", 200),
        ("finance", "/recoveries/", 200),
        ("employer", "/recoveries/", 403),
        ("employer", "/projects/", 200),
    ],
)
def test_more_pages(world, client, who, path, status):
    login(client, getattr(world, who).user.username)
    assert client.get(path).status_code == status


def test_an_employer_registers_its_staff_in_the_page(world, client):
    login(client, world.employer.user.username)
    token = _csrf(client, "/talents/new")
    body = {
        "csrf_token": token,
        "name": "Carla Rossi",
        "nationality": "ita",
        "passport_no": "YA1234567",
        "birth_date": "1985-02-03",
        "degree": "master",
        "years_experience": "9",
        "permit_class": "B",
        "work_permit_no": "X12345",
        "shanxi_start_date": "2026-01-05",
        "talent_kind": "professional",
    }
    done = client.post("/talents/new", data=body)
    assert done.status_code == 302 and "/talents/SX" in done.location
    again = client.post("/talents/new", data=body)
    assert again.status_code == 422 and "SX" in again.get_data(as_text=True)  # names the existing code


def test_finance_allocates_and_adjusts_in_the_page(world, client):
    login(client, world.finance.user.username)
    token = _csrf(client, "/budgets/")
    year = world.year + 1
    page = f"/budgets/?fiscal_year={year}&lang=en"
    allocate = {
        "csrf_token": token,
        "allocate-program_code": "TRAVEL",
        "allocate-amount": "300000.00",
        "allocate-reason": "晋财社〔2027〕1号",
    }
    asked, done = _confirmed_twice(client, page, allocate)
    assert "0.00 → 300,000.00" in asked and "晋财社〔2027〕1号" in asked and done == 302
    adjust = {
        "csrf_token": token,
        "adjust-program_code": "TRAVEL",
        "adjust-amount": "-50000.00",
        "adjust-reason": "年中调整",
    }
    asked, done = _confirmed_twice(client, page, adjust)
    assert "300,000.00 → 250,000.00" in asked and done == 302
    assert "budget changed by" in client.get(page).get_data(as_text=True)  # says what was done
    line = next(
        l
        for l in world.finance.get("/budgets", query_string={"fiscal_year": year}).json["items"]
        if l["program_code"] == "TRAVEL"
    )
    assert line["allocated"] == "250000.00"
    refused = client.post(
        f"/budgets/?fiscal_year={year}",
        data={
            "csrf_token": token,
            "adjust-program_code": "KEY_TECH",
            "adjust-amount": "1.00",
            "adjust-reason": "x",
        },
    )
    assert refused.status_code == 422 and "has-error" in refused.get_data(as_text=True)


def test_hr_approves_a_selection_in_one_action(world, client, ready_claim):
    ids = [ready_claim("RECRUIT_KEY", submit=True), ready_claim("TRAVEL", submit=True)]
    login(client, world.hr.user.username)
    token = _csrf(client, "/claims/")
    done = client.post(
        "/claims/bulk",
        data={"csrf_token": token, "action": "hr_approve", "claim_ids": ids},
        follow_redirects=True,
    )
    assert "2" in done.get_data(as_text=True)
    assert {world.hr.get(f"/claims/{i}").json["status"] for i in ids} == {"hr_approved"}


def _confirmed_twice(client, path, data) -> tuple[str, int]:
    """Post a form: the confirmation page (nothing done yet), then the same with confirm=yes."""
    asked = client.post(path, data=data)
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.get_data(as_text=True)
    return asked.get_data(as_text=True), client.post(path, data={**data, "confirm": "yes"}).status_code


def test_a_recovery_order_is_raised_and_decided_in_the_page(world, client, ready_claim):
    claim_id, _batch = paid_claim(world, ready_claim, "TRAVEL")
    login(client, world.finance.user.username)
    token = _csrf(client, "/recoveries/")
    raise_it = {
        "csrf_token": token,
        "raise-claim_id": str(claim_id),
        "raise-amount": "1000.00",
        "raise-source": "audit",
        "raise-reason": "票据重复报销",
    }
    asked = client.post("/recoveries/?lang=en", data=raise_it).get_data(as_text=True)
    assert world.hr.get("/recoveries").json["items"] == []  # asked first: nothing booked yet
    assert "Yes, raise the order" in asked and "1,000.00" in asked and "audit" in asked
    assert "talent:" not in asked  # the payee by name
    assert client.post("/recoveries/", data={**raise_it, "confirm": "yes"}).status_code == 302
    order = world.hr.get("/recoveries").json["items"][0]
    page = client.get("/recoveries/").get_data(as_text=True)  # the payee by name, not talent:SX…
    talent = world.finance.get(f"/claims/{claim_id}").json["talent_code"]
    assert f"talent:{talent}" not in page and talent in page
    login(client, world.hr.user.username)
    token = _csrf(client, "/recoveries/")
    decide = {
        "csrf_token": token,
        "step-order_id": str(order["id"]),
        "step-step": "decide",
        "step-decision": "refund",
        "step-reason": "责令退回",
    }
    asked, done = _confirmed_twice(client, "/recoveries/", decide)
    assert "责令退回" in asked and done == 302
    listed = client.get("/recoveries/?lang=en").get_data(as_text=True)
    assert world.hr.get("/recoveries").json["items"][0]["status"] == "refund"
    assert "<td>refund</td>" not in listed and "<td>to be refunded</td>" in listed  # the status in words
    # the refund, asked first too (the payee's refund is booked in the ledger)
    login(client, world.finance.user.username)
    refund = {
        "csrf_token": _csrf(client, "/recoveries/"),
        "step-order_id": str(order["id"]),
        "step-step": "refund",
        "step-amount": "1000.00",
        "step-reference": "BANK-REF-77",
    }
    asked, done = _confirmed_twice(client, "/recoveries/", refund)
    assert "BANK-REF-77" in asked and done == 302
    assert world.hr.get("/recoveries").json["items"][0]["status"] == "settled"


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("employer", "/inbox/", 200),
        ("admin", "/users/", 200),
        ("auditor", "/users/", 200),
        ("hr", "/users/", 403),
    ],
)
def test_inbox_and_users_pages(world, client, who, path, status):
    login(client, getattr(world, who).user.username)
    assert client.get(path).status_code == status


def test_a_payee_account_is_set_in_the_page(world, client):
    login(client, world.employer.user.username)
    token = _csrf(client, f"/talents/{world.talent}")
    done = client.post(
        f"/talents/{world.talent}",
        data={
            "csrf_token": token,
            "bank-bank_name": "中国建设银行太原分行",
            "bank-account_no": "6227000000000001",
        },
    )
    assert done.status_code == 302
    # proposed by the employer: shown as awaiting HR, the confirmed account stays in effect
    assert "6227000000000001" in client.get(f"/talents/{world.talent}").get_data(as_text=True)
    talent = world.employer.get(f"/talents/{world.talent}").json
    assert talent["bank_account_no"] != "6227000000000001"
    assert talent["pending_bank_account"]["account_no"] == "6227000000000001"


def test_the_applicant_answers_a_return_in_the_page(world, client, ready_claim):
    claim_id = ready_claim("TRAVEL", submit=True)
    assert act(world.hr, claim_id, "return", comment="请核对机票金额").status_code == 200
    login(client, world.employer.user.username)
    token = _csrf(client, f"/claims/{claim_id}")
    client.post(f"/claims/{claim_id}/edit", data={"csrf_token": token, "amount_requested": "7000.00"})
    assert world.employer.get(f"/claims/{claim_id}").json["amount_requested"] == "7000.00"
    client.post(f"/claims/{claim_id}/actions", data={"csrf_token": token, "action": "submit"})
    assert world.employer.get(f"/claims/{claim_id}").json["status"] == "submitted"


def test_finance_corrects_a_paid_amount_in_the_page(world, client, ready_claim):
    claim_id, _batch = paid_claim(world, ready_claim, "TRAVEL")
    login(client, world.finance.user.username)
    token = _csrf(client, f"/claims/{claim_id}")
    client.post(
        f"/claims/{claim_id}/correction",
        data={"csrf_token": token, "amount": "8000.00", "reason": "票面金额录入错误", "confirm": "yes"},
    )
    assert world.finance.get(f"/claims/{claim_id}").json["history"][-1]["action"] == "payment_corrected"
    kinds = {
        e["kind"] for e in world.auditor.get("/ledger", query_string={"claim_id": claim_id}).json["items"]
    }
    assert {"correction_reversal", "correction"} <= kinds


def test_an_administrator_creates_a_user_in_the_page(world, client):
    login(client, world.admin.user.username)
    token = _csrf(client, "/users/")
    done = client.post(
        "/users/",
        data={"csrf_token": token, "username": "zhao.liu", "password": "a-long-password", "role": "auditor"},
    )
    assert done.status_code == 302
    short = client.post(
        "/users/", data={"csrf_token": token, "username": "qian.qi", "password": "short", "role": "auditor"}
    )
    assert short.status_code == 422 and "has-error" in short.get_data(as_text=True)


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("hr", "/deadlines/", 200),
        ("admin", "/deadlines/", 200),
        ("employer", "/deadlines/", 200),
        ("auditor", "/audit/", 200),
        ("hr", "/audit/", 403),
        ("hr", "/programs/HEADHUNTER", 200),
    ],
)
def test_administration_pages(world, client, who, path, status):
    login(client, getattr(world, who).user.username)
    assert client.get(path).status_code == status


def test_an_administrator_changes_a_time_limit_in_the_page(world, client):
    login(client, world.admin.user.username)
    token = _csrf(client, "/deadlines/")
    done = client.post(
        "/deadlines/",
        data={
            "csrf_token": token,
            "limit-stage": "hr_review",
            "limit-working_days": "15",
            "limit-effective_from": "2027-01-01",
            "limit-reason": "晋人社发〔2026〕9号",
        },
    )
    assert done.status_code == 302
    login(client, world.auditor.user.username)
    assert "deadline.change" in client.get("/audit/?action=deadline").get_data(as_text=True)


def test_hr_records_another_provinces_standard_in_the_page(world, client):
    login(client, world.hr.user.username)
    page = client.get("/programs/HEADHUNTER").get_data(as_text=True)
    category = re.search(r'name="benchmark-category"[^>]*>\s*<option[^>]*value="([^"]+)"', page).group(1)
    token = _csrf(client, "/programs/HEADHUNTER")
    done = client.post(
        "/programs/HEADHUNTER",
        data={
            "csrf_token": token,
            "benchmark-category": category,
            "benchmark-province": "江苏省",
            "benchmark-amount": "80000.00",
            "benchmark-effective_from": "2026-01-01",
            "benchmark-source": "苏人社发〔2025〕1号",
        },
    )
    assert done.status_code == 302
    assert "苏人社发〔2025〕1号" in client.get("/programs/HEADHUNTER").get_data(as_text=True)


def test_a_new_passport_keeps_the_code_in_the_page(world, client):
    login(client, world.hr.user.username)
    token = _csrf(client, f"/talents/{world.talent}")
    done = client.post(
        f"/talents/{world.talent}", data={"csrf_token": token, "passport-passport_no": "NEW123456"}
    )
    assert done.status_code == 302 and done.location.endswith(f"/talents/{world.talent}")
    assert world.hr.get(f"/talents/{world.talent}").json["talent_code"] == world.talent


def test_an_inspector_is_taken_off_the_roster_with_a_reason(world, client):
    inspector = world.hr.post("/inspectors", json={"user_id": world.hr2.user.id, "field": "资金"}).json
    login(client, world.hr.user.username)
    token = _csrf(client, "/inspections/")
    client.post(
        f"/inspections/inspectors/{inspector['id']}/remove", data={"csrf_token": token, "reason": "调离"}
    )
    assert world.hr.get("/inspectors").json["items"] == []


def test_a_conflict_ends_in_the_page_and_the_budget_history_shows(world, client):
    conflict = world.hr.post(
        "/conflicts", json={"subject_kind": "organization", "subject_id": world.other_org, "reason": "曾任职"}
    ).json
    login(client, world.hr.user.username)
    token = _csrf(client, "/conflicts/")
    client.post(f"/conflicts/{conflict['id']}/end", data={"csrf_token": token, "reason": "已离职满三年"})
    assert world.hr.get("/conflicts", query_string={"active": "true"}).json["total"] == 1  # not one's own
    login(client, world.hr2.user.username)
    token = _csrf(client, "/conflicts/")
    client.post(f"/conflicts/{conflict['id']}/end", data={"csrf_token": token, "reason": "已离职满三年"})
    assert world.hr.get("/conflicts", query_string={"active": "true"}).json["total"] == 0
    history = client.get("/budgets/").get_data(as_text=True)
    assert "预算下达" in history and ">allocation<" not in history  # the kind in words


@pytest.mark.parametrize(
    "who, path",
    [
        ("finance", "/budgets/"),
        ("finance", "/payments/"),
        ("hr", "/claims/"),
        ("hr", "/inspections/"),
        ("auditor", "/ledger/"),
        ("auditor", "/reports/"),
        ("admin", "/deadlines/"),
        ("hr", "/credit-list/"),
    ],
)
def test_each_page_has_a_plain_title(world, client, who, path):
    login(client, getattr(world, who).user.username)
    html = client.get(path).get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and len(title) < 120, title
