"""The embedded default (`make run`): SQLite, no broker, jobs in the threads of the web
workers. While a long bulk approval runs (thousands of claims, chunks of the default size),
people keep logging in: every login answers 200, none "database is locked" (503), and the
job finishes."""

from __future__ import annotations

import statistics
import threading
import time

from tests.conftest import DEFAULT_PASSWORD
from tests.scale.conftest import build_claims, login, request

CLAIMS = 10_000
LOGIN_THREADS = 3


def test_logins_keep_working_while_a_bulk_job_runs_in_the_web_process(sqlite_url, cluster):
    data = build_claims(sqlite_url, CLAIMS)
    nodes = cluster(sqlite_url, WEB_CONCURRENCY=2, GUNICORN_THREADS=4)  # no broker, default chunks
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
    started = time.monotonic()
    answers: list[tuple[int, float, dict | None]] = []  # status, seconds, error body
    lock = threading.Lock()
    stop = threading.Event()

    def log_in_repeatedly():
        while not stop.is_set():
            began = time.monotonic()
            try:
                code, _headers, body = request(
                    server.port,
                    "POST",
                    "/api/v1/auth/token",
                    {"username": "scale.auditor", "password": DEFAULT_PASSWORD},
                    timeout=60,
                )
            except OSError as exc:  # no answer at all counts as a refusal too
                code, body = 0, {"exception": repr(exc)}
            with lock:
                answers.append((code, time.monotonic() - began, body if code != 200 else None))

    threads = [threading.Thread(target=log_in_repeatedly, daemon=True) for _ in range(LOGIN_THREADS)]
    for thread in threads:
        thread.start()
    try:
        seen = []

        def finished():
            body = request(server.port, "GET", f"/api/v1/jobs/{job['id']}", token=token)[2]
            seen.append(body["done"])
            return body if body["status"] not in ("queued", "running") else None

        final = nodes.wait_for(finished, 150, "the bulk job", server, every=0.25)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=90)

    assert final["status"] == "succeeded", (final, nodes.logs())
    assert final["done"] == final["total"] == CLAIMS
    result = request(server.port, "GET", final["result_url"], token=token)[2]
    assert sorted(result["succeeded"]) == sorted(data["claim_ids"])
    during = list(answers)
    refused = [a for a in during if a[0] != 200]
    assert not refused, f"{len(refused)} of {len(during)} logins refused: {refused[:3]}"
    assert len(during) >= 2 * LOGIN_THREADS, f"only {len(during)} logins while the job ran"
    assert len(set(seen)) >= 2, f"no progress seen: {seen}"
    times = sorted(t for _c, t, _b in during)
    print(
        f"\n{CLAIMS} claims on SQLite in the web process: {elapsed:.1f}s; {len(during)} logins "
        f"meanwhile, all 200; median {statistics.median(times) * 1000:.0f} ms, "
        f"slowest {times[-1] * 1000:.0f} ms"
    )
    verification = request(server.port, "GET", "/api/v1/ledger/verify", token=token, timeout=60)[2]
    assert verification["ok"], verification
