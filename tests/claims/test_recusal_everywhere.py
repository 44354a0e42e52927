"""Recusal (回避) holds on every path that acts on a claim, not only the review actions:
filing on an applicant's behalf, payment batches (build, approve, disburse), bank results,
corrections, recovery orders and their settlement. Found by the invariants under random use
(tests/invariants)."""

import io

from tests.core.test_api_shape import assert_error
from tests.world import act, paid_claim


def _conflict(world, reviewer, subject_kind="organization", subject_id=None):
    body = {
        "subject_kind": subject_kind,
        "subject_id": subject_id or world.employer_org,
        "reason": "亲属在该单位任职",
        "reviewer_id": reviewer.user.id,
    }
    assert world.hr.post("/conflicts", json=body).status_code == 201


def test_a_conflicted_reviewer_does_not_file_on_the_partys_behalf(world):
    _conflict(world, world.senior, "talent", world.talent)
    refused = world.senior.post(
        "/claims",
        json={"program_code": "FRIENDSHIP_NATIONAL", "talent_code": world.talent, "details": {"year": 2025}},
    )
    assert assert_error(refused, 403)["code"] == "recused"


def _approved(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    assert act(world.hr, claim_id, "hr_approve").status_code == 200
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    return claim_id


def test_a_conflicted_finance_user_does_not_build_a_batch_with_the_claim(world, ready_claim):
    claim_id = _approved(world, ready_claim)
    _conflict(world, world.finance2)
    refused = world.finance2.post("/payment-batches", json={"claim_ids": [claim_id]})
    assert assert_error(refused, 403)["code"] == "recused"


def test_a_conflicted_finance_user_does_not_approve_the_batch(world, ready_claim):
    claim_id = _approved(world, ready_claim)
    batch = world.finance.post("/payment-batches", json={"claim_ids": [claim_id]}).json
    _conflict(world, world.finance2)
    refused = world.finance2.post(f"/payment-batches/{batch['id']}/actions", json={"action": "approve"})
    assert assert_error(refused, 403)["code"] == "recused"


def test_a_conflicted_finance_user_does_not_disburse(world, ready_claim):
    claim_id = _approved(world, ready_claim)
    batch = world.finance.post("/payment-batches", json={"claim_ids": [claim_id]}).json
    assert (
        world.finance2.post(f"/payment-batches/{batch['id']}/actions", json={"action": "approve"}).status_code
        == 200
    )
    _conflict(world, world.finance)
    refused = world.finance.post(
        f"/payment-batches/{batch['id']}/actions", json={"action": "disburse", "bank_reference": "ICBC-1"}
    )
    assert assert_error(refused, 403)["code"] == "recused"


def test_after_payment_a_conflicted_reviewer_does_not_touch_the_claim(world, ready_claim):
    claim_id, batch_id = paid_claim(world, ready_claim, "RECRUIT_KEY")
    _conflict(world, world.finance)
    _conflict(world, world.hr2)
    corrected = world.finance.post(
        f"/claims/{claim_id}/corrections", json={"amount": "90000.00", "reason": "少付"}
    )
    assert assert_error(corrected, 403)["code"] == "recused"
    order = world.hr2.post(
        "/recoveries",
        json={"claim_id": claim_id, "amount": "1000.00", "reason": "抽查发现", "source": "spot_check"},
    )
    assert assert_error(order, 403)["code"] == "recused"
    reference = world.finance2.get(f"/payment-batches/{batch_id}").json["items"][0]["reference"]
    body = f"reference,status\n{reference},FAILED\n"
    imported = world.finance.client.post(
        f"/api/v1/payment-batches/{batch_id}/bank-result",
        data={"file": (io.BytesIO(body.encode()), "result.csv")},
        headers={"Authorization": f"Bearer {world.finance.token}"},
        content_type="multipart/form-data",
    )
    assert assert_error(imported, 403)["code"] == "recused"
    # an order raised by someone free of the conflict is not decided by the conflicted one
    order = world.hr.post(
        "/recoveries",
        json={"claim_id": claim_id, "amount": "1000.00", "reason": "抽查发现", "source": "spot_check"},
    ).json
    decided = world.hr2.post(
        f"/recoveries/{order['id']}/decision", json={"decision": "refund", "reason": "退回"}
    )
    assert assert_error(decided, 403)["code"] == "recused"
    assert world.hr.get(f"/claims/{claim_id}").json["status"] == "paid"
