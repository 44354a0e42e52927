"""Benchmarks of the money path, on PostgreSQL and SQLite, in one run.

    .venv/bin/python -m bench.run [--db postgresql|sqlite|both] [--claims 100000]
                                  [--ledger 1000000] [--seconds 20]

1. Finance approvals through the HTTP API (gunicorn, as `make run` serves it) with 8
   concurrent clients, beside pgbench's TPC-B-like TPS with 8 clients on the same
   PostgreSQL server, in the same run.
2. Bulk: ``--claims`` HR-approved claims finance-approved in one action, then put into
   payment batches of 10,000.
3. Ledger verification of ``--ledger`` entries, beside the raw hashlib.sha256 rate over the
   same canonical bytes.

Results are printed and written to bench/results/<db>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import queue
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password-123"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- databases --------------------------------------------------------------------------------


def fresh_database(kind: str, name: str, workdir: Path) -> str:
    if kind == "sqlite":
        path = workdir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def make_app(url: str, instance: Path):
    os.environ["SUBSIDY_INSTANCE_PATH"] = str(instance)
    from subsidy_app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 10},
        }
    )


def prepare(app, *, claims: int, http_claims: int) -> dict:
    """Schema, plan, people, budgets, and claims already approved by HR (inserted directly:
    the setup is not what is measured)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from subsidy_app.budgets import operations as budgets
    from subsidy_app.claims.models import Claim, ClaimStatus, Stage
    from subsidy_app.extensions import db
    from subsidy_app.organizations import credit_code
    from subsidy_app.organizations import operations as organizations
    from subsidy_app.programs import operations as programs
    from subsidy_app.projects.models import RecruitmentProject
    from subsidy_app.talents import identity
    from subsidy_app.talents.models import Talent, TalentPassport
    from subsidy_app.users import operations as users

    with app.app_context():
        upgrade()
        programs.load_plan()
        org = organizations.create_organization(
            None,
            kind="employer",
            name="基准测试用人单位",
            credit_code=credit_code.complete("91140100900000001"),
            city="太原市",
            bank_name="中国工商银行太原分行",
            bank_account_no="0502000000000001",
        )
        employer = users.create_user(
            None, username="bench-employer", password=PASSWORD, role="employer", organization_id=org.id
        )
        finance = users.create_user(None, username="bench-finance", password=PASSWORD, role="finance")
        users.create_user(None, username="bench-finance2", password=PASSWORD, role="finance")
        year = budgets.current_fiscal_year()
        for program in ("RECRUIT_REGULAR", "RECRUIT_KEY"):
            budgets.allocate(
                finance, fiscal_year=year, program_code=program, amount=Decimal("900000000000.00")
            )
        # one claim per talent and project, as recruitments are: each person recruited once
        n_talents, n_projects = claims + http_claims, 2
        talents = [
            dict(
                id=i,
                talent_code=f"SXB{i:08d}",
                name=f"Bench Talent {i}",
                name_key=identity.normalize_name(f"Bench Talent {i}"),
                nationality="DEU",
                birth_date=date(1980, 1, 1),
                degree="master",
                years_experience=5,
                work_permit_no=f"B{i}",
                permit_class="B",
                employer_id=org.id,
                shanxi_start_date=date(2024, 1, 1),
                graduated_in_china=False,
            )
            for i in range(1, n_talents + 1)
        ]
        for start in range(0, len(talents), 20000):
            chunk = talents[start : start + 20000]
            db.session.execute(insert(Talent), chunk)
            db.session.execute(
                insert(TalentPassport),
                [dict(talent_id=t["id"], nationality="DEU", passport_no=f"BP{t['id']}") for t in chunk],
            )
        levels = [("regular", "RECRUIT_REGULAR"), ("key", "RECRUIT_KEY")]
        projects = {}
        for level, _program in levels:
            rows = [dict(name=f"{level} {p}", level=level, year=2024) for p in range(n_projects)]
            db.session.execute(insert(RecruitmentProject), rows)
        for project in db.session.execute(db.select(RecruitmentProject)).scalars():
            projects.setdefault(project.level.value, []).append(project.id)

        def claim_rows(program_code, level, count, amount, offset):
            program = programs.find_program(program_code)
            for n in range(count):
                yield dict(
                    program_id=program.id,
                    status=ClaimStatus.HR_APPROVED,
                    stage=Stage.FINANCE_REVIEW,
                    organization_id=org.id,
                    talent_id=offset + n + 1,
                    filed_by_id=employer.id,
                    amount_approved=amount,
                    details={"project_id": projects[level][0]},
                    eligible=True,
                    eligibility=[],
                    version=1,
                )

        for program_code, level, count, offset in (
            ("RECRUIT_REGULAR", "regular", claims, 0),
            ("RECRUIT_KEY", "key", http_claims, claims),
        ):
            batch = []
            for row in claim_rows(
                program_code,
                level,
                count,
                Decimal("50000.00") if level == "regular" else Decimal("100000.00"),
                offset,
            ):
                batch.append(row)
                if len(batch) == 20000:
                    db.session.execute(insert(Claim), batch)
                    batch = []
            if batch:
                db.session.execute(insert(Claim), batch)
        db.session.commit()
        return {"finance": finance.id}


# --- 1. HTTP throughput and pgbench -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, instance: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SUBSIDY_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
            "subsidy_app:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def http_approvals(url: str, instance: Path, claim_ids: list[int], seconds: float) -> dict:
    port = free_port()
    server = serve(url, instance, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request(
            "POST",
            "/api/v1/auth/token",
            json.dumps({"username": "bench-finance", "password": PASSWORD}),
            {"Content-Type": "application/json"},
        )
        token = json.loads(conn.getresponse().read())["token"]
        work: queue.Queue = queue.Queue()
        for claim_id in claim_ids:
            work.put(claim_id)
        results = {"ok": 0, "failed": 0, "latencies": []}
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def client():
            connection = http.client.HTTPConnection("127.0.0.1", port)
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept-Language": "en",
            }
            while time.monotonic() < stop:
                try:
                    claim_id = work.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                connection.request(
                    "POST",
                    f"/api/v1/claims/{claim_id}/actions",
                    json.dumps({"action": "finance_approve"}),
                    headers,
                )
                response = connection.getresponse()
                response.read()
                with lock:
                    results["latencies"].append(time.perf_counter() - started)
                    results["ok" if response.status == 200 else "failed"] += 1

        threads = [threading.Thread(target=client) for _ in range(8)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        latencies = sorted(results["latencies"])
        return {
            "clients": 8,
            "approved": results["ok"],
            "failed": results["failed"],
            "seconds": round(elapsed, 2),
            "approvals_per_s": round(results["ok"] / elapsed, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
            "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1) if latencies else None,
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def pgbench(seconds: float) -> dict:
    name = "subsidy_pgbench"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["pgbench", *base, "-i", "-s", "10", "-q", name], check=True, capture_output=True)
    run = subprocess.run(
        ["pgbench", *base, "-c", "8", "-j", "2", "-T", str(int(seconds)), "-n", name],
        check=True,
        capture_output=True,
        text=True,
    )
    tps = float(re.search(r"tps = ([0-9.]+)", run.stdout).group(1))
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"clients": 8, "scale": 10, "seconds": seconds, "tps": round(tps, 1)}


# --- 2. bulk approval and batching ------------------------------------------------------------


def bulk(app) -> dict:
    from subsidy_app.claims import bulk as claims_bulk
    from subsidy_app.extensions import db
    from subsidy_app.payments import operations as payments
    from subsidy_app.users import operations as users

    with app.app_context():
        finance = users.find_user("bench-finance")
        started = time.perf_counter()
        result = claims_bulk.bulk_act(
            finance,
            action="finance_approve",
            filters={"status": "hr_approved", "program_code": "RECRUIT_REGULAR"},
        )
        db.session.commit()
        approve_s = time.perf_counter() - started
        approved = result["succeeded"]
        started = time.perf_counter()
        batches = 0
        for start in range(0, len(approved), 10000):
            payments.create_batch(finance, claim_ids=approved[start : start + 10000])
            db.session.commit()
            batches += 1
        batch_s = time.perf_counter() - started
    return {
        "claims": len(approved),
        "failed": len(result["failed"]),
        "approve_s": round(approve_s, 1),
        "batch_s": round(batch_s, 1),
        "batches": batches,
        "total_s": round(approve_s + batch_s, 1),
    }


# --- 3. ledger verification -------------------------------------------------------------------


def grow_ledger(app, entries: int) -> int:
    from sqlalchemy import func, select

    from subsidy_app.extensions import db
    from subsidy_app.ledger import operations as ledger
    from subsidy_app.ledger.models import LedgerEntry, TransactionKind

    with app.app_context():
        have = db.session.execute(select(func.count(LedgerEntry.seq))).scalar_one()
        amount = Decimal("1234.56")
        while have < entries:
            n = min(50000, (entries - have) // 2 + (entries - have) % 2)
            postings = [
                ledger.Posting(
                    TransactionKind.ADJUSTMENT,
                    [ledger.dr("available", amount), ledger.cr("appropriation", amount)],
                    2099,
                    "TRAVEL",
                    None,
                    "bench",
                )
                for _ in range(n)
            ]
            ledger.post_many(postings)
            db.session.commit()
            have += 2 * n
        return have


def verify(app) -> dict:
    from sqlalchemy import text

    from subsidy_app.extensions import db
    from subsidy_app.ledger import operations as ledger

    with app.app_context():
        started = time.perf_counter()
        result = ledger.verify_chain()
        verify_s = time.perf_counter() - started
        connection = db.session.connection()
        sql = ledger.canonical_sql(connection.dialect.name)
        canon = [
            row[0].encode("utf-8")
            for row in db.session.execute(text(f"SELECT {sql} FROM ledger_entries ORDER BY seq"))
        ]
        sha256 = hashlib.sha256
        started = time.perf_counter()
        for item in canon:
            sha256(item).hexdigest()
        raw_s = time.perf_counter() - started
    return {
        "entries": result.entries,
        "ok": result.ok,
        "verify_s": round(verify_s, 2),
        "entries_per_s": round(result.entries / verify_s),
        "raw_hashlib_s": round(raw_s, 2),
        "raw_per_s": round(len(canon) / raw_s),
        "ratio": round(raw_s / verify_s, 2),
    }


# --- the run ------------------------------------------------------------------------------------


def run(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    instance = workdir / "instance"
    instance.mkdir()
    report: dict = {"db": kind, "machine": f"{os.cpu_count()} cores"}
    log(f"{kind}: preparing {args.claims} + {args.http_claims} HR-approved claims")
    url = fresh_database(kind, "subsidy_bench", workdir)
    app = make_app(url, instance)
    prepare(app, claims=args.claims, http_claims=args.http_claims)
    from subsidy_app.claims.models import Claim
    from subsidy_app.extensions import db
    from subsidy_app.programs import operations as programs

    with app.app_context():
        key = programs.find_program("RECRUIT_KEY")
        http_ids = list(
            db.session.execute(
                db.select(Claim.id).where(Claim.program_id == key.id).order_by(Claim.id)
            ).scalars()
        )
        db.engine.dispose()
    log(f"{kind}: HTTP finance approvals, 8 clients, {args.seconds}s")
    report["http"] = http_approvals(url, instance, http_ids, args.seconds)
    log(f"{kind}: pgbench TPC-B-like, 8 clients, {args.seconds}s")
    report["pgbench"] = pgbench(args.seconds)
    report["http"]["ratio_to_pgbench"] = round(
        report["http"]["approvals_per_s"] / report["pgbench"]["tps"], 3
    )
    log(f"{kind}: bulk approval of {args.claims} claims and batches")
    report["bulk"] = bulk(app)
    log(f"{kind}: growing the ledger to {args.ledger} entries")
    grow_ledger(app, args.ledger)
    log(f"{kind}: verifying")
    report["ledger"] = verify(app)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    with app.app_context():
        db.engine.dispose()
    if kind == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "subsidy_bench" WITH (FORCE)')
    shutil.rmtree(workdir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--http-claims", type=int, default=20_000)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    for kind in ["postgresql", "sqlite"] if args.db == "both" else [args.db]:
        report = run(kind, args)
        (RESULTS / f"{kind}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2), flush=True)


if __name__ == "__main__":
    main()
