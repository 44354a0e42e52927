"""The HTML pages are thin shells over the same operations: who sees what, CSRF, field
errors in the page, and nothing changed by a refused action."""
import re

import pytest

from tests.users.test_html_login import login
from tests.world import act, paid_claim


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("who, path, status", [
    ("employer", "/claims/", 200), ("employer", "/claims/new", 200), ("employer", "/payments/", 403),
    ("employer", "/ledger/", 403), ("employer", "/budgets/", 403),
    ("hr", "/claims/", 200), ("hr", "/budgets/", 200), ("hr", "/ledger/", 403),
    ("finance", "/payments/", 200), ("finance", "/ledger/", 200), ("finance", "/ledger/verify", 200),
    ("auditor", "/ledger/", 200), ("auditor", "/ledger/verify", 200), ("auditor", "/payments/", 200),
    ("auditor", "/claims/?page=abc", 200),
])
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
    response = client.post("/claims/new", data={"csrf_token": token, "program_code": "RECRUIT_KEY",
                                                "talent_code": "SX99999999X"})
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
    response = client.post(f"/claims/{claim_id}/actions", data={"csrf_token": token, "action": "hr_approve"},
                           follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    assert world.hr.get(f"/claims/{claim_id}").json["status"] == "submitted"


def test_hr_approves_from_the_claim_page(world, client, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    login(client, world.hr.user.username)
    token = _csrf(client, f"/claims/{claim_id}")
    client.post(f"/claims/{claim_id}/actions", data={"csrf_token": token, "action": "hr_approve",
                                                      "comment": "符合条件"})
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
