"""Posting balanced transactions to the hash chain, reading balances, verifying the chain.

Each line's hash is SHA-256 over its canonical text, which ends with the previous line's
hash. The canonical text is built in Python when posting and by the database (in SQL,
per dialect) when verifying, so verification streams one string per line and hashes it;
a test checks that both give the same text.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select, text, update

from ..core.money import to_money
from ..core.permissions import require
from ..core.timeutil import utcnow
from ..extensions import db
from .models import LedgerEntry, LedgerHead, LedgerTransaction, TransactionKind

GENESIS = "0" * 64
ZERO = Decimal("0.00")


class UnbalancedTransaction(ValueError):
    pass


@dataclass
class Line:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    payee: str = ""
    tax_exempt: bool = False
    clause: str = ""
    reference: str = ""


def dr(account: str, amount, **kw) -> Line:
    return Line(str(account), debit=to_money(amount), **kw)


def cr(account: str, amount, **kw) -> Line:
    return Line(str(account), credit=to_money(amount), **kw)


def _clean(value: str) -> str:
    """Fields of the canonical text never contain its separator."""
    return (value or "").replace("|", "/")


def stamp_of(posted_at: datetime) -> str:
    return posted_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical_text(seq, transaction_id, stamp, kind, fiscal_year, program_code, claim_id, account,
                   payee, debit, credit, tax_exempt, clause, reference, prev_hash) -> str:
    """The text a line's hash is taken over (``_CANONICAL_SQL`` builds the same in SQL)."""
    return "|".join((str(seq), str(transaction_id), stamp, kind, str(fiscal_year), program_code,
                     "" if claim_id is None else str(claim_id), account, payee, f"{debit:.2f}",
                     f"{credit:.2f}", "1" if tax_exempt else "0", clause, reference, prev_hash))


def canonical(*, seq: int, transaction_id: int, posted_at: datetime, kind: str, fiscal_year: int,
              program_code: str, claim_id: int | None, account: str, payee: str, debit: Decimal,
              credit: Decimal, tax_exempt: bool, clause: str, reference: str, prev_hash: str) -> str:
    return canonical_text(seq, transaction_id, stamp_of(posted_at), kind, fiscal_year, program_code,
                          claim_id, account, payee, debit, credit, tax_exempt, clause, reference,
                          prev_hash)


def digest(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def _check_balanced(lines: list[Line]) -> Decimal:
    if len(lines) < 2:
        raise UnbalancedTransaction("a transaction has at least two lines")
    for line in lines:
        if (line.debit > 0) == (line.credit > 0) or line.debit < 0 or line.credit < 0:
            raise UnbalancedTransaction(f"a line is a positive debit or a positive credit: {line}")
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:
        raise UnbalancedTransaction(f"debits {debits} != credits {credits}")
    return debits


def _lock_head() -> tuple[int, str, int]:
    """Take the head row (a row lock until commit): postings are serialised and chained."""
    row = db.session.execute(
        update(LedgerHead).where(LedgerHead.id == 1).values(last_seq=LedgerHead.last_seq)
        .returning(LedgerHead.last_seq, LedgerHead.last_hash, LedgerHead.last_transaction_id)
    ).one_or_none()
    if row is None:
        db.session.execute(insert(LedgerHead).values(id=1, last_seq=0, last_hash=GENESIS,
                                                     last_transaction_id=0))
        return 0, GENESIS, 0
    return row.last_seq, row.last_hash, row.last_transaction_id


@dataclass
class Posting:
    """One transaction to post: its kind, lines and what it belongs to."""

    kind: TransactionKind
    lines: list[Line]
    fiscal_year: int
    program_code: str
    claim_id: int | None = None
    memo: str | None = None
    batch_id: int | None = None
    reverses_id: int | None = None


def post_many(postings: list[Posting], *, actor=None) -> list[int]:
    """Post transactions in order, under one lock of the chain's head. Lines first, then the
    headers (the database checks each transaction's lines balance when its header arrives).
    Returns the transactions' ids."""
    totals = [_check_balanced(p.lines) for p in postings]
    seq, prev_hash, transaction_id = _lock_head()
    posted_at = utcnow()
    stamp = stamp_of(posted_at)
    sha256 = hashlib.sha256
    lines_out, headers, ids = [], [], []
    for posting, total in zip(postings, totals):
        transaction_id += 1
        ids.append(transaction_id)
        kind = posting.kind.value
        for line in posting.lines:
            seq += 1
            account, payee, clause = _clean(line.account), _clean(line.payee), _clean(line.clause)
            reference = _clean(line.reference)[:80]
            text_ = canonical_text(seq, transaction_id, stamp, kind, posting.fiscal_year,
                                   posting.program_code, posting.claim_id, account, payee,
                                   line.debit, line.credit, line.tax_exempt, clause, reference,
                                   prev_hash)
            hash_ = sha256(text_.encode("utf-8")).hexdigest()
            lines_out.append(dict(seq=seq, transaction_id=transaction_id, posted_at=posted_at,
                                  kind=kind, fiscal_year=posting.fiscal_year,
                                  program_code=posting.program_code, claim_id=posting.claim_id,
                                  account=account, payee=payee, debit=line.debit, credit=line.credit,
                                  tax_exempt=line.tax_exempt, clause=clause, reference=reference,
                                  prev_hash=prev_hash, hash=hash_))
            prev_hash = hash_
        headers.append(dict(id=transaction_id, kind=kind, posted_at=posted_at, memo=posting.memo,
                            claim_id=posting.claim_id, batch_id=posting.batch_id,
                            created_by_id=getattr(actor, "id", None),
                            line_count=len(posting.lines), total=total,
                            reverses_id=posting.reverses_id))
    for start in range(0, len(lines_out), 20000):
        db.session.execute(insert(LedgerEntry), lines_out[start:start + 20000])
    for start in range(0, len(headers), 20000):
        db.session.execute(insert(LedgerTransaction), headers[start:start + 20000])
    db.session.execute(update(LedgerHead).where(LedgerHead.id == 1).values(
        last_seq=seq, last_hash=prev_hash, last_transaction_id=transaction_id))
    return ids


def post(kind: TransactionKind, lines: list[Line], *, fiscal_year: int, program_code: str,
         claim_id: int | None = None, memo: str | None = None, actor=None,
         batch_id: int | None = None, reverses_id: int | None = None) -> LedgerTransaction:
    """Post one balanced transaction."""
    [transaction_id] = post_many([Posting(kind, lines, fiscal_year, program_code, claim_id, memo,
                                          batch_id, reverses_id)], actor=actor)
    return db.session.get(LedgerTransaction, transaction_id)


def reverse(transaction: LedgerTransaction, kind: TransactionKind, *, memo: str, actor=None,
            reference: str = "") -> LedgerTransaction:
    """A new transaction with every line of ``transaction`` on the other side."""
    original = db.session.execute(select(LedgerEntry).where(
        LedgerEntry.transaction_id == transaction.id).order_by(LedgerEntry.seq)).scalars().all()
    lines = [Line(e.account, debit=e.credit, credit=e.debit, payee=e.payee,
                  tax_exempt=e.tax_exempt, clause=e.clause, reference=reference or e.reference)
             for e in original]
    first = original[0]
    return post(kind, lines, fiscal_year=first.fiscal_year, program_code=first.program_code,
                claim_id=first.claim_id, memo=memo, actor=actor, batch_id=transaction.batch_id,
                reverses_id=transaction.id)


# --- reading -------------------------------------------------------------------------------

def balance(account: str, *, fiscal_year: int | None = None, program_code: str | None = None,
            payee: str | None = None) -> Decimal:
    """Debits minus credits of an account (optionally for one year, program or payee)."""
    stmt = select(func.coalesce(func.sum(LedgerEntry.debit), 0) - func.coalesce(func.sum(LedgerEntry.credit), 0)
                  ).where(LedgerEntry.account == account)
    if fiscal_year is not None:
        stmt = stmt.where(LedgerEntry.fiscal_year == fiscal_year)
    if program_code is not None:
        stmt = stmt.where(LedgerEntry.program_code == program_code)
    if payee is not None:
        stmt = stmt.where(LedgerEntry.payee == payee)
    return to_money(str(db.session.execute(stmt).scalar_one()))


def budget_balances(fiscal_year: int | None = None) -> dict[tuple[int, str], dict[str, Decimal]]:
    """Per (year, program): appropriation (credit side), available, committed, expended."""
    stmt = (select(LedgerEntry.fiscal_year, LedgerEntry.program_code, LedgerEntry.account,
                   func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))
            .where(LedgerEntry.account.in_(["appropriation", "available", "committed", "expended"]))
            .group_by(LedgerEntry.fiscal_year, LedgerEntry.program_code, LedgerEntry.account))
    if fiscal_year is not None:
        stmt = stmt.where(LedgerEntry.fiscal_year == fiscal_year)
    result: dict = {}
    for year, program, account, debit, credit in db.session.execute(stmt):
        net = to_money(str(debit or 0)) - to_money(str(credit or 0))
        result.setdefault((year, program), {})[account] = -net if account == "appropriation" else net
    return result


def entries(actor, *, date_from=None, date_to=None, claim_id: int | None = None,
            program_code: str | None = None, fiscal_year: int | None = None,
            account: str | None = None):
    require(actor, "ledger.read")
    stmt = select(LedgerEntry).order_by(LedgerEntry.seq)
    if date_from is not None:
        stmt = stmt.where(LedgerEntry.posted_at >= date_from)
    if date_to is not None:
        stmt = stmt.where(LedgerEntry.posted_at < date_to)
    if claim_id is not None:
        stmt = stmt.where(LedgerEntry.claim_id == claim_id)
    if program_code:
        stmt = stmt.where(LedgerEntry.program_code == program_code)
    if fiscal_year is not None:
        stmt = stmt.where(LedgerEntry.fiscal_year == fiscal_year)
    if account:
        stmt = stmt.where(LedgerEntry.account == account)
    return stmt


def transactions_of_claim(claim_id: int, kind: TransactionKind | None = None) -> list[LedgerTransaction]:
    stmt = select(LedgerTransaction).where(LedgerTransaction.claim_id == claim_id).order_by(
        LedgerTransaction.id)
    if kind is not None:
        stmt = stmt.where(LedgerTransaction.kind == kind)
    return list(db.session.execute(stmt).scalars())


# --- verification ---------------------------------------------------------------------------

_CANONICAL_SQL = {
    "postgresql": (
        "seq::text || '|' || transaction_id::text || '|' || "
        "to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '|' || kind "
        "|| '|' || fiscal_year::text || '|' || program_code || '|' || coalesce(claim_id::text, '') "
        "|| '|' || account || '|' || payee || '|' || debit::text || '|' || credit::text || '|' || "
        "(CASE WHEN tax_exempt THEN '1' ELSE '0' END) || '|' || clause || '|' || reference || '|' "
        "|| prev_hash"),
    "sqlite": (
        "seq || '|' || transaction_id || '|' || replace(posted_at, ' ', 'T') || '|' || kind || '|' "
        "|| fiscal_year || '|' || program_code || '|' || coalesce(claim_id, '') || '|' || account "
        "|| '|' || payee || '|' || printf('%.2f', debit) || '|' || printf('%.2f', credit) || '|' || "
        "(CASE WHEN tax_exempt THEN '1' ELSE '0' END) || '|' || clause || '|' || reference || '|' "
        "|| prev_hash"),
}


def canonical_sql(dialect: str) -> str:
    return _CANONICAL_SQL[dialect]


def _stream_postgresql(connection, query: str):
    """Rows of (seq, canonical, hash) through COPY: the fastest way out of PostgreSQL."""
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
        pending = b""
        for block in copy:
            data = pending + bytes(block)
            lines = data.split(b"\n")
            pending = lines.pop()
            for line in lines:
                seq, canon, hash_ = line.split(b"\t")
                yield int(seq), canon, hash_.decode()
        if pending:
            seq, canon, hash_ = pending.split(b"\t")
            yield int(seq), canon, hash_.decode()


def _stream_sqlite(connection, query: str):
    cursor = connection.connection.driver_connection.execute(query)
    while rows := cursor.fetchmany(10000):
        for seq, canon, hash_ in rows:
            yield seq, canon.encode("utf-8"), hash_


@dataclass
class Verification:
    ok: bool
    entries: int
    first_bad_entry: int | None
    head_hash: str
    transactions_balanced: bool = True
    problems: list[str] = field(default_factory=list)


def verify_chain() -> Verification:
    """Recompute every line's hash in order and check each links to the one before.

    The first line whose text or link does not match is reported (``first_bad_entry``).
    A chain shorter than its recorded head is also a failure (lines removed at the end).
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    query = (f"SELECT seq, {canonical_sql(dialect)}, hash FROM ledger_entries ORDER BY seq")
    stream = _stream_postgresql if dialect == "postgresql" else _stream_sqlite
    sha256 = hashlib.sha256
    expected_prev = GENESIS.encode()
    count, first_bad = 0, None
    last_hash = GENESIS
    for seq, canon, stored in stream(connection, query):
        count += 1
        if canon[-64:] != expected_prev or sha256(canon).hexdigest() != stored:
            first_bad = seq
            break
        expected_prev = stored.encode()
        last_hash = stored
    problems = []
    head = db.session.get(LedgerHead, 1)
    if first_bad is None and head is not None and head.last_hash != last_hash:
        problems.append("the chain ends before its recorded head: lines are missing")
        first_bad = head.last_seq
    unbalanced = db.session.execute(text(
        "SELECT transaction_id FROM ledger_entries GROUP BY transaction_id "
        "HAVING round(sum(debit) - sum(credit), 2) <> 0 LIMIT 1")).first()
    if unbalanced is not None:
        problems.append(f"transaction {unbalanced[0]} does not balance")
    total = count if first_bad is None else db.session.execute(
        select(func.count(LedgerEntry.seq))).scalar_one()
    return Verification(ok=first_bad is None and unbalanced is None, entries=total,
                        first_bad_entry=first_bad, head_hash=last_hash if first_bad is None else "",
                        transactions_balanced=unbalanced is None, problems=problems)


def verify(actor) -> Verification:
    require(actor, "ledger.verify")
    return verify_chain()

