"""Benchmarks of long work as jobs (issue 14), through the HTTP API, as deployed.

    .venv/bin/python -m bench.jobs [--db postgresql|sqlite|both] [--claims 100000]
                                   [--entries 100000] [--chunk-sizes 1000,2000,5000]

1. Bulk finance approval as ONE job (PostgreSQL, Celery with a Redis broker): ``--claims``
   HR-approved claims (budget enough) approved by ``POST /api/v1/claims/bulk-actions``
   with filters, served by gunicorn (2 workers x 4 threads, as ``make run``) and run by one
   Celery worker process (``subsidy worker --concurrency 1``). Measured end to end (POST to
   finished), the job polled every 0.5 s (largest gap between progress changes), while a
   second client, an HR user logged in through the HTML login form, loads the HR review
   queue again and again: ``/claims/`` (the "Review queue" link) and ``/claims/?status=
   submitted`` in turn, 0.2 s apart (p50/p95 before and during the job; ``--no-hr-client``
   runs the job alone). Checked afterwards: the job's succeeded count, ``GET /ledger/verify``
   ok, and the budget line's committed amount equal to the sum committed on the claims. Once
   per chunk size (``--chunk-sizes``, as ``JOB_CHUNK_SIZE``), each on a fresh copy (``CREATE
   DATABASE … TEMPLATE``) of the same database. The CPU time of the worker, the servers and
   the PostgreSQL backends of the database is recorded too (less sensitive to the machine's
   load than the wall time).
2. The ledger (``--entries`` payment-like entries) exported as PDF and as xlsx through
   ``POST /api/v1/ledger/exports`` as jobs, on PostgreSQL (Celery worker) and SQLite (the
   web server's in-process executor): time, progress seen, file size, and the peak memory
   of the process that ran the job (``/proc/<pid>/status`` of every server and worker
   process sampled every 0.2 s; the process that ran it is the one that used the most CPU).

Every server and worker runs in a process group of its own, stopped at the end (also on
failure); the databases created are dropped. Results are printed and written to
bench/results/jobs-<db>.json.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests

from bench.run import PASSWORD, PG_ADMIN, RESULTS, ROOT, free_port, fresh_database, log, make_app

BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7")
BIN = Path(sys.executable).parent
TEMPLATE_DB = "subsidy_bench_jobs_tpl"
APPROVAL_DB = "subsidy_bench_jobs"
EXPORTS_DB = "subsidy_bench_jobs_exports"
POLL = 0.5
SAMPLE = 0.2
#: Claims in HR review (the HR queue), beside the ones the job approves.
HR_QUEUE_CLAIMS = 2000


# --- processes ----------------------------------------------------------------------------------

_started: list[subprocess.Popen] = []
_databases: set[str] = set()


def start(argv: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    """A server or worker in a process group of its own (so that it and its children are
    stopped together, by its id)."""
    handle = open(log_path, "ab")  # noqa: SIM115 - kept open for the child's life
    process = subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log_handle = handle  # type: ignore[attr-defined]
    _started.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
    # the group's other members (gunicorn workers, celery children) after their leader
    for pid in group_members(process.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.log_handle.close()  # type: ignore[attr-defined]
    if process in _started:
        _started.remove(process)


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _databases.discard(name)


def cleanup() -> None:
    for process in list(_started):
        try:
            stop(process)
        except Exception as exc:  # keep stopping the others
            log(f"could not stop {process.pid}: {exc}")
    for name in list(_databases):
        try:
            drop_database(name)
        except Exception as exc:
            log(f"could not drop {name}: {exc}")


def _on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def group_members(pgid: int) -> list[int]:
    """Every live process of the process group ``pgid``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def app_env(url: str, workdir: Path, *, celery: bool, chunk_size: int | None = None) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SUBSIDY_INSTANCE_PATH": str(workdir / "instance"),
        "SECRET_KEY": "bench",
        "JOB_STORAGE": str(workdir / "job-results"),
    }
    env.pop("CELERY_BROKER_URL", None)
    if celery:
        env["CELERY_BROKER_URL"] = BROKER
    if chunk_size:
        env["JOB_CHUNK_SIZE"] = str(chunk_size)
    return env


def serve(env: dict, workdir: Path) -> tuple[subprocess.Popen, int]:
    """gunicorn as ``make run`` starts it (2 workers x 4 threads; a gunicorn.conf.py at the
    root is read as gunicorn reads it)."""
    port = free_port()
    argv = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--log-level",
        "warning",
        "subsidy_app:create_app()",
    ]
    server = start(argv, env, workdir / "gunicorn.log")
    wait_for_port(port, server)
    # both workers up (each has imported the application)
    deadline = time.monotonic() + 30
    while len(group_members(server.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    return server, port


def celery_worker(env: dict, workdir: Path) -> subprocess.Popen:
    worker = start(
        [str(BIN / "subsidy"), "worker", "--concurrency", "1", "--loglevel", "WARNING"],
        env,
        workdir / "celery.log",
    )
    # ready when its pool child exists and the broker shows it listening
    import redis

    client = redis.Redis.from_url(BROKER)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"celery worker exited with {worker.returncode}")
        if len(group_members(worker.pid)) >= 2 and client.keys("_kombu.binding.*"):
            time.sleep(1.0)  # the consumer starts right after the bindings
            return worker
        time.sleep(0.2)
    raise RuntimeError("celery worker did not start")


def purge_broker() -> None:
    import redis

    redis.Redis.from_url(BROKER).flushdb()


# --- memory and CPU of the processes ------------------------------------------------------------


def _status(pid: int) -> dict:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0])  # kB
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        values["cpu"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        values["cmd"] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    except (OSError, ValueError):
        return {}
    return values if "VmRSS" in values else {}  # a zombie has no memory left


class Sampler:
    """VmRSS, VmHWM and CPU time of every process of the given groups every 0.2 s, and the
    CPU time of the PostgreSQL backends serving ``pg_url`` (listed every second)."""

    def __init__(self, groups: dict[str, int], pg_url: str | None = None):
        self.groups = groups
        self.pg_url = pg_url
        self.seen: dict[int, dict] = {}
        self._backends: set[int] = set()
        self._started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._list_backends()
        self.sample()  # the state before
        self._started = True
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self):
        n = 0
        while not self._stop.wait(SAMPLE):
            n += 1
            try:
                if n % 5 == 0:
                    self._list_backends()
                self.sample()
            except Exception as exc:  # a process gone between listing and reading: next time
                log(f"sampling: {exc!r}")

    def _list_backends(self):
        if not self.pg_url:
            return
        name = self.pg_url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            self._backends |= {
                pid
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
                )
            }

    def _pids(self):
        for role, pgid in self.groups.items():
            for pid in group_members(pgid):
                yield role, pid
        for pid in self._backends:
            yield "postgres", pid

    def sample(self):
        for role, pid in self._pids():
            status = _status(pid)
            if not status:
                continue
            info = self.seen.get(pid)
            if info is None:
                info = self.seen[pid] = {
                    "pid": pid,
                    "role": role,
                    "cmd": status["cmd"],
                    "rss_before_kb": status["VmRSS"],
                    "hwm_before_kb": status["VmHWM"],
                    # a process that appeared during the job: all of its CPU time is the job's
                    "cpu_before": 0.0 if self._started else status["cpu"],
                    "max_rss_kb": 0,
                }
            info["rss_kb"] = status["VmRSS"]
            info["hwm_kb"] = status["VmHWM"]
            info["cpu"] = status["cpu"]
            info["max_rss_kb"] = max(info["max_rss_kb"], status["VmRSS"])

    def report(self) -> dict:
        processes = [
            {
                "pid": i["pid"],
                "role": i["role"],
                "cmd": i["cmd"],
                "cpu_s": round(i["cpu"] - i["cpu_before"], 1),
                "rss_before_mb": round(i["rss_before_kb"] / 1024),
                "hwm_before_mb": round(i["hwm_before_kb"] / 1024),
                "max_rss_mb": round(i["max_rss_kb"] / 1024),
                "rss_after_mb": round(i["rss_kb"] / 1024),
                "hwm_mb": round(i["hwm_kb"] / 1024),
                # the peak of the job: VmHWM if it rose meanwhile, else the highest VmRSS sampled
                # (a worker's VmHWM may come from before, e.g. argon2 hashing a password: 64 MB)
                "peak_mb": round(
                    (i["hwm_kb"] if i["hwm_kb"] > i["hwm_before_kb"] else i["max_rss_kb"]) / 1024
                ),
            }
            for i in self.seen.values()
        ]
        ours = [p for p in processes if p["role"] != "postgres"]
        runner = max(ours, key=lambda p: p["cpu_s"]) if ours else None
        cpu = {}
        for p in processes:
            cpu[p["role"]] = round(cpu.get(p["role"], 0) + p["cpu_s"], 1)
        return {"ran_the_job": runner, "cpu_s_by_role": cpu, "processes": processes}


# --- HTTP ---------------------------------------------------------------------------------------


def token(base: str, username: str) -> str:
    answer = requests.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    answer.raise_for_status()
    return answer.json()["token"]


def api(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token(base, username)}", "Accept-Language": "en"})
    session.base = base  # type: ignore[attr-defined]
    return session


def html_login(base: str, username: str) -> requests.Session:
    """A browser-like session, logged in through the login form (with its CSRF token)."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en"
    page = session.get(f"{base}/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{base}/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
    )
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise RuntimeError(f"HTML login failed: {answer.status_code}")
    return session


def follow(session: requests.Session, location: str, *, posted_at: float, timeout: float) -> dict:
    """Poll the job every 0.5 s until it has finished; the progress seen, and the gaps."""
    url = f"{session.base}{location}"  # type: ignore[attr-defined]
    observations = []
    last_state = None
    changes = [(posted_at, "posted")]
    deadline = time.monotonic() + timeout
    while True:
        asked = time.perf_counter()
        job = session.get(url).json()
        now = time.perf_counter()
        observations.append((now - posted_at, job["status"], job["done"], job.get("percent")))
        state = (job["status"], job["done"])
        if state != last_state:
            changes.append((now, f"{job['status']} {job['done']}"))
            last_state = state
        if job["status"] in ("succeeded", "failed", "cancelled"):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"job not finished after {timeout} s: {job}")
        time.sleep(max(0.0, POLL - (time.perf_counter() - asked)))
    gaps = [(b[0] - a[0], f"{a[1]} -> {b[1]}") for a, b in zip(changes, changes[1:])]
    largest = max(gaps) if gaps else (0.0, "")
    running = [c for c in changes if c[1].startswith("running")]
    run_gaps = [b[0] - a[0] for a, b in zip(running, running[1:])]
    return {
        "job": job,
        "end_to_end_s": round(now - posted_at, 2),
        "polls": len(observations),
        "distinct_done": len({o[2] for o in observations}),
        "largest_gap_s": round(largest[0], 2),
        "largest_gap_between": largest[1],
        "largest_gap_while_running_s": round(max(run_gaps), 2) if run_gaps else None,
        "first_progress_s": round(running[1][0] - posted_at, 2) if len(running) > 1 else None,
    }


def server_seconds(job: dict) -> float | None:
    """created → finished by the job row's own clock (no polling resolution)."""
    from datetime import datetime

    if not job.get("finished_at") or not job.get("created_at"):
        return None
    return round(
        (
            datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["created_at"])
        ).total_seconds(),
        2,
    )


class PageLoader:
    """A second client loading pages one after another (the URLs in turn, a short pause
    between loads, as a person clicking would not be faster); latencies by URL and period."""

    def __init__(self, session: requests.Session, urls: list[str], pause: float = 0.2):
        self.session, self.urls, self.pause = session, urls, pause
        self.samples: list[tuple[str, float, float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def _run(self):
        n = 0
        while self.urls and not self._stop.is_set():
            url = self.urls[n % len(self.urls)]
            n += 1
            began = time.perf_counter()
            try:
                answer = self.session.get(url, allow_redirects=False, timeout=30)
                ok = answer.status_code == 200 and "/claims/" in answer.text
                status = 200 if ok else answer.status_code
            except requests.RequestException:  # counted as an error (the server went away)
                status = 0
            self.samples.append((url, began, time.perf_counter() - began, status))
            self._stop.wait(self.pause)

    def between(self, url: str, start: float, end: float) -> dict:
        chosen = [s for s in self.samples if s[0] == url and start <= s[1] < end]
        latencies = sorted(s[2] for s in chosen)
        if not latencies:
            return {"loads": 0}
        return {
            "loads": len(latencies),
            "errors": sum(1 for s in chosen if s[3] != 200),
            "p50_ms": round(statistics.median(latencies) * 1000),
            "p95_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000),
            "max_ms": round(latencies[-1] * 1000),
        }


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- 1. bulk finance approval as one job --------------------------------------------------------


def prepare_claims(claims: int, workdir: Path) -> None:
    """The template database: the plan, users, budgets, ``claims`` HR-approved claims of
    RECRUIT_REGULAR (what the job approves) and a queue of submitted ones for HR."""
    from bench.run import prepare

    url = fresh_database("postgresql", TEMPLATE_DB, workdir)
    _databases.add(TEMPLATE_DB)
    app = make_app(url, workdir / "instance")
    prepare(app, claims=claims, http_claims=HR_QUEUE_CLAIMS)
    from sqlalchemy import update

    from subsidy_app.claims.models import Claim, ClaimStatus, Stage
    from subsidy_app.extensions import db
    from subsidy_app.programs import operations as programs
    from subsidy_app.users import operations as users

    with app.app_context():
        users.create_user(None, username="bench-hr", password=PASSWORD, role="hr")
        key = programs.find_program("RECRUIT_KEY")
        db.session.execute(
            update(Claim)
            .where(Claim.program_id == key.id)
            .values(status=ClaimStatus.SUBMITTED, stage=Stage.HR_REVIEW, amount_approved=None)
        )
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


def copy_database(name: str, template: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _databases.add(name)
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def approval_job(claims: int, chunk_size: int, workdir: Path, *, hr_client: bool = True) -> dict:
    url = copy_database(APPROVAL_DB, TEMPLATE_DB)
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    purge_broker()
    env = app_env(url, workdir, celery=True, chunk_size=chunk_size)
    server, port = serve(env, workdir)
    worker = celery_worker(env, workdir)
    base = f"http://127.0.0.1:{port}"
    try:
        finance = api(base, "bench-finance")
        hr = html_login(base, "bench-hr")
        pages = {"queue": f"{base}/claims/", "submitted": f"{base}/claims/?status=submitted"}
        for page in pages.values():
            first = hr.get(page)
            assert first.status_code == 200 and "/claims/" in first.text, first.status_code
        loader = PageLoader(hr, list(pages.values()) if hr_client else []).start()
        if hr_client:
            time.sleep(10)  # the pages alone, before the job
        load_before = load()
        with Sampler({"gunicorn": server.pid, "celery": worker.pid}, pg_url=url) as sampler:
            posted_at = time.perf_counter()
            answer = finance.post(
                f"{base}/api/v1/claims/bulk-actions",
                json={
                    "action": "finance_approve",
                    "filters": {"status": "hr_approved", "program_code": "RECRUIT_REGULAR"},
                },
            )
            post_ms = round((time.perf_counter() - posted_at) * 1000)
            assert answer.status_code == 202, answer.text
            followed = follow(finance, answer.headers["Location"], posted_at=posted_at, timeout=1800)
            finished_at = time.perf_counter()
        load_after = load()
        time.sleep(2)
        loader.stop()
        job = followed["job"]
        result = finance.get(f"{base}{job['result_url']}").json() if job["result_url"] else {}
        verify = finance.get(f"{base}/api/v1/ledger/verify").json()
        lines = finance.get(f"{base}/api/v1/budgets", params={"per_page": 100}).json()["items"]
        regular = next(line for line in lines if line["program_code"] == "RECRUIT_REGULAR")
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            committed_sum, approved = conn.execute(
                "SELECT coalesce(sum(amount_committed), 0)::text, count(*) FROM claims c "
                "JOIN programs p ON p.id = c.program_id "
                "WHERE p.code = 'RECRUIT_REGULAR' AND c.status = 'finance_approved'"
            ).fetchone()
            chunks = conn.execute(
                "SELECT count(*) FROM job_chunks WHERE job_id = %s", [job["id"]]
            ).fetchone()[0]
        return {
            "claims": claims,
            "chunk_size": chunk_size,
            "hr_client": hr_client,
            "chunks": chunks,
            "status": job["status"],
            "post_ms": post_ms,
            "end_to_end_s": followed["end_to_end_s"],
            "server_created_to_finished_s": server_seconds(job),
            "started_after_s": _after(job, "created_at", "started_at"),
            "progress": {k: v for k, v in followed.items() if k not in ("job", "end_to_end_s")},
            "hr_pages": {
                name: {
                    "url": page.removeprefix(base) + " (HTML, HR user logged in via the login form)",
                    "before_job": loader.between(page, 0, posted_at),
                    "during_job": loader.between(page, posted_at, finished_at),
                }
                for name, page in pages.items()
            },
            "checks": {
                "succeeded_count": result.get("succeeded_count"),
                "failed_count": result.get("failed_count"),
                "claims_finance_approved": approved,
                "ledger_verify_ok": verify.get("ok"),
                "ledger_entries": verify.get("entries"),
                "budget_committed": regular["committed"],
                "claims_committed_sum": committed_sum,
                "budget_equals_sum": _money(regular["committed"]) == _money(committed_sum),
            },
            "memory": sampler.report(),
            "load_before": load_before,
            "load_after": load_after,
        }
    finally:
        stop(worker)
        stop(server)
        drop_database(APPROVAL_DB)


def _money(value) -> str:
    from decimal import Decimal

    return f"{Decimal(str(value)):.2f}"


def _after(job: dict, a: str, b: str) -> float | None:
    from datetime import datetime

    if not job.get(a) or not job.get(b):
        return None
    return round((datetime.fromisoformat(job[b]) - datetime.fromisoformat(job[a])).total_seconds(), 2)


# --- 2. ledger exports as jobs ------------------------------------------------------------------


def prepare_ledger(kind: str, entries: int, workdir: Path) -> str:
    from flask_migrate import upgrade

    from bench.exports import grow_payments
    from subsidy_app.extensions import db
    from subsidy_app.programs import operations as programs
    from subsidy_app.users import operations as users

    url = fresh_database(kind, EXPORTS_DB, workdir)
    if kind == "postgresql":
        _databases.add(EXPORTS_DB)
    app = make_app(url, workdir / "instance")
    with app.app_context():
        upgrade()
        programs.load_plan()
        users.create_user(None, username="bench-finance", password=PASSWORD, role="finance")
        db.session.commit()
    grow_payments(app, entries)
    with app.app_context():
        if kind == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        db.engine.dispose()
    return url


def export_job(kind: str, url: str, fmt: str, workdir: Path) -> dict:
    celery = kind == "postgresql"
    if celery:
        purge_broker()
    env = app_env(url, workdir, celery=celery)
    server, port = serve(env, workdir)
    worker = celery_worker(env, workdir) if celery else None
    base = f"http://127.0.0.1:{port}"
    try:
        finance = api(base, "bench-finance")
        finance.get(f"{base}/api/v1/jobs")  # both sides connected before measuring
        groups = {"gunicorn": server.pid}
        if worker is not None:
            groups["celery"] = worker.pid
        load_before = load()
        with Sampler(groups, pg_url=url if celery else None) as sampler:
            posted_at = time.perf_counter()
            answer = finance.post(f"{base}/api/v1/ledger/exports", json={"format": fmt})
            assert answer.status_code == 202, answer.text
            followed = follow(finance, answer.headers["Location"], posted_at=posted_at, timeout=1800)
        job = followed["job"]
        size = None
        if job["result_url"]:
            target = workdir / f"download.{fmt}"
            with (
                finance.get(f"{base}{job['result_url']}", stream=True) as download,
                open(target, "wb") as out,
            ):
                download.raise_for_status()
                for block in download.iter_content(1 << 20):
                    out.write(block)
            size = target.stat().st_size
            target.unlink()
        return {
            "format": fmt,
            "engine": "celery worker" if celery else "in-process executor (gunicorn worker)",
            "status": job["status"],
            "entries": (job.get("result") or {}).get("entries"),
            "end_to_end_s": followed["end_to_end_s"],
            "server_created_to_finished_s": server_seconds(job),
            "progress": {k: v for k, v in followed.items() if k not in ("job", "end_to_end_s")},
            "file_mb": round(size / 1e6, 1) if size else None,
            "memory": sampler.report(),
            "load_before": load_before,
            "load_after": load(),
        }
    finally:
        if worker is not None:
            stop(worker)
        stop(server)


# --- the run ------------------------------------------------------------------------------------


def run(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-jobs-{kind}-"))
    (workdir / "instance").mkdir()
    report: dict = {"db": kind, "machine": f"{os.cpu_count()} cores", "load_at_start": load()}
    report["gunicorn_conf"] = (ROOT / "gunicorn.conf.py").exists()
    try:
        if kind == "postgresql" and not args.skip_approval:
            log(f"postgresql: preparing {args.claims} HR-approved claims (template database)")
            prepare_claims(args.claims, workdir)
            report["approval"] = []
            for size in args.chunk_sizes:
                log(f"postgresql: finance approval of {args.claims} claims as one job, chunks of {size}")
                outcome = approval_job(args.claims, size, workdir, hr_client=not args.no_hr_client)
                log(
                    f"  {outcome['status']} in {outcome['end_to_end_s']} s, largest progress gap "
                    f"{outcome['progress']['largest_gap_s']} s, HR page p95 during "
                    f"{outcome['hr_pages']['queue']['during_job'].get('p95_ms')} ms, load {outcome['load_after']}"
                )
                report["approval"].append(outcome)
            drop_database(TEMPLATE_DB)
        if not args.skip_exports:
            log(f"{kind}: building a ledger of {args.entries} entries")
            url = prepare_ledger(kind, args.entries, workdir)
            report["exports"] = []
            for fmt in args.formats:
                log(f"{kind}: ledger export {fmt} as a job")
                outcome = export_job(kind, url, fmt, workdir)
                runner = outcome["memory"]["ran_the_job"]
                log(
                    f"  {outcome['status']} in {outcome['end_to_end_s']} s, {outcome['file_mb']} MB, peak "
                    f"{runner and runner['peak_mb']} MB ({runner and runner['role']}), load {outcome['load_after']}"
                )
                report["exports"].append(outcome)
            if kind == "postgresql":
                drop_database(EXPORTS_DB)
    finally:
        cleanup()
        if kind == "postgresql":
            purge_broker()  # what the runs left in the broker's database (mail tasks)
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument(
        "--chunk-sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1000, 2000, 5000],
        help="JOB_CHUNK_SIZE values to run the approval job with, e.g. 1000,2000,5000",
    )
    parser.add_argument("--formats", type=lambda s: s.split(","), default=["pdf", "xlsx"])
    parser.add_argument("--skip-approval", action="store_true")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument(
        "--no-hr-client",
        action="store_true",
        help="the approval job alone, without the HR client loading pages",
    )
    args = parser.parse_args()
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for kind in ["postgresql", "sqlite"] if args.db == "both" else [args.db]:
        report = run(kind, args)
        (RESULTS / f"jobs-{kind}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2), flush=True)


if __name__ == "__main__":
    main()
