"""The ledger as a file: every entry with its hash, clause and tax-exempt mark."""
from __future__ import annotations

import csv
import io

from ..extensions import db

COLUMNS = ["seq", "transaction_id", "posted_at", "kind", "fiscal_year", "program_code", "claim_id",
           "account", "payee", "debit", "credit", "amount", "tax_exempt", "clause", "reference",
           "prev_hash", "hash"]


def row_of(entry) -> list:
    return [entry.seq, entry.transaction_id, entry.posted_at.isoformat(), entry.kind,
            entry.fiscal_year, entry.program_code, "" if entry.claim_id is None else entry.claim_id,
            entry.account, entry.payee, f"{entry.debit:.2f}", f"{entry.credit:.2f}",
            f"{entry.amount:.2f}", "true" if entry.tax_exempt else "false", entry.clause,
            entry.reference, entry.prev_hash, entry.hash]


def csv_stream(stmt, batch: int = 5000):
    """CSV text, produced while reading: the whole ledger is never in memory at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for number, entry in enumerate(db.session.execute(stmt.execution_options(yield_per=batch))
                                   .scalars(), start=1):
        writer.writerow(row_of(entry))
        if number % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
