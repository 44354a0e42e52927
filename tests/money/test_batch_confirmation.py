"""The batch page: approving and disbursing wait for a confirmation that names the count,
the total, the payees (and the bank reference); the page names who built, approved and
disbursed the batch; only who may approve is offered the button."""

import re
from decimal import Decimal

from tests.users.test_html_login import login
from tests.world import act, claim_status


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _batch(world, ready_claim, n=2):
    ids = []
    for program in ("TRAVEL", "RECRUIT_KEY")[:n]:
        claim_id = ready_claim(program, submit=True)
        assert act(world.hr, claim_id, "hr_approve").status_code == 200
        assert act(world.finance, claim_id, "finance_approve").status_code == 200
        ids.append(claim_id)
    built = world.finance.post("/payment-batches", json={"claim_ids": ids})
    assert built.status_code == 201, built.json
    return built.json, ids


def _status(world, batch_id):
    return world.finance.get(f"/payment-batches/{batch_id}").json["status"]


def test_approval_and_disbursement_wait_for_their_confirmation(world, client, ready_claim):
    batch, ids = _batch(world, ready_claim)
    total = f"{Decimal(batch['total']):,.2f}"
    payees = {i["payee_name"] for i in world.finance.get(f"/payment-batches/{batch['id']}").json["items"]}
    path = f"/payments/batches/{batch['id']}"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, world.finance2.user.username)
    token = _csrf(client, path)

    asked = client.post(path, data={"csrf_token": token, "action": "approve"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Yes, approve batch #{batch['id']}" in page
    assert total in page and f"<dd>{len(ids)}</dd>" in page and all(p in page for p in payees)
    assert world.finance.user.username in page  # built by
    assert _status(world, batch["id"]) == "draft"

    done = client.post(
        path, data={"csrf_token": token, "action": "approve", "confirm": "yes"}, follow_redirects=True
    )
    assert f"Batch #{batch['id']} approved: {len(ids)} payments, {total} yuan" in done.get_data(as_text=True)
    assert _status(world, batch["id"]) == "approved"

    data = {"csrf_token": token, "action": "disburse", "bank_reference": "ICBC-20261203-7"}
    asked = client.post(path, data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Yes, mark {total} yuan as paid" in page
    assert "ICBC-20261203-7" in page and all(p in page for p in payees)
    assert _status(world, batch["id"]) == "approved"
    assert {claim_status(world.hr, i) for i in ids} == {"finance_approved"}

    done = client.post(path, data={**data, "confirm": "yes"}, follow_redirects=True).get_data(as_text=True)
    assert (
        f"Batch #{batch['id']} marked as disbursed: {len(ids)} payments, {total} yuan in all, "
        "bank reference ICBC-20261203-7." in done
    )
    assert _status(world, batch["id"]) == "disbursed"
    assert {claim_status(world.hr, i) for i in ids} == {"paid"}
    facts = done.split('class="facts"', 1)[1].split("</dl>", 1)[0]
    built, approved, disbursed = (
        facts.split(f"<dt>{name}</dt>", 1)[1].split("</dd>", 1)[0]
        for name in ("Built", "Approved", "Disbursed")
    )
    assert world.finance.user.username in built
    assert world.finance2.user.username in approved
    assert world.finance2.user.username in disbursed and "ICBC-20261203-7" in disbursed


def test_a_disbursement_without_a_bank_reference_is_not_confirmed(world, client, ready_claim):
    batch, _ids = _batch(world, ready_claim, 1)
    assert (
        world.finance2.post(f"/payment-batches/{batch['id']}/actions", json={"action": "approve"}).status_code
        == 200
    )
    path = f"/payments/batches/{batch['id']}"
    login(client, world.finance.user.username)
    token = _csrf(client, path)
    answer = client.post(path, data={"csrf_token": token, "action": "disburse", "bank_reference": " "})
    assert answer.status_code == 302
    assert _status(world, batch["id"]) == "approved"


def test_the_builder_is_not_offered_the_approval(world, client, ready_claim):
    batch, _ids = _batch(world, ready_claim, 1)
    path = f"/payments/batches/{batch['id']}"
    login(client, world.finance.user.username)
    assert 'value="approve"' not in client.get(path).get_data(as_text=True)
    token = _csrf(client, path)
    refused = client.post(path, data={"csrf_token": token, "action": "approve"}, follow_redirects=True)
    assert "flash-error" in refused.get_data(as_text=True)
    assert _status(world, batch["id"]) == "draft"
    login(client, world.finance2.user.username)
    assert 'value="approve"' in client.get(path).get_data(as_text=True)


def test_the_api_needs_no_confirmation(world, ready_claim):
    batch, _ids = _batch(world, ready_claim, 1)
    assert (
        world.finance2.post(f"/payment-batches/{batch['id']}/actions", json={"action": "approve"}).status_code
        == 200
    )
    assert _status(world, batch["id"]) == "approved"


def _disbursed(world, ready_claim):
    batch, ids = _batch(world, ready_claim)
    approve = world.finance2.post(f"/payment-batches/{batch['id']}/actions", json={"action": "approve"})
    assert approve.status_code == 200
    disbursed = world.finance.post(
        f"/payment-batches/{batch['id']}/actions", json={"action": "disburse", "bank_reference": "ICBC-1"}
    )
    assert disbursed.status_code == 200, disbursed.json
    return disbursed.json, ids


def test_the_bank_result_is_shown_before_it_is_imported(world, client, ready_claim):
    """The bank's result file is read and shown first (confirmed, reversed with payee and
    amount); only the page's confirmation imports it."""
    import html
    import io

    batch, ids = _disbursed(world, ready_claim)
    items = {i["claim_id"]: i for i in batch["items"]}
    failed, ok = ids
    body = (
        "reference,status,bank_reference,message\n"
        f"{items[failed]['reference']},FAILED,,户名不符\n"
        f"{items[ok]['reference']},SUCCESS,BANK-OK-1,\n"
    )
    path = f"/payments/batches/{batch['id']}"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, world.finance.user.username)
    token = _csrf(client, path)
    asked = client.post(
        f"{path}/bank-result",
        data={"csrf_token": token, "file": (io.BytesIO(body.encode()), "银行回单.csv")},
        content_type="multipart/form-data",
    )
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Yes, import the result" in page
    assert items[failed]["payee_name"] in page and f"{Decimal(items[failed]['amount']):,.2f}" in page
    assert "银行回单.csv" in page
    assert {claim_status(world.hr, i) for i in ids} == {"paid"}  # nothing changed yet
    hidden = dict(
        (html.unescape(n), html.unescape(v))
        for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    )
    assert hidden["confirm"] == "yes" and "户名不符" in hidden["content"]
    done = client.post(f"{path}/bank-result", data=hidden, follow_redirects=True).get_data(as_text=True)
    assert "Bank result imported: 1 paid, 1 failed." in done
    assert claim_status(world.hr, ok) == "paid" and claim_status(world.hr, failed) != "paid"
    # a file the batch does not know is refused before any page of confirmation
    wrong = client.post(
        f"{path}/bank-result",
        data={"csrf_token": token, "file": (io.BytesIO(b"reference,status\nX-1,SUCCESS\n"), "x.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Unknown reference X-1." in wrong and "Yes, import the result" not in wrong


def test_an_account_set_by_one_person_is_said_again_where_the_batch_is_approved(world, client, ready_claim):
    claim_id = ready_claim("TRAVEL", submit=True)
    assert act(world.hr, claim_id, "hr_approve").status_code == 200
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    code = world.hr.get(f"/claims/{claim_id}").json["talent_code"]
    changed = world.hr.client.put(
        f"/api/v1/talents/{code}/bank-account",
        json={"bank_name": "中国建设银行太原分行", "account_no": "6227000000009999"},
        headers={"Authorization": f"Bearer {world.hr.token}"},
    )
    assert changed.status_code == 200, changed.json
    batch = world.finance.post("/payment-batches", json={"claim_ids": [claim_id]}).json
    path = f"/payments/batches/{batch['id']}"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, world.finance2.user.username)
    asked = client.post(path, data={"csrf_token": _csrf(client, path), "action": "approve"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "not confirmed by a second person" in page
    assert world.hr.user.username in page
