"""The ledger browser at volume (issue 15): a page runs the same number of SQL statements
whatever its size, payees named by their names (looked up for the whole page at once, not
row by row)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import event

from subsidy_app.extensions import db
from subsidy_app.ledger import operations as ledger
from subsidy_app.ledger.models import TransactionKind
from tests.users.test_html_login import login

EN = {"Accept-Language": "en"}


def _pay(app, year: int, payees: list[str]) -> None:
    """One payment transaction per payee (four lines, as a claim's payment books them)."""
    with app.app_context():
        postings = []
        for n, payee in enumerate(payees):
            amount = Decimal("1000.00") + n
            common = dict(payee=payee, reference=f"SXPAY-T-{n}")
            postings.append(
                ledger.Posting(
                    TransactionKind.PAYMENT,
                    [
                        ledger.dr("expended", amount, **common),
                        ledger.cr("committed", amount, **common),
                        ledger.dr("subsidy_expense", amount, **common),
                        ledger.cr("bank", amount, **common),
                    ],
                    year,
                    "TRAVEL",
                )
            )
        ledger.post_many(postings)
        db.session.commit()


def test_a_ledger_page_runs_the_same_statements_whatever_its_size(app, world, client, make_talent, make_org):
    talents = {make_talent(name=f"Payee Person {n}"): f"Payee Person {n}" for n in range(24)}
    orgs = {make_org("employer", name=f"收款单位{n}"): f"收款单位{n}" for n in range(12)}
    # 36 payees, one bank line each, talents and organisations on every page
    payees = [f"talent:{code}" for code in talents]
    for n, org_id in enumerate(orgs):
        payees.insert(3 * n, f"organization:{org_id}")
    _pay(app, world.year, payees)
    login(client, world.finance.user.username)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    client.get("/ledger/?account=bank", headers=EN)  # warm (programs, session)
    event.listen(engine, "before_cursor_execute", count)
    try:
        seen, pages = {}, {}
        for size in (20, 50, 100):
            statements.clear()
            answer = client.get(f"/ledger/?account=bank&per_page={size}", headers=EN)
            assert answer.status_code == 200
            seen[size] = len(statements)
            pages[size] = answer.get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # 20 payees on the first page, all 36 on the page of 100: one statement per payee before
    assert seen[20] == seen[50] == seen[100], seen
    assert seen[100] <= 12, seen
    big = pages[100]
    for code, name in talents.items():
        assert f"{name} ({code})" in big
    for name in orgs.values():
        assert name in big
    assert "talent:" not in big and "organization:" not in big
    assert big.count("Payee Person") == len(talents)
    assert pages[20].count("Payee Person") + pages[20].count("收款单位") == 20


def test_payees_are_named_in_one_look_up_and_unknown_ones_keep_their_reference(app, world, make_talent):
    from subsidy_app.core import labels

    code = make_talent(name="张三")
    with app.test_request_context(headers=EN):
        names = labels.payee_names(
            [
                f"talent:{code}",
                f"organization:{world.employer_org}",
                "talent:SX99999999X",
                "organization:x",
                "",
                None,
            ]
        )
        assert names == {
            f"talent:{code}": f"张三 ({code})",
            f"organization:{world.employer_org}": "示范用人单位",
            "talent:SX99999999X": "talent:SX99999999X",
            "organization:x": "organization:x",
        }
        # payee_name then reads what was looked up, with no statement of its own
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert labels.payee_name(f"talent:{code}") == f"张三 ({code})"
            assert labels.payee_name(f"organization:{world.employer_org}") == "示范用人单位"
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert statements == []
