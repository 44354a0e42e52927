"""Real processes for the scale-out tests: gunicorn servers started with the repository's
gunicorn.conf.py, Celery workers (``subsidy worker``), and the data they work on.

Everything here is bounded: servers and workers are started in sessions of their own and
ended (their whole process group) when the test ends, whatever happened; every wait has a
deadline and fails with the processes' logs.

Redis: ``TEST_CELERY_REDIS_URL`` (default redis://127.0.0.1:6379/5, a database number of its
own). Each test sends its jobs to a queue of its own (``CELERY_QUEUE``) and counts logins
under a key prefix of its own, so that parallel runs (``-n 2``, or two CI runs on one
Redis) never take each other's messages; its keys are removed afterwards.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_PASSWORD, TEST_CONFIG

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
REDIS_URL = os.environ.get("TEST_CELERY_REDIS_URL", "redis://127.0.0.1:6379/5")
AMOUNT = Decimal("50000.00")


# --- data -----------------------------------------------------------------------------------


def build_claims(url: str, count: int) -> dict:
    """A finance user, an auditor, a budget large enough, and ``count`` claims approved by HR
    (RECRUIT_REGULAR, 50,000.00 each), inserted directly: the setup is not what is tested.
    Returns the claim ids and the budget line."""
    from sqlalchemy import insert, select

    from subsidy_app import create_app
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

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        org = organizations.create_organization(
            None,
            kind="employer",
            name="规模测试用人单位",
            credit_code=credit_code.complete("91140100800000001"),
            city="太原市",
            bank_name="中国工商银行太原分行",
            bank_account_no="0502000000000009",
        )
        employer = users.create_user(
            None,
            username="scale.employer",
            password=DEFAULT_PASSWORD,
            role="employer",
            organization_id=org.id,
        )
        finance = users.create_user(None, username="scale.finance", password=DEFAULT_PASSWORD, role="finance")
        users.create_user(None, username="scale.auditor", password=DEFAULT_PASSWORD, role="auditor")
        year = budgets.current_fiscal_year()
        line = budgets.allocate(
            finance, fiscal_year=year, program_code="RECRUIT_REGULAR", amount=Decimal("900000000000.00")
        )
        db.session.execute(
            insert(RecruitmentProject), [dict(name="规模测试项目", level="regular", year=2024)]
        )
        project_id = db.session.execute(select(RecruitmentProject.id)).scalars().first()
        program = programs.find_program("RECRUIT_REGULAR")
        talent_ids = list(
            db.session.scalars(
                insert(Talent).returning(Talent.id, sort_by_parameter_order=True),
                [
                    dict(
                        talent_code=f"SXS{i:08d}",
                        name=f"Scale Talent {i}",
                        name_key=identity.normalize_name(f"Scale Talent {i}"),
                        nationality="DEU",
                        birth_date=date(1980, 1, 1),
                        degree="master",
                        years_experience=5,
                        work_permit_no=f"S{i}",
                        permit_class="B",
                        employer_id=org.id,
                        shanxi_start_date=date(2024, 1, 1),
                        graduated_in_china=False,
                    )
                    for i in range(count)
                ],
            )
        )
        db.session.execute(
            insert(TalentPassport),
            [dict(talent_id=t, nationality="DEU", passport_no=f"SP{t}") for t in talent_ids],
        )
        claim_ids = list(
            db.session.scalars(
                insert(Claim).returning(Claim.id, sort_by_parameter_order=True),
                [
                    dict(
                        program_id=program.id,
                        status=ClaimStatus.HR_APPROVED,
                        stage=Stage.FINANCE_REVIEW,
                        organization_id=org.id,
                        talent_id=talent_id,
                        filed_by_id=employer.id,
                        amount_approved=AMOUNT,
                        details={"project_id": project_id},
                        eligible=True,
                        eligibility=[],
                        version=1,
                    )
                    for talent_id in talent_ids
                ],
            )
        )
        line_id = line.id
        db.session.commit()
        db.engine.dispose()
    return {"claim_ids": claim_ids, "budget_line": line_id}


def app_for(url: str):
    """An application on ``url`` for reading what the processes wrote (real commits)."""
    from subsidy_app import create_app

    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})


# --- HTTP -----------------------------------------------------------------------------------


def request(port: int, method: str, path: str, body=None, token: str | None = None, timeout: float = 30):
    """(status, headers, parsed JSON or raw bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Accept-Language": "en"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        data = response.read()
        if response.getheader("Content-Type", "").startswith("application/json"):
            data = json.loads(data)
        return response.status, dict(response.getheaders()), data
    finally:
        connection.close()


def login(port: int, username: str, password: str = DEFAULT_PASSWORD) -> str:
    status, _headers, body = request(
        port, "POST", "/api/v1/auth/token", {"username": username, "password": password}
    )
    assert status == 200, body
    return body["token"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- processes ------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    process: subprocess.Popen
    log: Path
    port: int | None = None

    def tail(self, lines: int = 60) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig=signal.SIGKILL) -> None:
        """Signal the whole process group (the worker's pool children too)."""
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass


@dataclass
class Cluster:
    """Processes started for one test, and their shared environment."""

    env: dict
    workdir: Path
    procs: list[Proc] = field(default_factory=list)
    counter: int = 0
    #: The test's Redis names (``redis_names``): its workers are recorded there, to be forgotten.
    names: dict | None = None

    def logs(self) -> str:
        return "\n".join(p.tail() for p in self.procs)

    def _start(self, name: str, argv: list[str], extra_env: dict | None = None, port=None) -> Proc:
        self.counter += 1
        log = self.workdir / f"{self.counter:02d}-{name}.log"
        process = subprocess.Popen(
            argv,
            env={**self.env, **(extra_env or {})},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own: killpg reaches its children
        )
        proc = Proc(name, process, log, port)
        self.procs.append(proc)
        return proc

    def server(self, name: str = "web", **extra_env) -> Proc:
        """A gunicorn server with the repository's gunicorn.conf.py, on a free port."""
        return self.servers(name, **extra_env)[0]

    def servers(self, *names: str, **extra_env) -> list[Proc]:
        """Several servers, started together, each waited for until it serves."""
        started = []
        for name in names:
            port = free_port()
            env = {"PORT": str(port), **{k: str(v) for k, v in extra_env.items()}}
            started.append(self._start(name, [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF)], env, port))
        for proc in started:
            self.wait_serving(proc)
        return started

    def worker(self, name: str = "worker", **extra_env) -> Proc:
        """``subsidy worker --concurrency 1``, waited for until Celery says it is ready."""
        argv = [
            str(BIN / "subsidy"),
            "worker",
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
        proc = self._start(name, argv, {k: str(v) for k, v in extra_env.items()})
        if self.names is not None:
            self.names["hosts"].append(f"subsidy-{proc.process.pid}@")  # the worker's Celery name
        self.wait_for(lambda: " ready." in proc.log.read_text(errors="replace"), 90, f"{name} ready", proc)
        return proc

    def run(self, argv: list[str], timeout: float = 60, **extra_env) -> subprocess.CompletedProcess:
        """A one-off command (``subsidy jobs recover``) with the cluster's environment."""
        return subprocess.run(
            argv,
            env={**self.env, **{k: str(v) for k, v in extra_env.items()}},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def wait_serving(self, proc: Proc, seconds: float = 90) -> None:
        def serving():
            if not proc.alive():
                pytest.fail(f"{proc.name} stopped while starting:\n{proc.tail()}")
            try:
                socket.create_connection(("127.0.0.1", proc.port), timeout=1).close()
                return True
            except OSError:
                return False

        self.wait_for(serving, seconds, f"{proc.name} serving on {proc.port}", proc)

    def wait_for(self, condition, seconds: float, what: str, proc: Proc | None = None, every: float = 0.2):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if proc is not None and not proc.alive():
                pytest.fail(f"{proc.name} stopped while waiting for {what}:\n{proc.tail()}")
            time.sleep(every)
        pytest.fail(f"timed out after {seconds}s waiting for {what}\n{self.logs()}")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.alive():
                proc.kill(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            proc.kill(signal.SIGKILL)  # whatever is left of its group
            try:
                proc.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def base_env(workdir: Path, url: str, **extra) -> dict:
    """What every process of one installation shares (as make run-cluster sets it)."""
    shared = workdir / "shared"
    (shared / "job-results").mkdir(parents=True, exist_ok=True)
    (shared / "documents").mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_BROKER_URL", "JOBS_EAGER", "RATELIMIT_STORAGE_URI", "PORT", "WEB_CONCURRENCY"}
    }
    env.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": f"scale-{uuid.uuid4().hex}",
            "SUBSIDY_INSTANCE_PATH": str(workdir / "instance"),
            "JOB_STORAGE": str(shared / "job-results"),
            "DOCUMENT_STORAGE": str(shared / "documents"),
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_ACCESS_LOG": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def cluster(tmp_path):
    """``cluster(url, **env)``: a Cluster whose processes are all ended after the test."""
    made: list[Cluster] = []

    def make(url: str, names: dict | None = None, **extra) -> Cluster:
        made.append(Cluster(base_env(tmp_path, url, **extra), tmp_path, names=names))
        return made[-1]

    def stop_all() -> None:
        for one in made:
            one.stop_all()

    make.stop_all = stop_all
    yield make
    stop_all()


@pytest.fixture
def sqlite_url(database_factory, cluster):
    """A SQLite database of this test's own (plan loaded), removed after the processes
    using it have stopped."""
    url, drop = database_factory.create("sqlite")
    yield url
    cluster.stop_all()
    drop()


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
def redis_names():
    """A queue name and a key prefix of this test's own on the test Redis database;
    everything under them is removed afterwards (messages left unacknowledged by a killed
    worker included)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({exc}): the scale-out tests need it as the "
            "Celery broker. Start redis-server (CI has one) or set TEST_CELERY_REDIS_URL."
        )
    names = {
        "queue": f"subsidy-test-{uuid.uuid4().hex}",
        "prefix": f"subsidy-test-{uuid.uuid4().hex}",
        "hosts": [],
    }
    yield names
    _forget(client, names["queue"], names["prefix"], names["hosts"])


def _forget(client, queue: str, prefix: str, hosts: list[str]) -> None:
    for name in (queue, prefix):
        for key in client.scan_iter(match=f"*{name}*"):
            client.delete(key)
    mine = [queue.encode(), *(host.encode() for host in hosts)]
    for key in client.scan_iter(match="_kombu.binding.*"):
        for member in client.smembers(key):
            if any(name in member for name in mine):
                client.srem(key, member)
    for tag, payload in client.hgetall("unacked").items():
        if queue.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
