"""Budgets (二十): allocations and dated adjustments; finance approval reserves against
them atomically; refusals change nothing."""

from decimal import Decimal

import pytest

from tests.core.test_api_shape import assert_error
from tests.world import act, claim_status


def _line(api, line_id):
    return api.get(f"/budgets/{line_id}").json


def test_allocation_shows_allocated_committed_paid_available(world):
    lines = world.finance.get(f"/budgets?fiscal_year={world.year}").json
    assert lines["total"] == 12
    line = next(l for l in lines["items"] if l["program_code"] == "RECRUIT_KEY")
    assert line == {
        **line,
        "fiscal_year": world.year,
        "allocated": "10000000.00",
        "committed": "0.00",
        "paid": "0.00",
        "available": "10000000.00",
    }


def test_a_second_allocation_for_the_same_line_is_409(world):
    assert_error(
        world.finance.post(
            "/budgets", json={"fiscal_year": world.year, "program_code": "TRAVEL", "amount": "1.00"}
        ),
        409,
    )


@pytest.mark.parametrize(
    "role, status", [("finance", 201), ("admin", 201), ("hr", 403), ("auditor", 403), ("employer", 403)]
)
def test_who_allocates(api_as, role, status):
    response = api_as(role).post(
        "/budgets", json={"fiscal_year": 2030, "program_code": "TRAVEL", "amount": "500000.00"}
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    "body, field",
    [
        ({"fiscal_year": 1999, "program_code": "TRAVEL", "amount": "1.00"}, "fiscal_year"),
        ({"fiscal_year": 2030, "program_code": "NOPE", "amount": "1.00"}, "program_code"),
        ({"fiscal_year": 2030, "program_code": "TRAVEL", "amount": "-1.00"}, "amount"),
        ({"fiscal_year": 2030, "program_code": "TRAVEL", "amount": 1e20}, "amount"),
    ],
)
def test_bad_allocations_are_422(api_as, body, field):
    assert_error(api_as("finance").post("/budgets", json=body), 422, field)


def test_adjustments_are_new_dated_entries_with_a_reason(world):
    line_id = world.budgets["TRAVEL"]
    raised = world.finance.post(
        f"/budgets/{line_id}/adjustments", json={"amount": "500000.00", "reason": "追加预算"}
    )
    assert raised.status_code == 201 and raised.json["amount"] == "500000.00"
    cut = world.finance.post(
        f"/budgets/{line_id}/adjustments", json={"amount": "-200000.00", "reason": "调减"}
    )
    assert cut.status_code == 201 and cut.json["amount"] == "-200000.00"
    detail = _line(world.finance, line_id)
    assert detail["allocated"] == "10300000.00"
    assert [a["kind"] for a in detail["adjustments"]] == ["allocation", "adjustment", "adjustment"]
    assert_error(
        world.finance.post(f"/budgets/{line_id}/adjustments", json={"amount": "1.00"}), 422, "reason"
    )
    assert_error(
        world.finance.post(f"/budgets/{line_id}/adjustments", json={"amount": "0", "reason": "x"}),
        422,
        "amount",
    )


def test_finance_approval_reserves_the_amount(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    assert act(world.finance, claim_id, "finance_approve").status_code == 200
    line = _line(world.finance, world.budgets["RECRUIT_KEY"])
    assert line["committed"] == "100000.00" and line["available"] == "9900000.00"


def test_an_approval_that_does_not_fit_is_409_and_changes_nothing(world, ready_claim):
    line_id = world.budgets["RECRUIT_KEY"]
    world.finance.post(f"/budgets/{line_id}/adjustments", json={"amount": "-9950000.00", "reason": "压减"})
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    error = assert_error(act(world.finance, claim_id, "finance_approve"), 409)
    assert error["code"] == "budget_exhausted"
    assert claim_status(world.finance, claim_id) == "hr_approved"
    line = _line(world.finance, line_id)
    assert line["committed"] == "0.00" and line["available"] == "50000.00"
    assert world.finance.get("/ledger/verify").json["ok"]


def test_no_budget_line_is_409(world, ready_claim, app):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    from sqlalchemy import update

    from subsidy_app.budgets.models import BudgetLine
    from subsidy_app.extensions import db

    with app.app_context():  # as if the line were for another year
        db.session.execute(
            update(BudgetLine)
            .where(BudgetLine.id == world.budgets["RECRUIT_KEY"])
            .values(fiscal_year=world.year + 1)
        )
        db.session.commit()
    assert assert_error(act(world.finance, claim_id, "finance_approve"), 409)["code"] == "no_budget"


def test_an_allocation_cannot_be_cut_below_what_is_used(world, ready_claim):
    claim_id = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, claim_id, "hr_approve")
    act(world.finance, claim_id, "finance_approve")
    line_id = world.budgets["RECRUIT_KEY"]
    error = assert_error(
        world.finance.post(
            f"/budgets/{line_id}/adjustments", json={"amount": "-9950000.00", "reason": "压减"}
        ),
        409,
    )
    assert error["code"] == "budget_exhausted"
    assert _line(world.finance, line_id)["allocated"] == "10000000.00"


def test_finance_reject_releases_only_what_it_reserved(world, ready_claim):
    line_id = world.budgets["RECRUIT_KEY"]
    not_reserved = ready_claim("RECRUIT_KEY", submit=True)
    act(world.hr, not_reserved, "hr_approve")
    act(world.finance, not_reserved, "finance_reject", comment="不在预算范围")
    assert _line(world.finance, line_id)["committed"] == "0.00"
    reserved = ready_claim("RECRUIT_REGULAR", submit=True)
    act(world.hr, reserved, "hr_approve")
    act(world.finance, reserved, "finance_approve")
    assert _line(world.finance, world.budgets["RECRUIT_REGULAR"])["committed"] == "50000.00"
    act(world.finance, reserved, "finance_reject", comment="发现重复申报")
    assert _line(world.finance, world.budgets["RECRUIT_REGULAR"])["committed"] == "0.00"
    assert _line(world.finance, line_id)["available"] == "10000000.00"
    ledger = world.finance.get(f"/ledger?claim_id={reserved}").json["items"]
    assert [e["kind"] for e in ledger] == ["commitment", "commitment", "release", "release"]


# --- budgets alone move a line's totals, through one checked movement (issue 12, 8) -----------


@pytest.mark.parametrize(
    "movement, amount, code",
    [
        ("reserve", "1000.01", "budget_exhausted"),  # more than available
        ("cut", "1000.01", "budget_exhausted"),  # below what is reserved and paid
        ("release", "300.01", "budget_mismatch"),  # more than reserved
        ("spend", "300.01", "budget_mismatch"),  # more than reserved
        ("unspend", "200.01", "budget_mismatch"),  # more than paid
        ("recover", "200.01", "budget_mismatch"),  # more than paid
    ],
)
def test_a_movement_that_does_not_fit_changes_nothing(app_ctx, movement, amount, code):
    from subsidy_app.budgets import operations as budgets
    from subsidy_app.core.errors import Conflict
    from subsidy_app.extensions import db
    from subsidy_app.users import operations as users

    finance = users.create_user(None, username="fin-move", password="correct-horse-battery", role="finance")
    line = budgets.allocate(finance, fiscal_year=2031, program_code="TRAVEL", amount=Decimal("1500.00"))
    budgets.move(line, budgets.Movement.RESERVE, Decimal("500.00"))
    budgets.move(line, budgets.Movement.SPEND, Decimal("200.00"))  # committed 300, paid 200
    db.session.flush()
    with pytest.raises(Conflict) as refused:
        budgets.move(line, budgets.Movement(movement), Decimal(amount))
    assert refused.value.code == code
    db.session.refresh(line)
    assert (line.allocated, line.committed, line.paid) == (
        Decimal("1500.00"),
        Decimal("300.00"),
        Decimal("200.00"),
    )


def test_a_movement_returns_the_lines_that_book_it(app_ctx):
    from subsidy_app.budgets import operations as budgets
    from subsidy_app.users import operations as users

    finance = users.create_user(None, username="fin-lines", password="correct-horse-battery", role="finance")
    line = budgets.allocate(finance, fiscal_year=2031, program_code="TRAVEL", amount=Decimal("100.00"))
    lines = budgets.move(line, budgets.Movement.RESERVE, Decimal("40.00"), claim_id=7)
    assert [(l.account, l.debit, l.credit, l.claim_id) for l in lines] == [
        ("committed", Decimal("40.00"), Decimal("0.00"), 7),
        ("available", Decimal("0.00"), Decimal("40.00"), 7),
    ]
    assert budgets.drift(2031)  # not posted yet: the line moved, the ledger not
