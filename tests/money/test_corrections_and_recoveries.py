"""A paid amount booked wrong is corrected by a reversal and a new entry; an improper
payment gets a recovery order, settled by refund or offset, each step in the ledger."""

from decimal import Decimal

from tests.core.test_api_shape import assert_error
from tests.world import act, paid_claim


def _line(world, program):
    return world.finance.get(f"/budgets/{world.budgets[program]}").json


def test_correcting_a_paid_amount_down(world, ready_claim):
    claim_id, _ = paid_claim(world, ready_claim, "TRAVEL")  # 8,234.56 booked
    corrected = world.finance.post(
        f"/claims/{claim_id}/corrections", json={"amount": "8000.00", "reason": "银行实际付款8000元"}
    )
    assert corrected.status_code == 200, corrected.json
    entries = world.auditor.get(f"/ledger?claim_id={claim_id}").json["items"]
    kinds = [e["kind"] for e in entries]
    assert kinds.count("correction_reversal") == 4 and kinds.count("correction") == 4
    assert kinds.count("release") == 2
    line = _line(world, "TRAVEL")
    assert line["paid"] == "8000.00" and line["committed"] == "0.00"
    history = world.hr.get(f"/claims/{claim_id}").json["history"]
    assert history[-1]["action"] == "payment_corrected" and history[-1]["comment"] == "银行实际付款8000元"
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_correcting_up_needs_the_further_transfer_and_budget(world, ready_claim):
    claim_id, _ = paid_claim(world, ready_claim, "TRAVEL")
    assert_error(
        world.finance.post(f"/claims/{claim_id}/corrections", json={"amount": "9000.00", "reason": "少付"}),
        422,
        "bank_reference",
    )
    ok = world.finance.post(
        f"/claims/{claim_id}/corrections",
        json={"amount": "9000.00", "reason": "少付", "bank_reference": "ICBC-补-1"},
    )
    assert ok.status_code == 200 and _line(world, "TRAVEL")["paid"] == "9000.00"
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_corrections_only_for_paid_claims_and_by_finance(world, ready_claim):
    claim_id = ready_claim("TRAVEL", submit=True)
    assert_error(
        world.finance.post(f"/claims/{claim_id}/corrections", json={"amount": "1.00", "reason": "x"}), 409
    )
    paid, _ = paid_claim(world, ready_claim, "RECRUIT_KEY")
    assert_error(world.hr.post(f"/claims/{paid}/corrections", json={"amount": "1.00", "reason": "x"}), 403)
    assert_error(
        world.finance.post(f"/claims/{paid}/corrections", json={"amount": "100000.00", "reason": "same"}),
        422,
        "amount",
    )


def _raise(world, claim_id, amount="20000.00", source="spot_check"):
    return world.hr.post(
        "/recoveries",
        json={"claim_id": claim_id, "amount": amount, "reason": "抽查发现重复享受", "source": source},
    )


def test_an_open_recovery_blocks_payments_to_the_payee_until_hr_decides(world, ready_claim):
    first, _ = paid_claim(world, ready_claim, "RECRUIT_KEY")
    order = _raise(world, first)
    assert order.status_code == 201 and order.json["status"] == "open" and order.json["blocks_payments"]
    # the same employer's next claim cannot be paid
    second = ready_claim("RECRUIT_REGULAR", submit=True)
    act(world.hr, second, "hr_approve")
    act(world.finance, second, "finance_approve")
    error = assert_error(world.finance.post("/payment-batches", json={"claim_ids": [second]}), 409)
    assert error["claims"][0]["code"] == "recovery_open"
    assert [o["id"] for o in world.finance.get("/recoveries?open=true").json["items"]] == [order.json["id"]]
    # HR decides: offset against the next payment
    decided = world.hr.post(
        f"/recoveries/{order.json['id']}/decision", json={"decision": "offset", "reason": "从下次拨款中扣回"}
    )
    assert decided.json["status"] == "offset" and not decided.json["blocks_payments"]
    batch = world.finance.post("/payment-batches", json={"claim_ids": [second]}).json
    world.finance2.post(f"/payment-batches/{batch['id']}/actions", json={"action": "approve"})
    paid = world.finance.post(
        f"/payment-batches/{batch['id']}/actions", json={"action": "disburse", "bank_reference": "B2"}
    ).json
    item = paid["items"][0]
    assert item["offset_amount"] == "20000.00" and item["net_amount"] == "30000.00"
    settled = world.finance.get(f"/recoveries/{order.json['id']}").json
    assert settled["status"] == "settled" and settled["outstanding"] == "0.00"
    assert [s["kind"] for s in settled["settlements"]] == ["offset"]
    # budget: 100,000 spent on the first, 20,000 came back; 50,000 spent on the second
    assert _line(world, "RECRUIT_KEY")["paid"] == "80000.00"
    assert _line(world, "RECRUIT_REGULAR")["paid"] == "50000.00"
    bank = [
        e for e in world.auditor.get(f"/ledger?claim_id={second}").json["items"] if e["account"] == "bank"
    ]
    assert [e["credit"] for e in bank] == ["30000.00"]
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_a_refund_settles_the_order_and_returns_the_budget(world, ready_claim):
    claim_id, _ = paid_claim(world, ready_claim, "RECRUIT_KEY")
    order = _raise(world, claim_id, "100000.00", "audit").json
    world.hr.post(f"/recoveries/{order['id']}/decision", json={"decision": "refund", "reason": "责令退回"})
    part = world.finance.post(
        f"/recoveries/{order['id']}/refunds", json={"amount": "40000.00", "reference": "退款-1"}
    )
    assert part.status_code == 201
    assert_error(
        world.finance.post(
            f"/recoveries/{order['id']}/refunds", json={"amount": "70000.00", "reference": "退款-2"}
        ),
        422,
        "amount",
    )
    world.finance.post(
        f"/recoveries/{order['id']}/refunds", json={"amount": "60000.00", "reference": "退款-2"}
    )
    assert world.finance.get(f"/recoveries/{order['id']}").json["status"] == "settled"
    assert _line(world, "RECRUIT_KEY")["paid"] == "0.00"
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_recovery_rules(world, ready_claim):
    claim_id, _ = paid_claim(world, ready_claim, "RECRUIT_KEY")
    assert_error(_raise(world, claim_id, "100000.01"), 422, "amount")
    assert_error(
        world.auditor.post("/recoveries", json={"claim_id": claim_id, "amount": "1.00", "reason": "x"}), 403
    )
    order = _raise(world, claim_id).json
    assert_error(
        world.finance.post(f"/recoveries/{order['id']}/decision", json={"decision": "offset", "reason": "x"}),
        403,
    )
    written = world.hr.post(
        f"/recoveries/{order['id']}/decision",
        json={"decision": "written_off", "reason": "已无法追回，经批准核销"},
    )
    assert written.json["status"] == "written_off" and written.json["outstanding"] == "0.00"
    assert_error(
        world.hr.post(f"/recoveries/{order['id']}/decision", json={"decision": "offset", "reason": "x"}), 409
    )
    unpaid = ready_claim("TRAVEL", submit=True)
    assert_error(_raise(world, unpaid), 409)
    receivable = Decimal(0)
    for entry in world.auditor.get("/ledger?account=receivable").json["items"]:
        receivable += Decimal(entry["debit"]) - Decimal(entry["credit"])
    assert receivable == 0


# --- a bank failure after a recovery or a correction (issue 12, hole 5) ----------------------


def _bank_failure(world, batch_id, claim_id):
    import io

    reference = next(
        i["reference"]
        for i in world.finance.get(f"/payment-batches/{batch_id}").json["items"]
        if i["claim_id"] == claim_id
    )
    body = f"reference,status,bank_reference,message\n{reference},FAILED,,账户已销户\n"
    return world.finance.client.post(
        f"/api/v1/payment-batches/{batch_id}/bank-result",
        data={"file": (io.BytesIO(body.encode()), "result.csv")},
        headers={"Authorization": f"Bearer {world.finance.token}"},
        content_type="multipart/form-data",
    ), reference


def _books_agree(app, world):
    """Every budget line equals the ledger's sums, and the chain verifies."""
    from subsidy_app.budgets import operations as budgets

    with app.app_context():
        assert budgets.drift() == []
    assert world.auditor.get("/ledger/verify").json["ok"]


def test_a_bank_failure_after_a_settled_recovery_is_held_for_review(app, world, ready_claim):
    claim_id, batch_id = paid_claim(world, ready_claim, "RECRUIT_KEY")
    order = _raise(world, claim_id, amount="100000.00").json
    world.hr.post(f"/recoveries/{order['id']}/decision", json={"decision": "refund", "reason": "责令退回"})
    refunded = world.finance.post(
        f"/recoveries/{order['id']}/refunds", json={"amount": "100000.00", "reference": "退款-1"}
    )
    assert (
        refunded.status_code == 201 and world.hr.get(f"/recoveries/{order['id']}").json["status"] == "settled"
    )
    before = _line(world, "RECRUIT_KEY")
    # the bank now says the original payment never arrived: reversing it alone would leave
    # the recovery "settled" on money never paid, and the line's paid figure wrong
    result, reference = _bank_failure(world, batch_id, claim_id)
    assert result.status_code == 200, result.json
    assert result.json["failed"] == 0
    assert [h["reference"] for h in result.json["needs_review"]] == [reference]
    assert _line(world, "RECRUIT_KEY") == before
    assert world.hr.get(f"/claims/{claim_id}").json["status"] == "paid"
    assert world.hr.get(f"/recoveries/{order['id']}").json["status"] == "settled"
    history = world.hr.get(f"/claims/{claim_id}").json["history"]
    assert history[-1]["action"] == "payment_failure_held"
    # the same file again changes nothing and records nothing more
    again, _reference = _bank_failure(world, batch_id, claim_id)
    assert again.json["needs_review"] == result.json["needs_review"]
    assert world.hr.get(f"/claims/{claim_id}").json["history"] == history
    _books_agree(app, world)


def test_a_bank_failure_after_a_correction_is_held_for_review(app, world, ready_claim):
    claim_id, batch_id = paid_claim(world, ready_claim, "TRAVEL")
    assert (
        world.finance.post(
            f"/claims/{claim_id}/corrections", json={"amount": "8000.00", "reason": "银行实际付款8000元"}
        ).status_code
        == 200
    )
    result, reference = _bank_failure(world, batch_id, claim_id)
    assert result.status_code == 200 and [h["reference"] for h in result.json["needs_review"]] == [reference]
    assert _line(world, "TRAVEL")["paid"] == "8000.00"
    _books_agree(app, world)


def test_a_plain_bank_failure_still_reverses_through_the_budget(app, world, ready_claim):
    claim_id, batch_id = paid_claim(world, ready_claim, "TRAVEL")
    result, _reference = _bank_failure(world, batch_id, claim_id)
    assert result.json["failed"] == 1 and result.json["needs_review"] == []
    line = _line(world, "TRAVEL")
    assert (line["committed"], line["paid"]) == ("8234.56", "0.00")
    _books_agree(app, world)
