"""Friendship Awards (十四) and demonstration bases (十五): recorded once, each creating its
claim, which is paid through the normal flow."""

from decimal import Decimal

import pytest

from tests.core.test_api_shape import assert_error
from tests.world import act, upload


def _award(api, talent, kind="friendship_national", year=2025):
    return api.post("/awards", json={"kind": kind, "talent_code": talent, "year": year})


def _pay(world, claim_id):
    batch = world.finance.post("/payment-batches", json={"claim_ids": [claim_id]})
    assert batch.status_code == 201, batch.json
    assert (
        world.finance2.post(
            f"/payment-batches/{batch.json['id']}/actions", json={"action": "approve"}
        ).status_code
        == 200
    )
    paid = world.finance.post(
        f"/payment-batches/{batch.json['id']}/actions",
        json={"action": "disburse", "bank_reference": "ICBC-AWARD"},
    )
    assert paid.status_code == 200, paid.json


@pytest.mark.parametrize(
    "kind, program, amount",
    [
        ("friendship_national", "FRIENDSHIP_NATIONAL", "100000.00"),
        ("friendship_provincial", "FRIENDSHIP_PROVINCIAL", "50000.00"),
    ],
)
def test_an_award_creates_its_bonus_claim_which_is_paid_the_normal_way(world, kind, program, amount):
    created = _award(world.hr, world.talent, kind)
    assert created.status_code == 201, created.json
    claim_id = created.json["claim_id"]
    claim = world.hr.get(f"/claims/{claim_id}").json
    assert claim["program_code"] == program and claim["status"] == "draft"
    assert claim["eligibility"]["eligible"] is True
    assert any(c["clause"] == "(十四)" for c in claim["eligibility"]["checks"])
    assert upload(world.hr, claim_id, "award_certificate").status_code == 201
    assert act(world.hr, claim_id, "submit").status_code == 200
    assert act(world.hr2, claim_id, "hr_approve").status_code == 200
    approved = act(world.finance, claim_id, "finance_approve")
    assert approved.status_code == 200 and approved.json["amount_approved"] == amount
    _pay(world, claim_id)
    entries = world.auditor.get("/ledger", query_string={"claim_id": claim_id, "per_page": 100}).json["items"]
    bank = next(e for e in entries if e["account"] == "bank")
    assert Decimal(bank["credit"]) == Decimal(amount) and bank["tax_exempt"] is True
    assert "(十四)" in bank["clause"] and "(二十)" in bank["clause"]


def test_the_same_award_for_the_same_person_twice_is_409(world):
    assert _award(world.hr, world.talent, year=2024).status_code == 201
    again = _award(world.hr, world.talent, year=2025)
    assert_error(again, 409)
    assert again.json["error"]["claim_id"] is not None  # points at the first award's claim
    other_kind = _award(world.hr, world.talent, "friendship_provincial", 2025)
    assert other_kind.status_code == 201
    assert _award(world.hr, world.other_talent).status_code == 201
    listed = world.auditor.get("/awards").json
    assert listed["total"] == 3


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "nobel", "talent_code": "X", "year": 2025}, "kind"),
        ({"kind": "friendship_national", "talent_code": "SX99999999X", "year": 2025}, "talent_code"),
        ({"kind": "friendship_national", "talent_code": "SX99999999X", "year": 3000}, "year"),
    ],
)
def test_bad_award_input_is_422(world, body, field):
    assert_error(world.hr.post("/awards", json=body), 422, field)


def test_a_future_award_year_is_422(world):
    assert_error(_award(world.hr, world.talent, year=2099), 422, "year")


@pytest.mark.parametrize("role", ["employer", "finance", "auditor"])
def test_only_hr_records_awards_and_bases(world, role):
    api = getattr(world, role)
    assert_error(_award(api, world.talent), 403)
    assert_error(
        api.post(
            "/demonstration-bases",
            json={"level": "national", "organization_id": world.employer_org, "designated_on": "2026-03-01"},
        ),
        403,
    )


def _base(api, org, level="national", day="2026-03-01"):
    return api.post(
        "/demonstration-bases", json={"level": level, "organization_id": org, "designated_on": day}
    )


@pytest.mark.parametrize(
    "level, program, amount",
    [("national", "DEMO_BASE_NATIONAL", "100000.00"), ("provincial", "DEMO_BASE_PROVINCIAL", "50000.00")],
)
def test_a_designation_creates_the_reward_claim_once_per_level(world, level, program, amount):
    created = _base(world.hr, world.employer_org, level)
    assert created.status_code == 201, created.json
    claim = world.hr.get(f"/claims/{created.json['claim_id']}").json
    assert claim["program_code"] == program and claim["organization_id"] == world.employer_org
    assert claim["eligibility"]["eligible"] is True
    assert upload(world.hr, claim["id"], "designation_document").status_code == 201
    assert act(world.hr, claim["id"], "submit").status_code == 200
    assert act(world.hr2, claim["id"], "hr_approve").status_code == 200
    assert act(world.finance, claim["id"], "finance_approve").json["amount_approved"] == amount
    _pay(world, claim["id"])
    assert world.hr.get(f"/claims/{claim['id']}").json["status"] == "paid"
    assert_error(_base(world.hr, world.employer_org, level, "2026-05-01"), 409)


def test_bases_are_listed_by_year_of_designation(world):
    assert _base(world.hr, world.employer_org, "provincial", "2025-06-01").status_code == 201
    assert _base(world.hr, world.other_org, "provincial", "2026-02-01").status_code == 201
    assert _base(world.hr, world.employer_org, "national", "2026-04-01").status_code == 201
    in_2026 = world.hr.get("/demonstration-bases", query_string={"year": 2026}).json
    assert {(b["organization_id"], b["level"]) for b in in_2026["items"]} == {
        (world.other_org, "provincial"),
        (world.employer_org, "national"),
    }
    provincial_2025 = world.hr.get(
        "/demonstration-bases", query_string={"year": 2025, "level": "provincial"}
    ).json
    assert [b["year"] for b in provincial_2025["items"]] == [2025]


def test_a_designation_cannot_be_in_the_future_or_of_an_unknown_organisation(world):
    assert_error(_base(world.hr, world.employer_org, day="2099-01-01"), 422, "designated_on")
    assert_error(_base(world.hr, 999999), 422, "organization_id")
