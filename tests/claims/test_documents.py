"""Evidence: stored outside the database with its SHA-256, typed by its bytes, seen only by
those who may see the claim; 容缺受理 (accept now, supply later, pay after)."""

import hashlib
from datetime import timedelta

import pytest

from subsidy_app.core.timeutil import local_today
from tests.core.test_api_shape import assert_error
from tests.world import JPEG, PDF, PNG, act, upload


@pytest.mark.parametrize(
    "content, content_type", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_accepted_files_are_typed_by_content_and_hashed(app, world, file_claim, content, content_type):
    claim = file_claim("TRAVEL").json
    response = upload(world.employer, claim["id"], "flight_receipt", content, filename="whatever.bin")
    assert response.status_code == 201
    document = response.json
    assert document["content_type"] == content_type
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["size_bytes"] == len(content)
    from subsidy_app.claims.documents import path_of

    with app.app_context():
        assert path_of(document["sha256"]).read_bytes() == content  # outside the database


@pytest.mark.parametrize(
    "content, filename",
    [
        (b"MZ\x90\x00 this is an exe", "receipt.pdf"),
        (b"<html><script>alert(1)</script></html>", "receipt.pdf"),
        (b"GIF89a....", "receipt.jpg"),
        (b"", "receipt.pdf"),
    ],
)
def test_other_content_is_refused_whatever_its_name(world, file_claim, content, filename):
    claim = file_claim("TRAVEL").json
    assert_error(upload(world.employer, claim["id"], "flight_receipt", content, filename), 422, "file")
    assert world.employer.get(f"/claims/{claim['id']}").json["documents"] == []


def test_files_over_the_limit_are_refused(app, world, file_claim):
    app.config["MAX_DOCUMENT_BYTES"] = 1000
    claim = file_claim("TRAVEL").json
    assert_error(upload(world.employer, claim["id"], "flight_receipt", PDF + b"0" * 2000), 422, "file")


def test_only_the_programs_document_kinds(world, file_claim):
    claim = file_claim("TRAVEL").json
    assert_error(upload(world.employer, claim["id"], "designation_document"), 422, "kind")


def test_upload_needs_a_file(world, file_claim):
    claim = file_claim("TRAVEL").json
    response = world.employer.client.post(
        f"/api/v1/claims/{claim['id']}/documents",
        data={"kind": "flight_receipt"},
        headers={"Authorization": f"Bearer {world.employer.token}"},
        content_type="multipart/form-data",
    )
    assert_error(response, 422, "file")


def test_downloads_only_for_those_who_may_see_the_claim(world, file_claim):
    claim = file_claim("TRAVEL").json
    document = upload(world.employer, claim["id"], "flight_receipt", filename="机票.pdf").json
    path = f"/claims/{claim['id']}/documents/{document['id']}"
    for api in (world.employer, world.hr, world.finance, world.auditor):
        response = api.get(path)
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in world.hr.get(path).headers["Content-Disposition"]
    assert "inline" in world.hr.get(path + "?inline=true").headers["Content-Disposition"]
    assert_error(world.other_employer.get(path), 404)
    assert_error(world.agent.get(path), 404)


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override: shown as "invoiceexe.pdf"
        ("\u202areceipt\u202c\u2066.pdf\u2069\u200e\u200f", "receipt.pdf"),  # embeddings, isolates, marks
        ("zero\u200bwidth\ufeff.pdf", "zerowidth.pdf"),
        ("line\u2028break\u0085.pdf", "linebreak.pdf"),
        ("tab\there.pdf", "tabhere.pdf"),
        ("../../etc/receipt.pdf", "receipt.pdf"),
        ("a:b*c?.pdf", "a_b_c_.pdf"),
        ("\u202e", "document"),
    ],
)
def test_file_names_are_kept_and_shown_without_invisible_or_reordering_characters(
    world, file_claim, client, sent, kept
):
    from tests.users.test_html_login import login

    claim = file_claim("TRAVEL").json
    document = upload(world.employer, claim["id"], "flight_receipt", filename=sent).json
    assert document["filename"] == kept
    assert [d["filename"] for d in world.employer.get(f"/claims/{claim['id']}").json["documents"]] == [kept]
    download = world.hr.get(f"/claims/{claim['id']}/documents/{document['id']}")
    assert download.status_code == 200
    assert "%E2%80" not in download.headers["Content-Disposition"]  # no U+2000–U+203F encoded
    login(client, world.employer.user.username)
    page = client.get(f"/claims/{claim['id']}").get_data(as_text=True)
    assert f">{kept}</a>" in page
    assert not any(ch in page for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("C:\\Users\\li\\Desktop\\机票.pdf", "机票.pdf"),
        ("..\\..\\invoice\u202efdp.exe", "invoicefdp.exe"),
        (None, "document"),
        ("x" * 300 + ".pdf", "x" * 200),
    ],
)
def test_safe_filename(sent, kept):
    from subsidy_app.claims.documents import safe_filename

    assert safe_filename(sent) == kept


def test_others_cannot_upload(world, file_claim):
    claim = file_claim("TRAVEL").json
    assert upload(world.other_employer, claim["id"], "flight_receipt").status_code == 404
    assert upload(world.hr, claim["id"], "flight_receipt").status_code == 403
    assert upload(world.auditor, claim["id"], "flight_receipt").status_code == 403


def test_no_evidence_after_a_decision_unless_deferred(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    assert_error(upload(world.employer, claim_id, "degree_certificate"), 409)


# --- 容缺受理 / 告知+承诺 -------------------------------------------------------------------------

ESSENTIAL = ["project_approval", "employment_contract", "work_permit"]  # passport_copy may follow


@pytest.fixture
def missing_passport(world, ready_claim):
    return ready_claim("RECRUIT_KEY", submit=True, documents=ESSENTIAL)


def test_a_missing_deferrable_document_blocks_approval_until_deferred(world, missing_passport):
    error = assert_error(act(world.hr, missing_passport, "hr_approve"), 409)
    assert error["code"] == "missing_documents" and error["missing"] == ["passport_copy"]
    due = (local_today() + timedelta(days=10)).isoformat()
    deferred = act(
        world.hr,
        missing_passport,
        "defer_documents",
        documents=["passport_copy"],
        due_date=due,
        comment="告知+承诺：十日内补交",
    )
    assert deferred.status_code == 200 and deferred.json["status"] == "submitted"
    assert deferred.json["deferrals"] == [
        {"kind": "passport_copy", "due_date": due, "supplied": False, "overdue": False}
    ]
    assert act(world.hr, missing_passport, "hr_approve").json["status"] == "hr_approved"


def test_payment_waits_for_the_deferred_document(world, missing_passport):
    due = (local_today() + timedelta(days=10)).isoformat()
    act(world.hr, missing_passport, "defer_documents", documents=["passport_copy"], due_date=due)
    act(world.hr, missing_passport, "hr_approve")
    error = assert_error(act(world.finance, missing_passport, "finance_approve"), 409)
    assert error["code"] == "documents_outstanding" and error["missing"] == ["passport_copy"]
    # the applicant may still add the deferred document after approval
    assert upload(world.employer, missing_passport, "passport_copy").status_code == 201
    claim = world.employer.get(f"/claims/{missing_passport}").json
    assert claim["deferrals"][0]["supplied"] is True
    assert act(world.finance, missing_passport, "finance_approve").json["status"] == "finance_approved"


def test_an_overdue_deferred_document_is_flagged(world, missing_passport, monkeypatch):
    due = local_today() + timedelta(days=1)
    act(world.hr, missing_passport, "defer_documents", documents=["passport_copy"], due_date=due.isoformat())
    assert world.hr.get(f"/claims/{missing_passport}").json["documents_overdue"] is False
    # two days later
    monkeypatch.setattr("subsidy_app.claims.presentation.local_today", lambda: due + timedelta(days=1))
    claim = world.hr.get(f"/claims/{missing_passport}").json
    assert claim["documents_overdue"] is True and claim["deferrals"][0]["overdue"] is True


@pytest.mark.parametrize(
    "body, field",
    [
        ({"documents": ["passport_copy"]}, "due_date"),
        ({"documents": ["passport_copy"], "due_date": "2020-01-01"}, "due_date"),
        ({"due_date": "2099-01-01"}, "documents"),
        ({"documents": ["work_permit"], "due_date": "2099-01-01"}, "documents"),  # essential
    ],
)
def test_deferral_input(world, missing_passport, body, field):
    assert_error(act(world.hr, missing_passport, "defer_documents", **body), 422, field)


def test_deferring_what_is_already_there_is_a_conflict(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    assert_error(
        act(world.hr, claim_id, "defer_documents", documents=["passport_copy"], due_date="2099-01-01"), 409
    )


def test_only_hr_defers(world, missing_passport):
    assert_error(
        act(
            world.employer,
            missing_passport,
            "defer_documents",
            documents=["passport_copy"],
            due_date="2099-01-01",
        ),
        403,
    )
