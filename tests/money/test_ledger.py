"""The ledger: double entry, append-only in the database, hash-chained, verifiable; a row
altered behind the application's back is found."""

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from subsidy_app.extensions import db
from subsidy_app.ledger import operations as ledger
from subsidy_app.ledger.models import LedgerEntry, TransactionKind
from tests.core.test_api_shape import assert_error
from tests.world import paid_claim


def _entries(api, **query):
    return api.get("/ledger", query_string={"per_page": 100, **query}).json["items"]


def test_a_paid_claim_is_booked_in_balanced_transactions(world, ready_claim):
    claim_id, _batch = paid_claim(world, ready_claim)
    entries = _entries(world.auditor, claim_id=claim_id)
    assert {e["kind"] for e in entries} == {"commitment", "payment"}
    for transaction in {e["transaction_id"] for e in entries}:
        lines = [e for e in entries if e["transaction_id"] == transaction]
        assert sum(Decimal(e["debit"]) for e in lines) == sum(Decimal(e["credit"]) for e in lines)
    for entry in entries:
        assert {
            "seq",
            "posted_at",
            "claim_id",
            "program_code",
            "account",
            "debit",
            "credit",
            "amount",
            "tax_exempt",
            "clause",
            "hash",
            "prev_hash",
        } <= set(entry)
        assert (Decimal(entry["debit"]) > 0) != (Decimal(entry["credit"]) > 0)
    bank = next(e for e in entries if e["account"] == "bank")
    assert bank["credit"] == bank["amount"] == "100000.00" and bank["reference"].startswith("SXPAY-")


def test_payments_to_a_talent_carry_the_tax_exemption_with_its_clause(world, ready_claim):
    travel, _ = paid_claim(world, ready_claim, "TRAVEL")
    recruit, _ = paid_claim(world, ready_claim, "RECRUIT_REGULAR")
    for entry in _entries(world.auditor, claim_id=travel):
        if entry["kind"] == "payment":
            assert entry["tax_exempt"] is True and "(二十)" in entry["clause"] and "(六)" in entry["clause"]
    for entry in _entries(world.auditor, claim_id=recruit):
        assert entry["tax_exempt"] is False and "(二十)" not in entry["clause"]


def test_chain_links_each_entry_to_the_one_before(world, ready_claim):
    paid_claim(world, ready_claim)
    entries = _entries(world.auditor)
    assert entries[0]["prev_hash"] == "0" * 64
    for before, after in zip(entries, entries[1:]):
        assert after["prev_hash"] == before["hash"] and after["seq"] > before["seq"]
    result = world.auditor.get("/ledger/verify").json
    assert result == {
        **result,
        "ok": True,
        "entries": len(entries),
        "first_bad_entry": None,
        "budgets_match": True,
    }


def test_python_and_sql_build_the_same_canonical_text(app, world, ready_claim):
    paid_claim(world, ready_claim, "TRAVEL")  # amounts with cents, tax-exempt lines, references
    with app.app_context():
        connection = db.session.connection()
        sql = ledger.canonical_sql(connection.dialect.name)
        from_sql = dict(db.session.execute(text(f"SELECT seq, {sql} FROM ledger_entries")).all())
        for entry in db.session.execute(select(LedgerEntry)).scalars():
            fields = {
                c: getattr(entry, c)
                for c in (
                    "seq",
                    "transaction_id",
                    "posted_at",
                    "kind",
                    "fiscal_year",
                    "program_code",
                    "claim_id",
                    "account",
                    "payee",
                    "debit",
                    "credit",
                    "tax_exempt",
                    "clause",
                    "reference",
                    "prev_hash",
                )
            }
            assert ledger.canonical(**fields) == from_sql[entry.seq]
            assert ledger.digest(from_sql[entry.seq]) == entry.hash


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET debit = debit + 1 WHERE debit > 0",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET memo = 'changed'",
        "DELETE FROM ledger_transactions",
        "UPDATE budget_adjustments SET amount = 1",
    ],
)
def test_the_database_refuses_changes_to_the_ledger(app, world, statement):
    with app.app_context():
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()


def _tamper(app, statement):
    """Change a row behind the application's back: as someone with direct database access,
    switching the append-only triggers off for the moment."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(statement))
        else:
            triggers = db.session.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'ledger_entries'"
                )
            ).all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            connection.execute(text(statement))
            for _name, sql in triggers:
                connection.execute(text(sql))
        db.session.commit()


def test_verification_finds_a_row_altered_behind_the_applications_back(app, world, ready_claim):
    paid_claim(world, ready_claim)
    paid_claim(world, ready_claim, "RECRUIT_REGULAR")
    entries = _entries(world.auditor)
    target = entries[len(entries) // 2]["seq"]
    _tamper(
        app,
        "UPDATE ledger_entries SET "
        "debit = CASE WHEN debit > 0 THEN debit + 1 ELSE debit END, "
        f"credit = CASE WHEN credit > 0 THEN credit + 1 ELSE credit END WHERE seq = {target}",
    )
    result = world.auditor.get("/ledger/verify").json
    assert result["ok"] is False and result["first_bad_entry"] == target
    assert result["entries"] == len(entries)


def test_verification_finds_a_rewritten_hash(app, world, ready_claim):
    paid_claim(world, ready_claim)
    entries = _entries(world.auditor)
    target = entries[3]["seq"]
    # recompute the altered row's own hash: the next row's link breaks instead
    _tamper(app, f"UPDATE ledger_entries SET reference = 'forged', hash = '{'f' * 64}' WHERE seq = {target}")
    assert world.auditor.get("/ledger/verify").json["first_bad_entry"] == target


def test_verification_finds_lines_removed_at_the_end(app, world, ready_claim):
    paid_claim(world, ready_claim)
    last = _entries(world.auditor)[-1]["seq"]
    _tamper(app, f"DELETE FROM ledger_entries WHERE seq = {last}")
    result = world.auditor.get("/ledger/verify").json
    assert result["ok"] is False and result["first_bad_entry"] is not None


def test_the_database_refuses_an_unbalanced_transaction(app, world):
    with app.app_context():
        lines = [ledger.dr("available", "10.00"), ledger.cr("appropriation", "10.00")]
        ledger.post(TransactionKind.ADJUSTMENT, lines, fiscal_year=2030, program_code="TRAVEL")
        db.session.commit()
        # bypass post(): lines that do not balance, then the header
        from sqlalchemy import insert

        from subsidy_app.ledger.models import LedgerTransaction

        with pytest.raises(DatabaseError):
            row = dict(
                seq=10**9,
                transaction_id=10**9,
                posted_at=ledger.utcnow(),
                kind="adjustment",
                fiscal_year=2030,
                program_code="TRAVEL",
                claim_id=None,
                account="available",
                payee="",
                debit=Decimal("5.00"),
                credit=Decimal("0"),
                tax_exempt=False,
                clause="",
                reference="",
                prev_hash="0" * 64,
                hash="a" * 64,
            )
            db.session.execute(
                insert(LedgerEntry),
                [
                    row,
                    {
                        **row,
                        "seq": 10**9 + 1,
                        "account": "appropriation",
                        "debit": Decimal("0"),
                        "credit": Decimal("4.00"),
                        "hash": "b" * 64,
                    },
                ],
            )
            db.session.execute(
                insert(LedgerTransaction).values(
                    id=10**9,
                    kind="adjustment",
                    posted_at=ledger.utcnow(),
                    line_count=2,
                    total=Decimal("5.00"),
                )
            )
            db.session.commit()
        db.session.rollback()


def test_post_refuses_unbalanced_lines(app_ctx):
    with pytest.raises(ledger.UnbalancedTransaction):
        ledger.post(
            TransactionKind.ADJUSTMENT,
            [ledger.dr("available", "10.00"), ledger.cr("appropriation", "9.99")],
            fiscal_year=2030,
            program_code="TRAVEL",
        )
    with pytest.raises(ledger.UnbalancedTransaction):
        ledger.post(
            TransactionKind.ADJUSTMENT,
            [ledger.dr("available", "10.00")],
            fiscal_year=2030,
            program_code="TRAVEL",
        )


def test_ledger_filters_and_csv(world, ready_claim):
    claim_id, _ = paid_claim(world, ready_claim)
    assert all(e["claim_id"] == claim_id for e in _entries(world.auditor, claim_id=claim_id))
    assert all(e["account"] == "bank" for e in _entries(world.auditor, account="bank"))
    response = world.auditor.get("/ledger?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = response.get_data(as_text=True).strip().splitlines()
    assert (
        rows[0].startswith("seq,transaction_id,posted_at")
        and len(rows) - 1 == world.auditor.get("/ledger").json["total"]
    )
    assert_error(world.auditor.get("/ledger?from=not-a-date"), 422, "from")


@pytest.mark.parametrize(
    "role, status", [("auditor", 200), ("finance", 200), ("admin", 200), ("hr", 403), ("employer", 403)]
)
def test_who_reads_the_ledger(api_as, role, status):
    api = api_as(role)
    assert api.get("/ledger").status_code == status
    assert api.get("/ledger/verify").status_code == status


def _post_adjustments(app, count):
    with app.app_context():
        for n in range(count):
            ledger.post(
                TransactionKind.ADJUSTMENT,
                [ledger.dr("available", f"{n + 1}.00"), ledger.cr("appropriation", f"{n + 1}.00")],
                fiscal_year=2030,
                program_code="TRAVEL",
            )
        db.session.commit()
        return db.session.execute(select(LedgerEntry.seq).order_by(LedgerEntry.seq)).scalars().all()


def test_a_long_chain_verified_in_two_halves_still_finds_the_break(isolated_app, monkeypatch):
    """On PostgreSQL a chain of PARALLEL_FROM lines or more is verified by two processes at
    once; the halves must join, and a break in either is still found where it is."""
    monkeypatch.setattr(ledger, "PARALLEL_FROM", 1)
    seqs = _post_adjustments(isolated_app, 20)
    with isolated_app.app_context():
        result = ledger.verify_chain()
        assert result.ok and result.entries == len(seqs)
        assert (
            result.head_hash
            == db.session.execute(select(LedgerEntry.hash).where(LedgerEntry.seq == seqs[-1])).scalar_one()
        )
    for target in (seqs[len(seqs) // 2], seqs[-3]):
        _tamper(isolated_app, f"UPDATE ledger_entries SET reference = 'forged' WHERE seq = {target}")
        with isolated_app.app_context():
            result = ledger.verify_chain()
            assert not result.ok and result.first_bad_entry == min(target, seqs[len(seqs) // 2])


@pytest.mark.parametrize(
    "statement, reported",
    [
        ("DELETE FROM ledger_entries WHERE seq = {first}", "after"),
        ("UPDATE ledger_entries SET prev_hash = '{forged}' WHERE seq = {first}", "first"),
    ],
)
def test_a_break_where_the_two_halves_meet_is_found(isolated_app, monkeypatch, statement, reported):
    """The first line of the second half must link to the last line of the first."""
    monkeypatch.setattr(ledger, "PARALLEL_FROM", 1)
    seqs = _post_adjustments(isolated_app, 20)
    first = (1 + seqs[-1] + 1) // 2  # where verification splits the chain (seq 1 to the head)
    _tamper(isolated_app, statement.format(first=first, forged="f" * 64))
    with isolated_app.app_context():
        result = ledger.verify_chain()
    assert not result.ok
    assert result.first_bad_entry == (first if reported == "first" else first + 1)


def test_lines_posted_after_the_head_was_read_are_left_for_the_next_run(isolated_app, monkeypatch):
    """A posting that lands while verification runs is not mistaken for a break."""
    seqs = _post_adjustments(isolated_app, 2)
    with isolated_app.app_context():
        head_then = ledger.read_head()
    assert head_then[0] == seqs[-1]
    _post_adjustments(isolated_app, 1)
    monkeypatch.setattr(ledger, "read_head", lambda: head_then)
    with isolated_app.app_context():
        result = ledger.verify_chain()
    assert result.ok and result.entries == len(seqs) and result.head_hash == head_then[1]
