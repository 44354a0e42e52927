"""Posting balanced transactions to the hash chain, reading balances, verifying the chain.

Each line's hash is SHA-256 over its canonical text, which ends with the previous line's
hash. The canonical text is built in Python when posting and by the database (in SQL,
per dialect) when verifying, so verification streams one string per line and hashes it;
a test checks that both give the same text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Table, func, insert, select, text, update

from ..core import bulkio
from ..core.money import to_money
from ..core.permissions import Actor, require
from ..core.timeutil import utcnow
from ..extensions import db
from .models import LedgerEntry, LedgerHead, LedgerTransaction, TransactionKind

GENESIS = "0" * 64
#: The tables themselves (Core inserts of many rows at once).
ENTRIES: Table = LedgerEntry.__table__  # type: ignore[assignment]
TRANSACTIONS: Table = LedgerTransaction.__table__  # type: ignore[assignment]
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
    #: The claim this line is about, when it differs from the transaction's (a bulk
    #: reservation books one line per claim against one line for the total).
    claim_id: int | None = None


def dr(account: str, amount, **kw) -> Line:
    return Line(str(account), debit=to_money(amount), **kw)


def cr(account: str, amount, **kw) -> Line:
    return Line(str(account), credit=to_money(amount), **kw)


_UNSAFE = str.maketrans({"|": "/", "\\": "/", "\t": " ", "\n": " ", "\r": " "})


def _clean(value: str) -> str:
    """Fields of the canonical text never hold its separator, nor what COPY would escape."""
    return (value or "").translate(_UNSAFE)


def stamp_of(posted_at: datetime) -> str:
    return posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical_text(
    seq,
    transaction_id,
    stamp,
    kind,
    fiscal_year,
    program_code,
    claim_id,
    account,
    payee,
    debit,
    credit,
    tax_exempt,
    clause,
    reference,
    prev_hash,
) -> str:
    """The text a line's hash is taken over (``_CANONICAL_SQL`` builds the same in SQL)."""
    return "|".join(
        (
            str(seq),
            str(transaction_id),
            stamp,
            kind,
            str(fiscal_year),
            program_code,
            "" if claim_id is None else str(claim_id),
            account,
            payee,
            f"{debit:.2f}",
            f"{credit:.2f}",
            "1" if tax_exempt else "0",
            clause,
            reference,
            prev_hash,
        )
    )


def canonical(
    *,
    seq: int,
    transaction_id: int,
    posted_at: datetime,
    kind: str,
    fiscal_year: int,
    program_code: str,
    claim_id: int | None,
    account: str,
    payee: str,
    debit: Decimal,
    credit: Decimal,
    tax_exempt: bool,
    clause: str,
    reference: str,
    prev_hash: str,
) -> str:
    return canonical_text(
        seq,
        transaction_id,
        stamp_of(posted_at),
        kind,
        fiscal_year,
        program_code,
        claim_id,
        account,
        payee,
        debit,
        credit,
        tax_exempt,
        clause,
        reference,
        prev_hash,
    )


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
        update(LedgerHead)
        .where(LedgerHead.id == 1)
        .values(last_seq=LedgerHead.last_seq)
        .returning(LedgerHead.last_seq, LedgerHead.last_hash, LedgerHead.last_transaction_id)
    ).one_or_none()
    if row is None:
        db.session.execute(
            insert(LedgerHead).values(id=1, last_seq=0, last_hash=GENESIS, last_transaction_id=0)
        )
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


def post_many(postings: list[Posting], *, actor: Actor | None = None) -> list[int]:
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
            claim_id = line.claim_id if line.claim_id is not None else posting.claim_id
            text_ = canonical_text(
                seq,
                transaction_id,
                stamp,
                kind,
                posting.fiscal_year,
                posting.program_code,
                claim_id,
                account,
                payee,
                line.debit,
                line.credit,
                line.tax_exempt,
                clause,
                reference,
                prev_hash,
            )
            hash_ = sha256(text_.encode("utf-8")).hexdigest()
            lines_out.append(
                dict(
                    seq=seq,
                    transaction_id=transaction_id,
                    posted_at=posted_at,
                    kind=kind,
                    fiscal_year=posting.fiscal_year,
                    program_code=posting.program_code,
                    claim_id=claim_id,
                    account=account,
                    payee=payee,
                    debit=line.debit,
                    credit=line.credit,
                    tax_exempt=line.tax_exempt,
                    clause=clause,
                    reference=reference,
                    prev_hash=prev_hash,
                    hash=hash_,
                )
            )
            prev_hash = hash_
        headers.append(
            dict(
                id=transaction_id,
                kind=kind,
                posted_at=posted_at,
                memo=posting.memo,
                claim_id=posting.claim_id,
                batch_id=posting.batch_id,
                created_by_id=getattr(actor, "id", None),
                line_count=len(posting.lines),
                total=total,
                reverses_id=posting.reverses_id,
            )
        )
    if len(lines_out) <= 10:  # the common case: plain INSERTs
        db.session.execute(insert(ENTRIES), lines_out)
        db.session.execute(insert(TRANSACTIONS), headers)
    else:
        bulkio.insert_rows(ENTRIES, lines_out)
        bulkio.insert_rows(TRANSACTIONS, headers)
    db.session.execute(
        update(LedgerHead)
        .where(LedgerHead.id == 1)
        .values(last_seq=seq, last_hash=prev_hash, last_transaction_id=transaction_id)
    )
    return ids


def post(
    kind: TransactionKind,
    lines: list[Line],
    *,
    fiscal_year: int,
    program_code: str,
    claim_id: int | None = None,
    memo: str | None = None,
    actor: Actor | None = None,
    batch_id: int | None = None,
    reverses_id: int | None = None,
) -> int:
    """Post one balanced transaction; returns its id."""
    [transaction_id] = post_many(
        [Posting(kind, lines, fiscal_year, program_code, claim_id, memo, batch_id, reverses_id)], actor=actor
    )
    return transaction_id


def reversal_lines(
    transaction: LedgerTransaction, *, except_accounts=frozenset(), reference: str = ""
) -> list[Line]:
    """Every line of ``transaction`` on the other side (less those of ``except_accounts``,
    which the caller books itself — the budget accounts, which only ``budgets`` moves)."""
    original = (
        db.session.execute(
            select(LedgerEntry).where(LedgerEntry.transaction_id == transaction.id).order_by(LedgerEntry.seq)
        )
        .scalars()
        .all()
    )
    return [
        Line(
            e.account,
            debit=e.credit,
            credit=e.debit,
            payee=e.payee,
            tax_exempt=e.tax_exempt,
            clause=e.clause,
            reference=reference or e.reference,
        )
        for e in original
        if e.account not in except_accounts
    ]


def reverse(
    transaction: LedgerTransaction,
    kind: TransactionKind,
    *,
    memo: str,
    actor: Actor | None = None,
    reference: str = "",
    lines: list[Line] | None = None,
) -> int:
    """A new transaction with every line of ``transaction`` on the other side; with
    ``lines``, those lines instead (a reversal whose budget lines the caller took from
    ``budgets``)."""
    first = db.session.execute(
        select(LedgerEntry)
        .where(LedgerEntry.transaction_id == transaction.id)
        .order_by(LedgerEntry.seq)
        .limit(1)
    ).scalar_one()
    if lines is None:
        lines = reversal_lines(transaction, reference=reference)
    return post(
        kind,
        lines,
        fiscal_year=first.fiscal_year,
        program_code=first.program_code,
        claim_id=first.claim_id,
        memo=memo,
        actor=actor,
        batch_id=transaction.batch_id,
        reverses_id=transaction.id,
    )


# --- reading -------------------------------------------------------------------------------


def balance(
    account: str, *, fiscal_year: int | None = None, program_code: str | None = None, payee: str | None = None
) -> Decimal:
    """Debits minus credits of an account (optionally for one year, program or payee)."""
    stmt = select(
        func.coalesce(func.sum(LedgerEntry.debit), 0) - func.coalesce(func.sum(LedgerEntry.credit), 0)
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
    stmt = (
        select(
            LedgerEntry.fiscal_year,
            LedgerEntry.program_code,
            LedgerEntry.account,
            func.sum(LedgerEntry.debit),
            func.sum(LedgerEntry.credit),
        )
        .where(LedgerEntry.account.in_(["appropriation", "available", "committed", "expended"]))
        .group_by(LedgerEntry.fiscal_year, LedgerEntry.program_code, LedgerEntry.account)
    )
    if fiscal_year is not None:
        stmt = stmt.where(LedgerEntry.fiscal_year == fiscal_year)
    result: dict = {}
    for year, program, account, debit, credit in db.session.execute(stmt):
        net = to_money(str(debit or 0)) - to_money(str(credit or 0))
        result.setdefault((year, program), {})[account] = -net if account == "appropriation" else net
    return result


def entries(
    actor: Actor,
    *,
    date_from=None,
    date_to=None,
    claim_id: int | None = None,
    program_code: str | None = None,
    fiscal_year: int | None = None,
    account: str | None = None,
):
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


# --- verification ---------------------------------------------------------------------------

#: The fields of the canonical text, in order, as PostgreSQL's COPY writes them: COPY's text
#: output separates fields by a tab, so a line becomes the canonical text with one
#: bytes.replace(b"\t", b"|"), in C. (Fields never hold "|", a tab, a backslash or a
#: line break: see _clean.)
_COPY_COLUMNS = (
    "seq, transaction_id, to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
    "kind, fiscal_year, program_code, coalesce(claim_id::text, ''), account, payee, debit, credit, "
    "CASE WHEN tax_exempt THEN '1' ELSE '0' END, clause, reference, prev_hash, hash"
)

_CANONICAL_SQL = {
    "postgresql": (
        "seq::text || '|' || transaction_id::text || '|' || "
        "to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '|' || kind "
        "|| '|' || fiscal_year::text || '|' || program_code || '|' || coalesce(claim_id::text, '') "
        "|| '|' || account || '|' || payee || '|' || debit::text || '|' || credit::text || '|' || "
        "(CASE WHEN tax_exempt THEN '1' ELSE '0' END) || '|' || clause || '|' || reference || '|' "
        "|| prev_hash"
    ),
    "sqlite": (
        "seq || '|' || transaction_id || '|' || replace(posted_at, ' ', 'T') || '|' || kind || '|' "
        "|| fiscal_year || '|' || program_code || '|' || coalesce(claim_id, '') || '|' || account "
        "|| '|' || payee || '|' || printf('%.2f', debit) || '|' || printf('%.2f', credit) || '|' || "
        "(CASE WHEN tax_exempt THEN '1' ELSE '0' END) || '|' || clause || '|' || reference || '|' "
        "|| prev_hash"
    ),
}

#: Above this many lines, PostgreSQL verification runs in parallel over ranges of the chain.
PARALLEL_FROM = 200_000


def canonical_sql(dialect: str) -> str:
    return _CANONICAL_SQL[dialect]


@dataclass
class Segment:
    """The verification of one range of the chain: how it starts, how it ends, where it
    first breaks (within the range)."""

    first_prev: bytes | None = None
    first_seq: int | None = None
    last_hash: bytes | None = None
    count: int = 0
    first_bad: int | None = None


def _check_lines(lines, segment: Segment, expected_prev: bytes | None) -> bytes | None:
    """Check COPY lines (canonical fields, then the hash) in order. Returns the last hash."""
    sha256 = hashlib.sha256
    for line in lines:
        body, stored = line[:-65], line[-64:]
        canon = body.replace(b"\t", b"|")
        prev = canon[-64:]
        if segment.first_prev is None:
            segment.first_prev = prev
            segment.first_seq = int(line[: line.index(b"\t")])
        elif prev != expected_prev:
            segment.first_bad = int(line[: line.index(b"\t")])
            return expected_prev
        if sha256(canon).hexdigest().encode() != stored:
            segment.first_bad = int(line[: line.index(b"\t")])
            return expected_prev
        expected_prev = stored
        segment.count += 1
    return expected_prev


def verify_range(raw_connection, low: int | None = None, high: int | None = None) -> Segment:
    """Verify the lines with low <= seq < high through COPY (PostgreSQL)."""
    where = []
    if low is not None:
        where.append(f"seq >= {int(low)}")
    if high is not None:
        where.append(f"seq < {int(high)}")
    query = (
        f"SELECT {_COPY_COLUMNS} FROM ledger_entries"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY seq"
    )
    segment, last, pending = Segment(), None, b""
    with raw_connection.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
        for block in copy:
            if segment.first_bad is not None:
                continue  # drain: the connection is busy until COPY has sent everything
            lines = (pending + bytes(block)).split(b"\n")
            pending = lines.pop()
            last = _check_lines(lines, segment, last)
        if pending and segment.first_bad is None:
            last = _check_lines([pending], segment, last)
    segment.last_hash = last
    return segment


def _verify_range_in_process(url: str, low: int, high: int) -> Segment:
    import psycopg  # noqa: PLC0415 (only the parallel verification of a long chain needs these)

    with psycopg.connect(url) as connection:
        return verify_range(connection, low, high)


def _segments_postgresql(connection, low: int, high: int, count: int) -> list[Segment]:
    """One segment, or for a long chain two halves verified at once by two processes (the
    lines are append-only, so the halves need no common snapshot)."""
    if count < PARALLEL_FROM:
        return [verify_range(connection.connection.driver_connection, low, high)]
    import multiprocessing  # noqa: PLC0415 (only the parallel verification of a long chain needs these)
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 (only the parallel verification of a long chain needs these)

    middle = (low + high) // 2
    url = connection.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        halves = [
            pool.submit(_verify_range_in_process, url, low, middle),
            pool.submit(_verify_range_in_process, url, middle, high),
        ]
        return [half.result() for half in halves]


def _segments_sqlite(connection, high: int) -> list[Segment]:
    cursor = connection.connection.driver_connection.execute(
        f"SELECT seq, {canonical_sql('sqlite')}, hash FROM ledger_entries WHERE seq < ? ORDER BY seq", (high,)
    )
    segment, expected_prev, sha256 = Segment(), None, hashlib.sha256
    while rows := cursor.fetchmany(10000):
        for seq, canon, stored in rows:
            canon = canon.encode("utf-8")
            prev = canon[-64:]
            if segment.first_prev is None:
                segment.first_prev, segment.first_seq = prev, seq
            elif prev != expected_prev:
                segment.first_bad = seq
                break
            if sha256(canon).hexdigest() != stored:
                segment.first_bad = seq
                break
            expected_prev = stored.encode()
            segment.count += 1
        if segment.first_bad is not None:
            break
    segment.last_hash = expected_prev
    return [segment]


@dataclass
class Verification:
    ok: bool
    entries: int
    first_bad_entry: int | None
    head_hash: str
    transactions_balanced: bool = True
    #: Whether every budget line agrees with the ledger (checked by the callers that ask).
    budgets_match: bool = True
    problems: list[str] = field(default_factory=list)


def verify_chain() -> Verification:
    """Recompute every line's hash in order and check each links to the one before.

    The chain is verified up to the head as read first, so lines posted meanwhile are
    left for the next run rather than mistaken for a break. The first line whose text or
    link does not match is reported (``first_bad_entry``); a chain that ends before its
    recorded head is also a failure (lines removed at the end).
    """
    connection = db.session.connection()
    head_seq, head_hash = read_head()
    high = head_seq + 1
    total = db.session.execute(select(func.count(LedgerEntry.seq)).where(LedgerEntry.seq < high)).scalar_one()
    if connection.dialect.name == "postgresql":
        segments = _segments_postgresql(connection, 1, high, total)
    else:
        segments = _segments_sqlite(connection, high)
    first_bad, last_hash = _join(segments)
    problems = []
    if first_bad is None and head_hash != last_hash:
        problems.append("the chain ends before its recorded head: lines are missing")
        first_bad = head_seq
    unbalanced = db.session.execute(
        text(
            "SELECT transaction_id FROM ledger_entries GROUP BY transaction_id "
            "HAVING round(sum(debit) - sum(credit), 2) <> 0 LIMIT 1"
        )
    ).first()
    if unbalanced is not None:
        problems.append(f"transaction {unbalanced[0]} does not balance")
    return Verification(
        ok=first_bad is None and unbalanced is None,
        entries=total,
        first_bad_entry=first_bad,
        head_hash=last_hash if first_bad is None else "",
        transactions_balanced=unbalanced is None,
        problems=problems,
    )


def read_head() -> tuple[int, str]:
    """The last line's seq and hash as recorded at posting (0 and the genesis hash when the
    ledger is empty)."""
    head = db.session.get(LedgerHead, 1)
    return (head.last_seq, head.last_hash) if head is not None else (0, GENESIS)


def _join(segments: list[Segment]) -> tuple[int | None, str]:
    """Chain the segments: each must start from the hash the one before ended on."""
    expected_prev = GENESIS.encode()
    for segment in segments:
        if segment.first_prev is None:
            continue  # an empty range
        if segment.first_prev != expected_prev:
            return segment.first_seq, ""  # it does not link to the segment before
        if segment.first_bad is not None:
            return segment.first_bad, ""
        if segment.last_hash is not None:
            expected_prev = segment.last_hash
    return None, expected_prev.decode()


def verify(actor: Actor) -> Verification:
    require(actor, "ledger.verify")
    return verify_chain()
