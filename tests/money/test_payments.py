"""Payment batches: built by one finance user, approved by another, disbursed with the
bank reference; the bank file out and the bank result in; failures reversed."""

import io

import pytest

from tests.core.test_api_shape import assert_error
from tests.world import act, claim_status, paid_claim, upload


@pytest.fixture
def approved(world, ready_claim):
    """Two finance-approved claims."""
    ids = []
    for program in ("RECRUIT_KEY", "TRAVEL"):
        claim_id = ready_claim(program, submit=True)
        act(world.hr, claim_id, "hr_approve")
        assert act(world.finance, claim_id, "finance_approve").status_code == 200
        ids.append(claim_id)
    return ids


def _batch(world, claim_ids, api=None):
    return (api or world.finance).post("/payment-batches", json={"claim_ids": claim_ids})


def _action(api, batch_id, action, **body):
    return api.post(f"/payment-batches/{batch_id}/actions", json={"action": action, **body})


def test_build_approve_disburse(world, approved):
    created = _batch(world, approved)
    assert created.status_code == 201
    batch = created.json
    assert batch["status"] == "draft" and batch["total"] == "108234.56" and batch["item_count"] == 2
    payees = {i["claim_id"]: i for i in batch["items"]}
    assert payees[approved[0]]["payee"].startswith("organization:")
    assert payees[approved[1]]["payee"].startswith("talent:")  # TRAVEL pays the talent
    # disbursing before approval is 409; the builder cannot approve (four eyes)
    assert_error(_action(world.finance, batch["id"], "disburse", bank_reference="X"), 409)
    assert (
        assert_error(_action(world.finance, batch["id"], "approve"), 403)["code"] == "segregation_of_duties"
    )
    assert _action(world.finance2, batch["id"], "approve").json["status"] == "approved"
    assert_error(_action(world.finance2, batch["id"], "approve"), 409)
    assert_error(_action(world.finance, batch["id"], "disburse"), 422, "bank_reference")
    disbursed = _action(world.finance, batch["id"], "disburse", bank_reference="ICBC-20261122-001")
    assert disbursed.status_code == 200 and disbursed.json["status"] == "disbursed"
    for claim_id in approved:
        claim = world.employer.get(f"/claims/{claim_id}").json
        assert claim["status"] == "paid" and claim["stage"] == "closed"
    line = world.finance.get(f"/budgets/{world.budgets['RECRUIT_KEY']}").json
    assert line["committed"] == "0.00" and line["paid"] == "100000.00"
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_only_finance_approved_claims_enter_a_batch(world, ready_claim, approved):
    submitted = ready_claim("RECRUIT_REGULAR", submit=True)
    error = assert_error(_batch(world, approved + [submitted, 999999]), 409)
    assert {c["id"]: c["code"] for c in error["claims"]} == {submitted: "invalid_status", 999999: "not_found"}
    assert world.finance.get("/payment-batches").json["total"] == 0  # nothing was built
    assert _batch(world, approved).status_code == 201
    error = assert_error(_batch(world, approved), 409)
    assert {c["code"] for c in error["claims"]} == {"in_batch"}


def test_claims_with_missing_deferred_documents_cannot_enter_a_batch(world, ready_claim):
    essential = ["project_approval", "employment_contract", "work_permit"]
    claim_id = ready_claim("RECRUIT_KEY", submit=True, documents=essential)
    act(world.hr, claim_id, "defer_documents", documents=["passport_copy"], due_date="2099-01-01")
    act(world.hr, claim_id, "hr_approve")
    # payment approval waits for the document...
    assert (
        assert_error(act(world.finance, claim_id, "finance_approve"), 409)["code"] == "documents_outstanding"
    )
    upload(world.employer, claim_id, "passport_copy")
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    assert _batch(world, [claim_id]).status_code == 201


def test_a_payee_without_a_bank_account_is_refused(app, world, approved):
    from sqlalchemy import update

    from subsidy_app.extensions import db
    from subsidy_app.talents.models import Talent

    with app.app_context():
        db.session.execute(update(Talent).values(bank_account_no=None))
        db.session.commit()
    error = assert_error(_batch(world, approved), 409)
    assert [c["code"] for c in error["claims"]] == ["no_bank_account"]


def test_black_listing_holds_an_approved_unpaid_claim(world, approved):
    batch = _batch(world, approved).json
    _action(world.finance2, batch["id"], "approve")
    world.hr.post(
        "/credit-list",
        json={
            "subject_kind": "organization",
            "subject_id": world.employer_org,
            "list": "black",
            "reason": "严重失信",
        },
    )
    error = assert_error(_action(world.finance, batch["id"], "disburse", bank_reference="R1"), 409)
    assert {c["code"] for c in error["claims"]} == {"not_eligible"}
    assert all(claim_status(world.hr, c) == "finance_approved" for c in approved)


def test_bank_file_lists_each_payment(world, approved):
    batch = _batch(world, approved).json
    assert_error(world.finance.get(f"/payment-batches/{batch['id']}/bank-file"), 409)
    _action(world.finance2, batch["id"], "approve")
    response = world.finance.get(f"/payment-batches/{batch['id']}/bank-file")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "reference,payee_name,bank_name,account_no,amount,currency,purpose"
    amounts = sorted(line.split(",")[4] for line in lines[1:])
    assert amounts == ["100000.00", "8234.56"]
    assert any("TRAVEL" in line and "(二十)" in line and "tax-exempt" in line for line in lines)


def _result(world, batch_id, rows):
    body = "reference,status,bank_reference,message\n" + "\n".join(",".join(r) for r in rows) + "\n"
    return world.finance.client.post(
        f"/api/v1/payment-batches/{batch_id}/bank-result",
        data={"file": (io.BytesIO(body.encode()), "result.csv")},
        headers={"Authorization": f"Bearer {world.finance.token}"},
        content_type="multipart/form-data",
    )


def test_a_failed_payment_is_reversed_and_waits_for_payment_again(world, approved):
    batch = _batch(world, approved).json
    _action(world.finance2, batch["id"], "approve")
    disbursed = _action(world.finance, batch["id"], "disburse", bank_reference="ICBC-1").json
    refs = {i["claim_id"]: i["reference"] for i in disbursed["items"]}
    failed_claim, ok_claim = approved
    rows = [[refs[ok_claim], "SUCCESS", "BANK-OK-1", ""], [refs[failed_claim], "FAILED", "", "账户已销户"]]
    result = _result(world, batch["id"], rows)
    assert result.status_code == 200 and result.json == {
        "batch_id": batch["id"],
        "confirmed": 1,
        "failed": 1,
        "needs_review": [],
    }
    assert claim_status(world.hr, failed_claim) == "finance_approved"
    assert claim_status(world.hr, ok_claim) == "paid"
    line = world.finance.get(f"/budgets/{world.budgets['RECRUIT_KEY']}").json
    assert line["committed"] == "100000.00" and line["paid"] == "0.00"
    kinds = [e["kind"] for e in world.auditor.get(f"/ledger?claim_id={failed_claim}").json["items"]]
    assert kinds.count("payment_reversal") == 4
    # the same file again changes nothing more
    assert _result(world, batch["id"], rows).json["failed"] == 0
    assert world.auditor.get("/ledger/verify").json["ok"]
    # and the claim can be paid in a new batch
    assert _batch(world, [failed_claim]).status_code == 201


@pytest.mark.parametrize(
    "content", ["reference,status\nNOPE,SUCCESS\n", "x,y\n1,2\n", "reference,status\n{ref},MAYBE\n"]
)
def test_bad_result_files_are_422(world, approved, content):
    batch = _batch(world, approved).json
    _action(world.finance2, batch["id"], "approve")
    ref = _action(world.finance, batch["id"], "disburse", bank_reference="R").json["items"][0]["reference"]
    response = world.finance.client.post(
        f"/api/v1/payment-batches/{batch['id']}/bank-result",
        data={"file": (io.BytesIO(content.format(ref=ref).encode()), "r.csv")},
        headers={"Authorization": f"Bearer {world.finance.token}"},
        content_type="multipart/form-data",
    )
    assert_error(response, 422)


@pytest.mark.parametrize("role", ["hr", "auditor", "employer"])
def test_only_finance_builds_batches(api_as, world, approved, role):
    assert_error(api_as(role).post("/payment-batches", json={"claim_ids": approved}), 403)


def test_paid_claims_cannot_be_rejected_or_batched_again(world, ready_claim):
    claim_id, _ = paid_claim(world, ready_claim)
    assert_error(act(world.finance, claim_id, "finance_reject", comment="x"), 409)
    assert_error(_batch(world, [claim_id]), 409)
