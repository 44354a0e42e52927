"""The embedded default (`make run`) loses a web worker in the middle of a job: gunicorn
starts another, and the web workers themselves (gunicorn.conf.py's post_worker_init: no
scheduler runs there) find the job whose heartbeat stopped, and resume it after its last
committed chunk."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

from tests.scale.conftest import build_claims, login, request
from tests.scale.test_cluster import _assert_whole

CLAIMS = 3000
CHUNK = 250


def _workers_of(master_pid: int) -> list[int]:
    """The gunicorn master's children (from /proc: pid (name) state ppid …)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == master_pid:
            children.append(int(stat.parent.name))
    return children


def test_a_job_whose_web_worker_died_is_resumed_by_the_web_workers(sqlite_url, cluster):
    url = sqlite_url  # a file every process opens
    data = build_claims(url, CLAIMS)
    nodes = cluster(url, WEB_CONCURRENCY=2, GUNICORN_THREADS=4, JOB_CHUNK_SIZE=CHUNK, JOB_STALE_SECONDS=4)
    server = nodes.server("web")
    token = login(server.port, "scale.finance")
    status, _h, job = request(
        server.port,
        "POST",
        "/api/v1/claims/bulk-actions",
        {"action": "finance_approve", "filters": {"status": "hr_approved"}},
        token=token,
    )
    assert status == 202, job

    def partly_done():
        body = request(server.port, "GET", f"/api/v1/jobs/{job['id']}", token=token)[2]
        assert body["status"] in ("queued", "running"), f"finished before it could be stopped: {body}"
        return body if body["done"] >= CHUNK else None

    nodes.wait_for(partly_done, 90, "the job to be partly done", server, every=0.05)
    workers = _workers_of(server.process.pid)
    assert workers, "no gunicorn workers found"
    for pid in workers:  # whichever runs the job: both die, gunicorn starts two more
        os.kill(pid, signal.SIGKILL)
    row = _assert_whole(url, job["id"])
    assert row["status"] == "running" and row["done"] < CLAIMS, row

    final = nodes.wait_for(
        lambda: (
            (b := request(server.port, "GET", f"/api/v1/jobs/{job['id']}", token=token)[2])["status"]
            not in ("queued", "running")
            and b
        ),
        120,
        "the job to be resumed and finish",
        server,
        every=0.5,
    )
    assert final["status"] == "succeeded", (final, nodes.logs())
    assert final["done"] == final["total"] == CLAIMS
    row = _assert_whole(url, job["id"], data["claim_ids"])
    assert row["attempts"] == 2
    result = request(server.port, "GET", final["result_url"], token=token)[2]
    assert Counter(result["succeeded"]) == Counter(data["claim_ids"])
    verification = request(server.port, "GET", "/api/v1/ledger/verify", token=token, timeout=60)[2]
    assert verification["ok"], verification
