"""Queues and lists at a department's volume (issue 15), through the HTTP server.

    .venv/bin/python -m bench.queues [--claims 100000] [--entries 100000] [--requests 60]

PostgreSQL only. A fresh database ``subsidy_bench_queues`` (dropped at the end): the plan,
``--claims`` claims spread over the statuses and stages a department has (a third awaiting
HR, a quarter awaiting finance, the rest drafts, paid, rejected...), 200 applicant
organisations of which 3 are red-listed, deadlines over three months, amounts of several
sizes, one talent in 50 with a Chinese name (``chinese_name``: 张三, 张三芳...); and ``--entries``
ledger entries (bench/exports.py ``grow_payments``). Then gunicorn
as ``make run`` starts it (2 workers x 4 threads, bench/jobs.py ``serve``), an HR and a
finance user logged in through the HTML login form, and ``--requests`` sequential requests
of each page measured (p50/p95, after 3 warm-up requests).

SQL statements per page are counted in-process (the same application, the Flask test client
logged in as the same user, a SQLAlchemy ``before_cursor_execute`` listener): the number of
statements a page runs does not depend on the server, and gunicorn's workers cannot be
listened to from here.

Results are printed and written to bench/results/queues.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench.jobs import _databases as jobs_databases
from bench.jobs import app_env, cleanup, html_login, load, serve, stop
from bench.run import PASSWORD, RESULTS, fresh_database, log, make_app

DB = "subsidy_bench_queues"

#: (name, path, who): the pages measured.
PAGES = (
    ("HR queue, first page (awaiting HR)", "/claims/", "hr"),
    ("HR queue, all statuses, page 2,000", "/claims/?show=all&page=2000", "hr"),
    ("HR queue, search by talent name", "/claims/?show=all&q=Bench+Talent+4711", "hr"),
    # two characters, under the three a trigram needs: the names are read, once
    ("HR queue, search by a 2-character Chinese name", "/claims/?show=all&q=%E5%BC%A0%E4%B8%89", "hr"),
    ("HR queue, all statuses, sort by amount (desc)", "/claims/?show=all&sort=amount&direction=desc", "hr"),
    ("HR queue, 100 a page", "/claims/?per_page=100", "hr"),
    ("finance queue, first page (awaiting finance)", "/claims/", "finance"),
    ("API GET /api/v1/claims?awaiting=hr (20)", "/api/v1/claims?awaiting=hr", "hr"),
    ("API GET /api/v1/claims, page 2,000", "/api/v1/claims?page=2000", "hr"),
    ("ledger browser, first page", "/ledger/", "finance"),
    ("ledger browser, page 1,000", "/ledger/?page=1000", "finance"),
)

#: Chinese names for one talent in 50 (the rest are "Bench Talent N"): 20 surnames x 50 given
#: names, two characters (张三) then three (张三芳), so that a search of two Chinese characters
#: finds a few talents among 100,000 names.
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "三四伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲飞鹏辉建国云龙海波宁东晨雪琳斌浩宇凯峰"


def chinese_name(k: int) -> str:
    """The k-th Chinese name (k < 2000), all different."""
    j = k % 1000
    name = SURNAMES[j // 50] + GIVEN[j % 50]
    return name if k < 1000 else name + GIVEN[(j * 7 + 3) % 50]


#: (status, stage, share of the claims)
MIX = (
    ("draft", "drafting", 0.10),
    ("submitted", "hr_review", 0.30),
    ("returned", "applicant_response", 0.05),
    ("hr_approved", "finance_review", 0.20),
    ("finance_approved", "payment", 0.05),
    ("paid", "closed", 0.20),
    ("rejected", "closed", 0.05),
    ("appealed", "appeal_review", 0.03),
    ("withdrawn", "closed", 0.02),
)


def prepare(claims: int, entries: int, workdir: Path, kind: str = "postgresql") -> str:
    from sqlalchemy import bindparam, insert, select, update

    from bench.exports import grow_payments
    from bench.run import prepare as prepare_money
    from subsidy_app.claims.models import Claim
    from subsidy_app.credit.models import CreditListing
    from subsidy_app.extensions import db
    from subsidy_app.organizations import credit_code
    from subsidy_app.organizations.models import City, Organization
    from subsidy_app.talents import identity
    from subsidy_app.talents.models import Talent
    from subsidy_app.users import operations as users

    url = fresh_database(kind, DB, workdir)
    if kind == "postgresql":
        jobs_databases.add(DB)
    app = make_app(url, workdir / "instance")
    prepare_money(app, claims=claims, http_claims=0)
    rng = random.Random(15)
    with app.app_context():
        users.create_user(None, username="bench-hr", password=PASSWORD, role="hr")
        city = db.session.execute(select(City.id)).scalars().first()
        orgs = [
            dict(
                kind="employer",
                name=f"基准用人单位 {n:03d} Bench Employer {n}",
                credit_code=credit_code.complete(f"91140100{800000000 + n:09d}"),
                city_id=city,
            )
            for n in range(200)
        ]
        db.session.execute(insert(Organization), orgs)
        org_ids = list(db.session.execute(select(Organization.id).order_by(Organization.id)).scalars())
        for red in org_ids[-3:]:
            db.session.add(
                CreditListing(
                    subject_kind="organization",
                    organization_id=red,
                    list="red",
                    reason="诚信典型 (bench)",
                    listed_on=date(2026, 1, 1),
                )
            )
        ids = list(db.session.execute(select(Claim.id).order_by(Claim.id)).scalars())
        rng.shuffle(ids)
        today = date.today()
        start = 0
        for status, stage, share in MIX:
            chunk = ids[start : start + int(share * len(ids))]
            start += len(chunk)
            for i in range(0, len(chunk), 5000):
                part = chunk[i : i + 5000]
                rows = [
                    dict(
                        b_id=cid,
                        status=status,
                        stage=stage,
                        stage_deadline=None
                        if stage == "closed"
                        else today + timedelta(days=rng.randint(-20, 90)),
                        organization_id=rng.choice(org_ids),
                        amount_approved=Decimal(
                            rng.choice(("20000.00", "50000.00", "100000.00", "300000.00"))
                        )
                        + rng.randint(0, 999),
                    )
                    for cid in part
                ]
                db.session.connection().execute(
                    update(Claim.__table__).where(Claim.__table__.c.id == bindparam("b_id")),
                    rows,
                )
        talent_ids = list(db.session.execute(select(Talent.id).order_by(Talent.id)).scalars())
        renamed = [
            dict(b_id=tid, name=chinese_name(k), name_key=identity.normalize_name(chinese_name(k)))
            for k, tid in enumerate(talent_ids[49::50][:2000])
        ]
        db.session.connection().execute(
            update(Talent.__table__).where(Talent.__table__.c.id == bindparam("b_id")), renamed
        )
        db.session.commit()
    grow_payments(app, entries)
    with app.app_context():
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        counts = dict(db.session.execute(db.text("SELECT stage, count(*) FROM claims GROUP BY stage")).all())
        ledger = db.session.execute(db.text("SELECT count(*) FROM ledger_entries")).scalar_one()
        db.engine.dispose()
    log(f"claims by stage: {counts}; ledger entries: {ledger}")
    return url


def count_statements(url: str, workdir: Path) -> dict:
    """Statements each page runs, in-process (same application, test client, same users)."""
    from sqlalchemy import event

    from subsidy_app.extensions import db

    app = make_app(url, workdir / "instance")
    app.config["WTF_CSRF_ENABLED"] = False
    counts = {}
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    clients = {}
    for who in ("hr", "finance"):
        client = app.test_client()
        if True:
            answer = client.post(
                "/login",
                data={"username": f"bench-{who}", "password": PASSWORD},
                headers={"Accept-Language": "en"},
            )
            assert answer.status_code in (302, 303), answer.status_code
        clients[who] = client
    api_tokens = {}
    for who in ("hr", "finance"):
        answer = clients[who].post(
            "/api/v1/auth/token", json={"username": f"bench-{who}", "password": PASSWORD}
        )
        api_tokens[who] = answer.get_json()["token"]
    for name, path, who in PAGES:
        headers = {"Accept-Language": "en"}
        if path.startswith("/api/"):
            headers["Authorization"] = f"Bearer {api_tokens[who]}"
        clients[who].get(path, headers=headers)  # warm (programs, caches)
        per_size = {}
        for size in (20, 100):
            sized = (
                path + ("&" if "?" in path else "?") + f"per_page={size}" if "per_page" not in path else path
            )
            seen.clear()
            answer = clients[who].get(sized, headers=headers)
            assert answer.status_code == 200, (sized, answer.status_code)
            per_size[size] = len(seen)
        counts[name] = per_size
    event.remove(engine, "before_cursor_execute", listener)
    with app.app_context():
        db.engine.dispose()
    return counts


def measure(url: str, workdir: Path, requests_per_page: int) -> dict:
    env = app_env(url, workdir, celery=False)
    server, port = serve(env, workdir)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        sessions = {who: html_login(base, f"bench-{who}") for who in ("hr", "finance")}
        for who, session in sessions.items():
            token = session.post(
                f"{base}/api/v1/auth/token", json={"username": f"bench-{who}", "password": PASSWORD}
            ).json()["token"]
            session.api_headers = {"Authorization": f"Bearer {token}"}  # type: ignore[attr-defined]
        for name, path, who in PAGES:
            session = sessions[who]
            headers = session.api_headers if path.startswith("/api/") else {}  # type: ignore[attr-defined]
            times = []
            for n in range(requests_per_page + 3):
                t0 = time.perf_counter()
                answer = session.get(base + path, headers=headers)
                elapsed = (time.perf_counter() - t0) * 1000
                assert answer.status_code == 200, (path, answer.status_code)
                if n >= 3:
                    times.append(elapsed)
            times.sort()
            results[name] = {
                "path": path,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
                "bytes": len(answer.content),
            }
            log(f"{name}: p50 {results[name]['p50_ms']} ms, p95 {results[name]['p95_ms']} ms")
    finally:
        stop(server)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN the queries)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-queues-"))
    (workdir / "instance").mkdir()
    try:
        load_before = load()
        log(f"building {args.claims} claims and {args.entries} ledger entries (load {load_before})")
        url = prepare(args.claims, args.entries, workdir)
        load_start = load()
        timings = measure(url, workdir, args.requests)
        load_end = load()
        statements = count_statements(url, workdir)
        for name, counted in statements.items():
            timings[name]["statements_20"] = counted[20]
            timings[name]["statements_100"] = counted[100]
        report = {
            "claims": args.claims,
            "ledger_entries": args.entries,
            "requests_per_page": args.requests,
            "load_at_start": load_start,
            "load_at_end": load_end,
            "pages": timings,
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "queues.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    finally:
        if args.keep:
            jobs_databases.discard(DB)
        cleanup()


if __name__ == "__main__":
    main()
