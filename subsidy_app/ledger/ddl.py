"""Database rules of the ledger, for migrations (kept stable: old migrations call them).

* lines may only be added to a transaction that is not yet closed (its header absent);
* a header is accepted only if its lines are all there and balance (debits = credits).
Together with the deferred foreign key from lines to header, a transaction is whole and
balanced at commit, whatever the application does.
"""

from __future__ import annotations

PG = [
    """CREATE OR REPLACE FUNCTION ledger_refuse_late_line() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_transactions WHERE id = NEW.transaction_id) THEN
        RAISE EXCEPTION 'ledger transaction % is closed: no line can be added', NEW.transaction_id;
    END IF;
    RETURN NEW;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_ledger_entries_closed BEFORE INSERT ON ledger_entries
       FOR EACH ROW EXECUTE FUNCTION ledger_refuse_late_line()""",
    """CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger AS $$
DECLARE n integer; d numeric; c numeric;
BEGIN
    SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0) INTO n, d, c
      FROM ledger_entries WHERE transaction_id = NEW.id;
    IF n <> NEW.line_count OR d <> c OR d <> NEW.total THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (% lines, debits %, credits %)',
            NEW.id, n, d, c;
    END IF;
    RETURN NEW;
END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER trg_ledger_transactions_balanced AFTER INSERT ON ledger_transactions
       FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()""",
]

SQLITE = [
    """CREATE TRIGGER trg_ledger_entries_closed BEFORE INSERT ON ledger_entries
       WHEN EXISTS (SELECT 1 FROM ledger_transactions WHERE id = NEW.transaction_id)
       BEGIN SELECT RAISE(ABORT, 'ledger transaction is closed: no line can be added'); END""",
    """CREATE TRIGGER trg_ledger_transactions_balanced AFTER INSERT ON ledger_transactions
       WHEN (SELECT count(*) FROM ledger_entries WHERE transaction_id = NEW.id) <> NEW.line_count
         OR (SELECT round(sum(debit) - sum(credit), 2) FROM ledger_entries
             WHERE transaction_id = NEW.id) <> 0
         OR (SELECT round(sum(debit) - NEW.total, 2) FROM ledger_entries
             WHERE transaction_id = NEW.id) <> 0
       BEGIN SELECT RAISE(ABORT, 'ledger transaction does not balance'); END""",
]


def create(op) -> None:
    dialect = op.get_bind().dialect.name
    for statement in PG if dialect == "postgresql" else SQLITE:
        op.execute(statement)


def drop(op) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_ledger_entries_closed ON ledger_entries")
        op.execute("DROP TRIGGER IF EXISTS trg_ledger_transactions_balanced ON ledger_transactions")
        op.execute("DROP FUNCTION IF EXISTS ledger_refuse_late_line()")
        op.execute("DROP FUNCTION IF EXISTS ledger_check_balanced()")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_ledger_entries_closed")
        op.execute("DROP TRIGGER IF EXISTS trg_ledger_transactions_balanced")
