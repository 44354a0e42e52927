"""Idempotency-Key: a retry gets the first answer and books nothing twice."""

from tests.core.test_api_shape import assert_error
from tests.world import act


def _post(api, path, body, key):
    return api.post(path, json=body, headers={"Idempotency-Key": key})


def test_a_retried_allocation_is_booked_once(world):
    body = {"fiscal_year": 2031, "program_code": "TRAVEL", "amount": "300000.00"}
    first = _post(world.finance, "/budgets", body, "alloc-2031-travel")
    again = _post(world.finance, "/budgets", body, "alloc-2031-travel")
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers["Idempotent-Replayed"] == "true"
    assert world.finance.get("/budgets?fiscal_year=2031").json["total"] == 1
    entries = world.auditor.get("/ledger?fiscal_year=2031").json["items"]
    assert len(entries) == 2


def test_a_retried_finance_approval_reserves_once(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    body = {"action": "finance_approve"}
    first = _post(world.finance, f"/claims/{claim_id}/actions", body, "approve-1")
    again = _post(world.finance, f"/claims/{claim_id}/actions", body, "approve-1")
    assert first.status_code == again.status_code == 200 and first.json == again.json
    line = world.finance.get(f"/budgets/{world.budgets['RECRUIT_KEY']}").json
    assert line["committed"] == "100000.00"
    # without the key the same request is a new one: and it is refused by the workflow
    assert_error(world.finance.post(f"/claims/{claim_id}/actions", json=body), 409)


def test_the_same_key_for_another_request_is_refused(world):
    _post(world.finance, "/budgets", {"fiscal_year": 2031, "program_code": "TRAVEL", "amount": "1.00"}, "k1")
    other = _post(
        world.finance,
        "/budgets",
        {"fiscal_year": 2031, "program_code": "RECRUIT_KEY", "amount": "1.00"},
        "k1",
    )
    assert_error(other, 422, "Idempotency-Key")


def test_keys_belong_to_their_user(world):
    body = {"fiscal_year": 2032, "program_code": "TRAVEL", "amount": "1.00"}
    assert _post(world.finance, "/budgets", body, "shared").status_code == 201
    # another user with the same key is another request: here a duplicate allocation
    assert_error(_post(world.admin, "/budgets", body, "shared"), 409)


def test_a_failed_request_leaves_no_key(world):
    body = {"fiscal_year": 2033, "program_code": "NOPE", "amount": "1.00"}
    assert _post(world.finance, "/budgets", body, "retry-me").status_code == 422
    fixed = {**body, "program_code": "TRAVEL"}
    assert _post(world.finance, "/budgets", fixed, "retry-me").status_code == 201
