"""Payee bank accounts under four eyes: HR sets an account at once (flagged in the payment
batch); an organisation proposes, and until an HR user other than the proposer confirms,
the last confirmed account stays in effect and is what the bank is told to pay."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from subsidy_app.bankaccounts.models import RECENT_DAYS, change_flagged
from subsidy_app.core.audit import AuditEvent
from subsidy_app.extensions import db
from tests.conftest import talent_payload
from tests.core.test_api_shape import assert_error
from tests.users.test_html_login import login
from tests.world import act

OLD = "6216600000001234567"  # the world's talents' account (tests/world.py)
NEW = "6227000000009999"


def _put(api, path, **body):
    return api.client.put(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {api.token}"})


def _propose(api, code, account_no=NEW, bank_name="中国建设银行太原分行", **extra):
    return _put(api, f"/talents/{code}/bank-account", bank_name=bank_name, account_no=account_no, **extra)


def _confirm(api, code, **body):
    return api.post(f"/talents/{code}/bank-account/confirm", json=body)


def _approved(world, ready_claim, program="TRAVEL", **overrides):
    """A finance-approved claim (TRAVEL pays the talent)."""
    claim_id = ready_claim(program, submit=True, **overrides)
    assert act(world.hr, claim_id, "hr_approve").status_code == 200
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    return claim_id


def _batch(world, claim_ids):
    return world.finance.post("/payment-batches", json={"claim_ids": claim_ids})


def _bank_file(world, batch_id) -> str:
    assert (
        world.finance2.post(f"/payment-batches/{batch_id}/actions", json={"action": "approve"}).status_code
        == 200
    )
    response = world.finance.get(f"/payment-batches/{batch_id}/bank-file")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _events(app, action):
    with app.app_context():
        return (
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
            .scalars()
            .all()
        )


# --- proposing and confirming --------------------------------------------------------------


def test_an_employer_proposes_and_the_confirmed_account_stays_in_effect(world):
    proposed = _propose(world.employer, world.talent, reason="工资卡变更")
    assert proposed.status_code == 202, proposed.json
    change = proposed.json
    assert change["status"] == "pending" and change["account_no"] == NEW
    assert change["previous_account_no"] == OLD and change["subject_id"] == world.talent
    assert change["proposed_by"] == world.employer.user.username and change["decided_at"] is None
    for api in (world.employer, world.hr, world.finance):
        talent = api.get(f"/talents/{world.talent}").json
        assert talent["bank_account_no"] == OLD
        assert talent["pending_bank_account"]["account_no"] == NEW
    pending = world.hr.get("/bank-account-changes", query_string={"status": "pending"}).json
    assert [c["id"] for c in pending["items"]] == [change["id"]]


def test_a_batch_built_before_confirmation_pays_the_old_account_and_the_next_the_new(world, ready_claim):
    claim_id = _approved(world, ready_claim)
    assert _propose(world.employer, world.talent).status_code == 202
    batch = _batch(world, [claim_id]).json
    [item] = batch["items"]
    assert item["account_no"] == OLD
    # the proposer cannot confirm its own change (nor may any employer)
    assert_error(_confirm(world.employer, world.talent), 403)
    assert _confirm(world.hr, world.talent).status_code == 200
    assert world.employer.get(f"/talents/{world.talent}").json["bank_account_no"] == NEW
    # the batch built before pays what it was built with
    lines = _bank_file(world, batch["id"]).lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "reference,payee_name,bank_name,account_no,amount,currency,purpose"
    assert OLD in lines[1] and NEW not in lines[1]
    # the old account bounces; the claim waits again, and the next batch pays the new one
    assert (
        world.finance.post(
            f"/payment-batches/{batch['id']}/actions", json={"action": "disburse", "bank_reference": "B-1"}
        ).status_code
        == 200
    )
    result = "reference,status,bank_reference,message\n" + f"{item['reference']},FAILED,,账户已变更\n"
    world.finance.client.post(
        f"/api/v1/payment-batches/{batch['id']}/bank-result",
        data={"file": (io.BytesIO(result.encode()), "result.csv")},
        headers={"Authorization": f"Bearer {world.finance.token}"},
        content_type="multipart/form-data",
    )
    again = _batch(world, [claim_id])
    assert again.status_code == 201, again.json
    [item] = again.json["items"]
    assert item["account_no"] == NEW and item["account_confirmed_by"] == world.hr.user.username
    assert item["account_changed_by"] == world.employer.user.username and item["account_flagged"]
    assert NEW in _bank_file(world, again.json["id"])


def test_the_proposer_cannot_confirm_its_own_change(world):
    """HR changes are direct, unless HR asks for a second person (``four_eyes``): then the
    rule bites HR too."""
    proposed = _propose(world.hr, world.talent, four_eyes=True)
    assert proposed.status_code == 202 and proposed.json["status"] == "pending"
    refused = assert_error(_confirm(world.hr, world.talent), 403)
    assert refused["code"] == "segregation_of_duties"
    assert world.hr.get(f"/talents/{world.talent}").json["bank_account_no"] == OLD
    confirmed = _confirm(world.hr2, world.talent, change_id=proposed.json["id"])
    assert confirmed.status_code == 200 and confirmed.json["bank_account_no"] == NEW
    assert confirmed.json["pending_bank_account"] is None


def test_nothing_pending_is_409(world):
    assert assert_error(_confirm(world.hr, world.talent), 409)["code"] == "no_pending_change"
    rejected = world.hr.post(f"/talents/{world.talent}/bank-account/reject", json={"reason": "不符"})
    assert assert_error(rejected, 409)["code"] == "no_pending_change"


def test_hr_refuses_a_change_with_a_reason(world):
    _propose(world.employer, world.talent)
    path = f"/talents/{world.talent}/bank-account/reject"
    assert_error(world.hr.post(path, json={"reason": " "}), 422, "reason")
    assert_error(world.employer.post(path, json={"reason": "撤回"}), 403)
    refused = world.hr.post(path, json={"reason": "开户人与人才姓名不符"})
    assert refused.status_code == 200
    assert refused.json["status"] == "rejected" and refused.json["decision_reason"] == "开户人与人才姓名不符"
    assert refused.json["decided_by"] == world.hr.user.username
    talent = world.employer.get(f"/talents/{world.talent}").json
    assert talent["bank_account_no"] == OLD and talent["pending_bank_account"] is None
    assert assert_error(_confirm(world.hr2, world.talent), 409)["code"] == "no_pending_change"


def test_a_newer_proposal_supersedes_the_pending_one(world):
    first = _propose(world.employer, world.talent, account_no="6227000000000001").json
    second = _propose(world.employer_colleague, world.talent, account_no="6227000000000002").json
    changes = {c["id"]: c["status"] for c in world.hr.get("/bank-account-changes").json["items"]}
    assert changes == {first["id"]: "superseded", second["id"]: "pending"}
    # HR confirms what it looked at: a superseded change is not confirmed by mistake
    stale = assert_error(_confirm(world.hr, world.talent, change_id=first["id"]), 409)
    assert stale["code"] == "no_pending_change"
    assert _confirm(world.hr, world.talent, change_id=second["id"]).status_code == 200
    assert world.hr.get(f"/talents/{world.talent}").json["bank_account_no"] == "6227000000000002"


def test_an_organisation_proposes_its_own_account(world):
    path = f"/organizations/{world.agency}/bank-account"
    before = world.agent.get(f"/organizations/{world.agency}").json["bank_account_no"]
    proposed = _put(world.agent, path, bank_name="中国农业银行太原分行", account_no="0412000000000077")
    assert proposed.status_code == 202 and proposed.json["subject_kind"] == "organization"
    shown = world.agent.get(f"/organizations/{world.agency}").json
    assert shown["bank_account_no"] == before
    assert shown["pending_bank_account"]["account_no"] == "0412000000000077"
    assert_error(world.agent.post(f"{path}/confirm", json={}), 403)
    confirmed = world.hr.client.post(
        f"/api/v1{path}/confirm",  # no body at all is fine
        headers={"Authorization": f"Bearer {world.hr.token}"},
    )
    assert confirmed.status_code == 200 and confirmed.json["bank_account_no"] == "0412000000000077"
    # another organisation's account is not found, as the organisation itself is
    assert_error(
        _put(
            world.agent,
            f"/organizations/{world.employer_org}/bank-account",
            bank_name="某银行",
            account_no="0412000000000078",
        ),
        404,
    )


# --- who may -------------------------------------------------------------------------------


def test_another_organisations_talent_is_not_found(world):
    assert_error(_propose(world.employer, world.other_talent), 404)
    assert_error(_propose(world.other_employer, world.talent), 404)
    assert_error(_propose(world.agent, world.talent), 403)  # intermediaries: never a talent's account
    assert_error(_propose(world.finance, world.talent), 403)
    assert world.hr.get(f"/talents/{world.other_talent}").json["bank_account_no"] == OLD


def test_hr_and_administrators_set_an_account_at_once(world):
    done = _propose(world.admin, world.talent, account_no=NEW)
    assert done.status_code == 200 and done.json["bank_account_no"] == NEW
    assert done.json["pending_bank_account"] is None
    done = _propose(world.hr, world.talent, account_no="6227000000000003")
    assert done.status_code == 200 and done.json["bank_account_no"] == "6227000000000003"
    assert [c["status"] for c in world.hr.get("/bank-account-changes").json["items"]] == ["direct", "direct"]


def test_an_hr_change_supersedes_a_pending_proposal(world):
    proposal = _propose(world.employer, world.talent).json
    assert _propose(world.hr, world.talent, account_no="6227000000000004").status_code == 200
    assert world.hr.get(f"/bank-account-changes/{proposal['id']}").json["status"] == "superseded"
    assert assert_error(_confirm(world.hr2, world.talent), 409)["code"] == "no_pending_change"


@pytest.mark.parametrize("account_no", ["12345", "x" * 41, "6227-", "银行账号123456", "6227#0000001"])
def test_an_account_number_is_6_to_40_digits_or_capital_letters(world, account_no):
    assert_error(_propose(world.hr, world.talent, account_no=account_no), 422, "account_no")


# --- payment batches -----------------------------------------------------------------------


def test_a_payee_without_a_confirmed_account_is_not_payable(world, ready_claim):
    created = world.employer.post("/talents", json=talent_payload(world.employer_org))
    assert created.status_code == 201, created.json
    code = created.json["talent_code"]
    assert created.json["bank_account_no"] is None
    claim_id = _approved(world, ready_claim, talent=code)
    assert _propose(world.employer, code).status_code == 202  # proposed, not confirmed
    error = assert_error(_batch(world, [claim_id]), 409)
    assert error["code"] == "not_payable"
    assert error["claims"] == [
        {"id": claim_id, "code": "no_bank_account", "message": error["claims"][0]["message"]}
    ]
    assert _confirm(world.hr, code).status_code == 200
    assert _batch(world, [claim_id]).status_code == 201


def test_a_direct_hr_change_is_flagged_on_the_batch(world, ready_claim, client):
    travel = _approved(world, ready_claim)
    recruit = _approved(world, ready_claim, "RECRUIT_KEY")  # pays the employer: unchanged account
    assert _propose(world.hr, world.talent).status_code == 200
    batch = _batch(world, [travel, recruit]).json
    items = {i["claim_id"]: i for i in batch["items"]}
    assert items[travel]["account_no"] == NEW and items[travel]["account_flagged"]
    assert items[travel]["account_changed_by"] == world.hr.user.username
    assert items[travel]["account_confirmed_by"] is None and items[travel]["account_changed_at"]
    assert items[recruit]["account_changed_at"] is None and not items[recruit]["account_flagged"]
    login(client, world.finance2.user.username)
    page = client.get(f"/payments/batches/{batch['id']}?lang=en").get_data(as_text=True)
    assert re.search(
        rf"account changed on \d{{4}}-\d\d-\d\d \(by {world.hr.user.username}, "
        r"no second confirmation\)",
        page,
    )
    assert "未经第二人确认" in client.get(f"/payments/batches/{batch['id']}?lang=zh").get_data(as_text=True)


@pytest.mark.parametrize(
    "days_before, confirmed_by, flagged",
    [
        (None, None, False),  # unchanged since registration
        (1, "hr2", True),  # recent, even confirmed
        (RECENT_DAYS - 1, "hr2", True),
        (RECENT_DAYS + 1, "hr2", False),
        (RECENT_DAYS + 400, None, True),  # one person's word, however old
    ],
)
def test_which_account_changes_are_flagged(days_before, confirmed_by, flagged):
    built = datetime(2026, 12, 1, tzinfo=UTC)
    changed = None if days_before is None else built - timedelta(days=days_before)
    assert change_flagged(changed, confirmed_by, built) is flagged


# --- the record ----------------------------------------------------------------------------


def test_every_step_is_on_the_audit_trail_with_old_and_new_account(app, world):
    _propose(world.employer, world.talent, account_no="6227000000000011", reason="换卡")
    _propose(world.employer, world.talent, account_no="6227000000000012")
    world.hr.post(f"/talents/{world.talent}/bank-account/reject", json={"reason": "户名不符"})
    _propose(world.employer, world.talent, account_no="6227000000000013")
    _confirm(world.hr, world.talent)
    _propose(world.hr, world.talent, account_no="6227000000000014")
    [first, second, third] = _events(app, "talent.bank_account.propose")
    assert first.before["account_no"] == OLD and first.after["account_no"] == "6227000000000011"
    assert first.reason == "换卡" and first.actor_name == world.employer.user.username
    assert first.object_type == "talent" and first.object_id == world.talent
    [superseded] = _events(app, "talent.bank_account.supersede")
    assert superseded.before["account_no"] == "6227000000000011"
    [rejected] = _events(app, "talent.bank_account.reject")
    assert rejected.after["account_no"] == "6227000000000012" and rejected.reason == "户名不符"
    assert rejected.before["account_no"] == OLD
    [confirmed] = _events(app, "talent.bank_account.confirm")
    assert confirmed.before["account_no"] == OLD and confirmed.after["account_no"] == "6227000000000013"
    assert confirmed.actor_name == world.hr.user.username
    assert confirmed.after["proposed_by"] == world.employer.user.username
    [direct] = _events(app, "talent.bank_account.set")
    assert direct.before["account_no"] == "6227000000000013"
    assert direct.after["account_no"] == "6227000000000014" and direct.actor_role == "hr"
    assert third.after["account_no"] == "6227000000000013"


# --- the pages -----------------------------------------------------------------------------


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_the_pages_say_a_change_awaits_hr_and_another_hr_user_confirms_it(world, client):
    login(client, world.employer.user.username)
    token = _csrf(client, f"/talents/{world.talent}")
    client.post(
        f"/talents/{world.talent}",
        data={"csrf_token": token, "bank-bank_name": "中国建设银行太原分行", "bank-account_no": NEW},
    )
    page = client.get(f"/talents/{world.talent}?lang=en").get_data(as_text=True)
    assert "awaits confirmation by an HR user" in page and NEW in page
    assert "Confirm the new account" not in page
    assert world.employer.get(f"/talents/{world.talent}").json["bank_account_no"] == OLD
    login(client, world.hr.user.username)
    page = client.get(f"/talents/{world.talent}").get_data(as_text=True)
    assert "确认新账户" in page
    change_id = re.search(r'name="change_id" value="(\d+)"', page).group(1)
    token = _csrf(client, "/bank-accounts/")
    done = client.post(
        f"/bank-accounts/talent/{world.talent}/decision",
        data={"csrf_token": token, "action": "confirm", "change_id": change_id},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/talents/{world.talent}")
    assert world.employer.get(f"/talents/{world.talent}").json["bank_account_no"] == NEW


def test_hr_refuses_in_the_list_of_changes(world, client):
    _put(
        world.agent,
        f"/organizations/{world.agency}/bank-account",
        bank_name="某银行",
        account_no="0412000000000079",
    )
    login(client, world.agent.user.username)
    page = client.get(f"/organizations/{world.agency}?lang=en").get_data(as_text=True)
    assert "0412000000000079" in page and "awaits confirmation by an HR user" in page
    login(client, world.hr.user.username)
    assert "确认新账户" in client.get(f"/organizations/{world.agency}").get_data(as_text=True)
    page = client.get("/bank-accounts/").get_data(as_text=True)
    assert "0412000000000079" in page
    change_id = re.search(r'name="change_id" value="(\d+)"', page).group(1)
    token = _csrf(client, "/bank-accounts/")
    client.post(
        f"/bank-accounts/organization/{world.agency}/decision",
        data={
            "csrf_token": token,
            "action": "reject",
            "change_id": change_id,
            "reason": "非本单位账户",
            "back": "list",
        },
    )
    [change] = world.hr.get("/bank-account-changes").json["items"]
    assert change["status"] == "rejected" and change["decision_reason"] == "非本单位账户"


def test_an_account_number_is_kept_as_the_bank_reads_it(world):
    assert _propose(world.hr, world.talent, account_no="6227 0000-0000 0004 ").status_code == 200
    assert world.hr.get(f"/talents/{world.talent}").json["bank_account_no"] == "6227000000000004"
