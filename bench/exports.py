"""Benchmarks of the exports: time and peak memory per format, on PostgreSQL and SQLite.

    .venv/bin/python -m bench.exports [--db postgresql|sqlite|both] [--entries 100000]

Builds a ledger of ``--entries`` lines that look like payments (Chinese clause, payee,
reference, tax-exempt mark), then exports it once per format, each in a process of its own
so that its peak memory is its own: the ledger to CSV, to Excel and to PDF (all of it, and
the first 100 pages alone), and the budget and quarterly reports to PDF (xhtml2pdf).
Results are printed and written to bench/results/exports-<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench.run import RESULTS, fresh_database, log, make_app

#: Lines per page of the ledger PDF (two text lines per entry), to cut 100 pages.
ENTRIES_PER_PAGE = 34


def grow_payments(app, entries: int) -> None:
    """Payment-like transactions of four lines, as the payment of a claim books them."""
    from subsidy_app.extensions import db
    from subsidy_app.ledger import operations as ledger
    from subsidy_app.ledger.models import TransactionKind

    with app.app_context():
        have, number = 0, 0
        while have < entries:
            postings = []
            for _ in range(min(10000, (entries - have + 3) // 4)):
                number += 1
                amount = Decimal("8234.56") + number % 100
                common = dict(
                    payee=f"talent:SX{number:08d}X",
                    tax_exempt=True,
                    clause="(六) (二十)",
                    reference=f"SXPAY-{number // 100}-{number % 100}",
                )
                postings.append(
                    ledger.Posting(
                        TransactionKind.PAYMENT,
                        [
                            ledger.dr("expended", amount, **common),
                            ledger.cr("committed", amount, **common),
                            ledger.dr("subsidy_expense", amount, **common),
                            ledger.cr("bank", amount, **common),
                        ],
                        2026,
                        "TRAVEL",
                        None,
                        "bench",
                    )
                )
            ledger.post_many(postings)
            db.session.commit()
            have += 4 * len(postings)


def export_one(url: str, instance: str, what: str, output: str) -> dict:
    """Run in a child process: one export, timed, with this process's memory before and after."""
    app = make_app(url, Path(instance))
    from sqlalchemy import select

    from subsidy_app.extensions import db
    from subsidy_app.ledger import exports
    from subsidy_app.ledger.models import LedgerEntry
    from subsidy_app.reports import operations, pdf

    with app.app_context():
        db.session.execute(select(LedgerEntry.seq).limit(1)).all()  # connect before measuring
        stmt = select(LedgerEntry).order_by(LedgerEntry.seq)
        baseline = _current_rss_kb()
        started = time.perf_counter()
        pages = None
        if what == "ledger_csv":
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for chunk in exports.csv_stream(stmt):
                    handle.write(chunk)
        elif what == "ledger_xlsx":
            exports.write_xlsx_file(stmt, output, subtitle="bench")
        elif what == "ledger_pdf":
            exports.write_pdf_file(stmt, output, subtitle="bench")
        elif what == "ledger_pdf_100_pages":
            exports.write_pdf_file(stmt.limit(100 * ENTRIES_PER_PAGE), output, subtitle="bench")
        elif what == "budget_pdf":
            with app.test_request_context():
                Path(output).write_bytes(pdf.budget_pdf(operations.compile_budget_report(2026)))
        elif what == "quarterly_pdf":
            with app.test_request_context():
                quarter = operations.Quarter.of(__import__("datetime").date.today())
                Path(output).write_bytes(pdf.quarterly_pdf(operations.compile_quarterly_report(quarter)))
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if output.endswith(".pdf"):
        from pypdf import PdfReader

        pages = len(PdfReader(output).pages)
    return {
        "seconds": round(seconds, 2),
        "rss_before_mb": round(baseline / 1024),
        "peak_rss_mb": round(peak / 1024),
        "file_mb": round(os.path.getsize(output) / 1e6, 1),
        "pages": pages,
    }


def _current_rss_kb() -> int:
    """This process's resident memory now (the peak, ru_maxrss, is kept separately)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


FORMATS = [
    ("ledger_csv", "csv"),
    ("ledger_xlsx", "xlsx"),
    ("ledger_pdf_100_pages", "pdf"),
    ("ledger_pdf", "pdf"),
    ("budget_pdf", "pdf"),
    ("quarterly_pdf", "pdf"),
]


def run(kind: str, entries: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-exports-{kind}-"))
    instance = workdir / "instance"
    instance.mkdir()
    url = fresh_database(kind, "subsidy_bench_exports", workdir)
    app = make_app(url, instance)
    from flask_migrate import upgrade

    from subsidy_app.extensions import db
    from subsidy_app.programs import operations as programs

    with app.app_context():
        upgrade()
        programs.load_plan()
        db.session.commit()
    log(f"{kind}: building a ledger of {entries} entries")
    grow_payments(app, entries)
    with app.app_context():
        db.engine.dispose()
    report: dict = {"db": kind, "entries": entries, "machine": f"{os.cpu_count()} cores"}
    for what, suffix in FORMATS:
        log(f"{kind}: {what}")
        output = workdir / f"{what}.{suffix}"
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.exports",
                "--one",
                what,
                "--url",
                url,
                "--instance",
                str(instance),
                "--output",
                str(output),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        report[what] = json.loads(child.stdout.strip().splitlines()[-1])
    if kind == "postgresql":
        import psycopg

        from bench.run import PG_ADMIN

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "subsidy_bench_exports" WITH (FORCE)')
    shutil.rmtree(workdir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(export_one(args.url, args.instance, args.one, args.output)))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    for kind in ["postgresql", "sqlite"] if args.db == "both" else [args.db]:
        report = run(kind, args.entries)
        (RESULTS / f"exports-{kind}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2), flush=True)


if __name__ == "__main__":
    main()
