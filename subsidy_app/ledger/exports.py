"""The ledger as a file: every entry with its hash, clause and tax-exempt mark, in CSV,
Excel and PDF, from one column list (core/tabular.py). Rows are read in batches and written
as they come; totals are summed on the way, so every format carries the same figures."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import literal_column

from ..core import labels
from ..core.tabular import (
    Column,
    PdfAppendix,
    Sheet,
    SignOff,
    csv_chunks,
    people_language,
    write_pdf_listing,
    write_xlsx,
)
from ..core.timeutil import LOCAL_TZ, to_local
from ..extensions import db
from .models import LedgerEntry

COLUMNS = [
    Column("seq", "序号", "Seq", "int", 9),
    Column("transaction_id", "凭证号", "Transaction", "int", 10),
    Column("posted_at", "记账时间", "Posted at", "text", 19),
    Column("kind", "业务类型", "Kind", "text", 16),
    Column("fiscal_year", "年度", "Year", "int", 7),
    Column("program_code", "项目", "Program", "text", 18),
    Column("claim_id", "申请号", "Claim", "int", 8),
    Column("account", "科目", "Account", "text", 15),
    Column("payee", "收款方", "Payee", "text", 20),
    Column("debit", "借方", "Debit", "money", 14),
    Column("credit", "贷方", "Credit", "money", 14),
    Column("amount", "金额", "Amount", "money", 14),
    Column("tax_exempt", "免税", "Tax-exempt", "bool", 11),
    Column("clause", "政策条款", "Clause", "text", 22),
    Column("reference", "参考号", "Reference", "text", 18),
    Column("prev_hash", "前一哈希", "Previous hash", "text", 66),
    Column("hash", "哈希", "Hash (SHA-256)", "text", 66),
]
#: The PDF listing: one line an entry, kind and account in words, the hash shortened to its
#: first SHORT_HASH hex digits (the full hashes: the PDF's appendix, the CSV and Excel).
SHORT_HASH = 12
PDF_COLUMNS = [c for c in COLUMNS if c.key not in ("prev_hash", "hash", "transaction_id", "amount")] + [
    Column("hash_short", "哈希(前12位)", "Hash (first 12)", "text", 17)
]


@dataclass
class Totals:
    """What the export sums while writing: per account and overall."""

    entries: int = 0
    debit: Decimal = Decimal("0.00")
    credit: Decimal = Decimal("0.00")
    by_account: dict[str, list[Decimal]] = field(default_factory=dict)

    def add(self, row: dict) -> None:
        self.entries += 1
        self.debit += row["debit"]
        self.credit += row["credit"]
        account = self.by_account.setdefault(row["account"], [Decimal("0.00"), Decimal("0.00")])
        account[0] += row["debit"]
        account[1] += row["credit"]

    def as_row(self) -> dict:
        return {"seq": self.entries, "debit": self.debit, "credit": self.credit}

    def as_dict(self) -> dict:
        return {
            "entries": self.entries,
            "debit": self.debit,
            "credit": self.credit,
            "by_account": {
                name: {"debit": d, "credit": c, "net": d - c}
                for name, (d, c) in sorted(self.by_account.items())
            },
        }


def rows(
    stmt, *, local_times: bool, totals: Totals | None = None, batch: int = 5000, progress=None
) -> Iterator[dict]:
    """The entries of ``stmt`` (a select of LedgerEntry) as dicts, read in batches;
    ``progress(n)`` is told every 500 entries (a job reports it)."""
    table = LedgerEntry.__table__
    columns = stmt.with_only_columns(*table.c)
    result = db.session.execute(columns.execution_options(yield_per=batch)).mappings()
    for entry in result:
        row = dict(entry)
        row["amount"] = row["debit"] if row["debit"] > 0 else row["credit"]
        moment = row["posted_at"]
        row["posted_at"] = (
            to_local(moment).strftime("%Y-%m-%d %H:%M:%S")
            if local_times
            else moment.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        )
        if totals is not None:
            totals.add(row)
            if progress is not None and totals.entries % 500 == 0:
                progress(totals.entries)
        yield row


#: How each database writes the CSV's text columns itself (the same text the Python side
#: would: UTC times in ISO 8601 with microseconds and offset, amounts with two decimals), so
#: that the CSV is written from plain strings, without a Python object per value.
_CSV_SQL = {
    "postgresql": {
        "posted_at": "to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00'",
        "claim_id": "coalesce(claim_id::text, '')",
        "debit": "debit::text",
        "credit": "credit::text",
        "amount": "greatest(debit, credit)::text",
        "tax_exempt": "CASE WHEN tax_exempt THEN 'true' ELSE 'false' END",
    },
    "sqlite": {
        "posted_at": "replace(posted_at, ' ', 'T') || '+00:00'",
        "claim_id": "coalesce(claim_id, '')",
        "debit": "printf('%.2f', debit)",
        "credit": "printf('%.2f', credit)",
        "amount": "printf('%.2f', max(debit, credit))",
        "tax_exempt": "CASE WHEN tax_exempt THEN 'true' ELSE 'false' END",
    },
}


#: What the CSV for people writes in words instead of the codes.
PEOPLE_WORDS = {
    "kind": lambda v: labels.label(labels.TRANSACTION_KIND, v),
    "account": lambda v: labels.label(labels.ACCOUNT, v),
    "program_code": labels.program_name,
    "payee": labels.payee_name,
}


def named(entries: Iterator[dict], size: int = 1000) -> Iterator[dict]:
    """The entries as they come, their payees' names looked up ``size`` entries at a time
    (one statement a batch, not one a payee): ``labels.payee_name`` then finds them."""
    batch: list[dict] = []
    for row in entries:
        batch.append(row)
        if len(batch) >= size:
            labels.payee_names(r["payee"] for r in batch)
            yield from batch
            batch = []
    labels.payee_names(r["payee"] for r in batch)
    yield from batch


def people_csv_stream(stmt, lang: str, batch: int = 5000, progress=None) -> Iterator[str]:
    """The CSV for people: a byte-order mark, headers in ``lang``, Beijing times, accounts,
    kinds, programs and payees by name, 是/否 for the tax-exempt mark."""
    totals = Totals() if progress is not None else None
    return csv_chunks(
        COLUMNS,
        named(rows(stmt, local_times=True, totals=totals, batch=batch, progress=progress)),
        every=batch,
        lang=lang,
        words=PEOPLE_WORDS,
    )


def csv_stream(stmt, batch: int = 5000, progress=None, *, lang: str | None = None) -> Iterator[str]:
    """CSV text produced while reading, ``batch`` rows at a time (times in UTC);
    ``progress(n)`` is told after each batch. This is the machine CSV (English column names,
    no byte-order mark) unless ``lang`` asks for the CSV for people."""

    language = people_language(lang)
    if language:
        yield from people_csv_stream(stmt, language, batch=batch, progress=progress)
        return
    dialect = db.session.get_bind().dialect.name
    sql = _CSV_SQL[dialect]
    query = stmt.with_only_columns(
        *(literal_column(sql.get(c.key, c.key)).label(c.key) for c in COLUMNS)
    ).select_from(LedgerEntry.__table__)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.key for c in COLUMNS])
    result = db.session.execute(query.execution_options(yield_per=batch))
    written = 0
    for partition in result.partitions():
        writer.writerows(partition)
        written += len(partition)
        if progress is not None:
            progress(written)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_xlsx_file(stmt, target, *, subtitle: str, progress=None) -> Totals:
    totals = Totals()
    summary: list[dict] = []
    words = _InWords()

    def summary_rows():
        for name, (debit, credit) in sorted(totals.by_account.items()):
            account = " ".join(dict.fromkeys(words.accounts(name)))
            summary.append({"account": account, "debit": debit, "credit": credit, "net": debit - credit})
            yield summary[-1]

    write_xlsx(
        target,
        [
            Sheet(
                "分类账 Ledger",
                COLUMNS,
                words(rows(stmt, local_times=True, totals=totals, progress=progress)),
                preamble=("山西省引进外国人才专项资金分类账 Ledger of the foreign-talent fund", subtitle),
                totals=totals.as_row,
            ),
            Sheet(
                "科目合计 Totals",
                SUMMARY_COLUMNS,
                summary_rows(),
                preamble=("按科目合计 Totals by account", subtitle),
                totals=lambda: {
                    "debit": totals.debit,
                    "credit": totals.credit,
                    "net": totals.debit - totals.credit,
                },
            ),
        ],
    )
    return totals


SUMMARY_COLUMNS = [
    Column("account", "科目", "Account", "text", 20),
    Column("debit", "借方合计", "Debit", "money", 18),
    Column("credit", "贷方合计", "Credit", "money", 18),
    Column("net", "余额(借-贷)", "Net (debit − credit)", "money", 20),
]


def write_pdf_file(stmt, target, *, subtitle: str, progress=None, by=None) -> Totals:
    """The listing one line an entry, the hash as its first 12 hex digits; after the totals
    by account, the last entry's hash in full, then an appendix of every entry's full hash
    (and the previous hash wherever the listing does not show the entry before), and the
    sign-off block (``by``: the user who makes it; None: the system)."""
    totals = Totals()
    chain = bytearray()  # seq, hash, prev_hash of each entry: 72 bytes, not 3 Python objects
    words = _InWords()
    accounts = words.accounts

    def listed():
        for row in words(rows(stmt, local_times=True, totals=totals, progress=progress)):
            chain.extend(row["seq"].to_bytes(8, "big"))
            chain.extend(bytes.fromhex(row["hash"]))
            chain.extend(bytes.fromhex(row["prev_hash"]))
            row["hash_short"] = f"{row['hash'][:SHORT_HASH]}…"
            yield row

    def last() -> tuple[int, str] | None:
        if not chain:
            return None
        return int.from_bytes(chain[-72:-64], "big"), chain[-64:-32].hex()

    def summary() -> list[str]:
        end = last()
        lines = [
            "按科目合计见上 Totals by account above. "
            f"哈希栏为前 {SHORT_HASH} 位 The hash column shows the first {SHORT_HASH} hex digits of each "
            "entry's SHA-256 hash; the full hashes are in the appendix and in the CSV / Excel export.",
        ]
        if end is not None:
            lines.append(f"末条 Last entry listed: 序号 seq {end[0]}  哈希 hash {end[1]}")
        lines.append(
            "可用审计数据包中的 verify_chain.py 离线校验整条哈希链 "
            "The whole chain can be verified offline with verify_chain.py from the audit bundle."
        )
        return lines

    def chain_lines() -> Iterator[str]:
        previous = None
        for at in range(0, len(chain), 72):
            seq = int.from_bytes(chain[at : at + 8], "big")
            digest, prev = chain[at + 8 : at + 40], chain[at + 40 : at + 72]
            if prev != previous:  # the entry before is not listed: its hash, as this one names it
                yield f"{'prev':>7}  {prev.hex()}"
            yield f"{seq:>7}  {digest.hex()}"
            previous = digest

    write_pdf_listing(
        target,
        title="山西省引进外国人才专项资金分类账 Ledger of the foreign-talent fund",
        subtitle=subtitle,
        columns=PDF_COLUMNS,
        rows=listed(),
        totals=lambda: (
            [(f"合计 Total · {totals.entries}", totals.as_row())]
            + [
                (" ".join(dict.fromkeys(accounts(name))), {"debit": d, "credit": c})
                for name, (d, c) in sorted(totals.by_account.items())
            ]
        ),
        summary=summary,
        appendix=PdfAppendix(
            title="附录 哈希链 Appendix: the hash chain (序号 seq → SHA-256 哈希 hash)",
            notes=lambda: [
                "每条分录的完整哈希，按序号排列；“prev” 行为其下一条分录所记的前一哈希（该前一条未列入本清单时）。",
                "Every entry's full hash by sequence number; a “prev” line gives the previous hash the next "
                "entry records, where the entry before it is not in this listing.",
            ],
            lines=chain_lines,
        ),
        signoff=SignOff.of(by),
    )
    return totals


class _InWords:
    """The entries of a file for people (PDF, Excel): kind, account, program and payee in
    Chinese words (the column heads are in both languages; the machine CSV keeps the codes).
    Payees are named a batch at a time."""

    def __init__(self):
        self.kinds = _word_labels(labels.TRANSACTION_KIND)
        self.accounts = _word_labels(labels.ACCOUNT)
        self._programs: dict[str, str] = {}

    def program(self, code) -> str:
        if code and code not in self._programs:
            with force_locale("zh"):
                self._programs[code] = labels.program_name(code)
        return self._programs.get(code, "") if code else ""

    def __call__(self, entries: Iterator[dict]) -> Iterator[dict]:
        for row in named(entries):
            row["kind"] = self.kinds(row["kind"])[0]
            row["account"] = self.accounts(row["account"])[0]
            row["program_code"] = self.program(row["program_code"])
            row["payee"] = labels.payee_name(row["payee"])
            yield row


def _word_labels(table: dict):
    """value → (Chinese name, English name) of core/labels.py, looked up once a value."""
    cache: dict[str, tuple[str, str]] = {}

    def words(value) -> tuple[str, str]:
        if value not in cache:
            if value not in table:
                cache[value] = (str(value), str(value))
            else:
                with force_locale("zh"):
                    zh = str(table[value])
                with force_locale("en"):
                    en = str(table[value])
                cache[value] = (zh, en)
        return cache[value]

    return words


def export_to_temporary(stmt, fmt: str, *, subtitle: str, by=None) -> Path:
    """Write the Excel or PDF export to a temporary file and return its path (``by``: the
    user making it, named in the PDF's sign-off)."""
    handle = tempfile.NamedTemporaryFile(prefix="ledger-", suffix=f".{fmt}", delete=False)
    handle.close()
    path = Path(handle.name)
    try:
        if fmt == "xlsx":
            write_xlsx_file(stmt, str(path), subtitle=subtitle)
        else:
            write_pdf_file(stmt, str(path), subtitle=subtitle, by=by)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def period_subtitle(date_from, date_to, generated) -> str:
    start = date_from.isoformat() if date_from else "…"
    end = date_to.isoformat() if date_to else "…"
    return f"期间 Period {start} – {end}（北京时间 Beijing time）· 生成 Generated {generated:%Y-%m-%d %H:%M}"


def write_file(
    stmt, fmt: str, target: Path, *, subtitle: str, progress=None, by=None, lang: str | None = None
) -> None:
    """The export in ``fmt`` (csv, xlsx, pdf) written to ``target`` (a CSV for people when
    ``lang`` is given)."""
    if fmt == "csv":
        with open(target, "w", encoding="utf-8", newline="") as handle:
            for text in csv_stream(stmt, progress=progress, lang=lang):
                handle.write(text)
        return
    if fmt == "xlsx":
        write_xlsx_file(stmt, str(target), subtitle=subtitle, progress=progress)
    else:
        write_pdf_file(stmt, str(target), subtitle=subtitle, progress=progress, by=by)


def local_range(date_from, date_to):
    """Beijing dates, inclusive, as the instants that bound them."""
    start = datetime.combine(date_from, time(), LOCAL_TZ) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time(), LOCAL_TZ) if date_to else None
    return start, end
