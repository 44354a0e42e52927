"""陈述、申辩: the appeal goes to an HR reviewer other than the one who rejected — the
rejecter is offered no decision and is refused by every path — and the appellant brings
new evidence with it."""

import io
import re

from tests.users.test_html_login import login
from tests.world import PDF, act, claim_status, upload


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _rejected(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    assert act(world.hr, claim_id, "hr_reject", comment="材料不足").status_code == 200
    return claim_id


def _appealed(world, ready_claim):
    claim_id = _rejected(world, ready_claim)
    assert act(world.employer, claim_id, "appeal", comment="补充了新的证明").status_code == 200
    return claim_id


DECISIONS = ("hr_approve", "hr_reject", "defer_documents", "return")


def test_the_rejecter_is_offered_no_decision_on_the_appeal(world, client, ready_claim):
    claim_id = _appealed(world, ready_claim)
    login(client, world.hr.user.username)
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert not any(f'value="{a}"' in page for a in DECISIONS)
    assert 'id="not-yours"' in page  # and is told why
    assert world.hr.get(f"/claims/{claim_id}").json["available_actions"] == []
    login(client, world.hr2.user.username)
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert 'value="hr_approve"' in page and 'value="hr_reject"' in page and 'id="not-yours"' not in page


def test_the_rejecter_is_refused_with_words_and_another_reviewer_decides(world, ready_claim):
    claim_id = _appealed(world, ready_claim)
    for action, body in (("hr_approve", {}), ("hr_reject", {"comment": "维持"})):
        refused = act(world.hr, claim_id, action, **body)
        assert refused.status_code == 403
        error = refused.json["error"]
        assert error["code"] == "segregation_of_duties"
        assert error["rule"] == "appeal_decided_by_another_reviewer"
        assert error["message"]
    refused = act(world.hr, claim_id, "defer_documents", documents=["x"], due_date="2099-01-01")
    assert (
        refused.status_code == 403 and refused.json["error"]["rule"] == "appeal_decided_by_another_reviewer"
    )
    assert claim_status(world.hr, claim_id) == "appealed"
    assert act(world.hr2, claim_id, "hr_approve").status_code == 200
    assert claim_status(world.hr, claim_id) == "hr_approved"


def test_the_rejecter_is_refused_in_the_page(world, client, ready_claim):
    claim_id = _appealed(world, ready_claim)
    login(client, world.hr.user.username)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = _csrf(client, f"/claims/{claim_id}")
    page = client.post(
        f"/claims/{claim_id}/actions",
        data={"csrf_token": token, "action": "hr_reject", "comment": "维持"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "another HR reviewer decides its appeal" in page and 'name="confirm"' not in page
    assert claim_status(world.hr, claim_id) == "appealed"


def test_the_appellant_attaches_new_evidence_before_appealing(world, ready_claim):
    claim_id = _rejected(world, ready_claim)
    kind = world.employer.get(f"/claims/{claim_id}").json["required_documents"][0]
    before = len(world.employer.get(f"/claims/{claim_id}").json["documents"])
    assert upload(world.employer, claim_id, kind, filename="new.pdf").status_code == 201
    assert len(world.employer.get(f"/claims/{claim_id}").json["documents"]) == before + 1
    assert upload(world.other_employer, claim_id, kind).status_code == 404
    assert act(world.employer, claim_id, "appeal", comment="见新材料").status_code == 200
    assert upload(world.employer, claim_id, kind, filename="more.pdf").status_code == 201  # during the appeal


def test_after_the_one_appeal_is_decided_no_more_evidence(world, ready_claim):
    claim_id = _appealed(world, ready_claim)
    assert act(world.hr2, claim_id, "hr_reject", comment="维持原决定").status_code == 200
    kind = world.employer.get(f"/claims/{claim_id}").json["required_documents"][0]
    refused = upload(world.employer, claim_id, kind)
    assert refused.status_code == 409


def test_the_appeal_form_carries_a_new_document(world, client, ready_claim):
    claim_id = _rejected(world, ready_claim)
    kind = world.employer.get(f"/claims/{claim_id}").json["required_documents"][0]
    before = len(world.employer.get(f"/claims/{claim_id}").json["documents"])
    login(client, world.employer.user.username)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert 'name="evidence"' in page and 'value="appeal"' in page
    assert f'/claims/{claim_id}/documents"' in page  # the attach form too
    token = _csrf(client, f"/claims/{claim_id}")
    done = client.post(
        f"/claims/{claim_id}/actions",
        data={
            "csrf_token": token,
            "action": "appeal",
            "comment": "附新证明",
            "evidence_kind": kind,
            "evidence": (io.BytesIO(PDF), "appeal.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert claim_status(world.hr, claim_id) == "appealed"
    documents = world.employer.get(f"/claims/{claim_id}").json["documents"]
    assert len(documents) == before + 1 and documents[-1]["filename"] == "appeal.pdf"
    assert f"Claim #{claim_id} appealed with the new document" in done


def test_an_appeal_without_grounds_keeps_no_document(world, client, ready_claim):
    claim_id = _rejected(world, ready_claim)
    kind = world.employer.get(f"/claims/{claim_id}").json["required_documents"][0]
    before = len(world.employer.get(f"/claims/{claim_id}").json["documents"])
    login(client, world.employer.user.username)
    token = _csrf(client, f"/claims/{claim_id}")
    client.post(
        f"/claims/{claim_id}/actions",
        data={
            "csrf_token": token,
            "action": "appeal",
            "evidence_kind": kind,
            "evidence": (io.BytesIO(PDF), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert claim_status(world.hr, claim_id) == "rejected"
    assert len(world.employer.get(f"/claims/{claim_id}").json["documents"]) == before
