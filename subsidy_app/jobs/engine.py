"""What runs the work: Celery when a broker is configured, else a small executor in the
web process itself (the embedded installation needs nothing but Python), or, in tests
(``JOBS_EAGER``), the calling thread once its transaction has committed.

The job row in the database is the one truth either way: the engine only carries job ids.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app, g

log = logging.getLogger(__name__)

#: Celery task names (``tasks.py``).
RUN_JOB = "subsidy.run_job"
DELIVER_MAIL = "subsidy.deliver_mail"

_executors: dict[int, ThreadPoolExecutor] = {}
_lock = threading.Lock()
#: What the in-process executor can run: "job" (operations.run_job), "recover"
#: (operations.recover_stale), "mail" (tasks: notifications.deliver), set by their modules.
_handlers: dict[str, Callable] = {}


def handle(what: str, func: Callable) -> None:
    _handlers[what] = func


#: What waits for a commit: mail queued by the transaction, jobs it created.
_after_commit: list[Callable[[], None]] = []


def on_commit(func: Callable[[], None]) -> None:
    """Run ``func`` whenever a request, a job's chunk or a scheduled task has committed."""
    if func not in _after_commit:
        _after_commit.append(func)


#: What a job's end does besides recording it (in the job's last transaction): e.g. mail the
#: one notice a bulk job kept up to date chunk after chunk.
_at_job_end: list[Callable[[dict], None]] = []


def on_job_end(func: Callable[[dict], None]) -> None:
    if func not in _at_job_end:
        _at_job_end.append(func)


def job_scratch() -> dict | None:
    """The running job's scratch space (None outside a job): what its chunks share, such
    as the notices they keep up to date instead of sending one per chunk."""
    return g.get("job_scratch")


def job_ended(scratch: dict) -> None:
    for func in _at_job_end:
        func(scratch)


def committed() -> None:
    """Called after every commit that may have queued work (requests, job chunks)."""
    for func in _after_commit:
        func()


def uses_celery(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("CELERY_BROKER_URL"))


def _executor(app: Flask) -> ThreadPoolExecutor:
    """One small pool per application in this process (JOB_THREADS threads)."""
    with _lock:
        pool = _executors.get(id(app))
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=app.config.get("JOB_THREADS", 2), thread_name_prefix="job")
            _executors[id(app)] = pool
            pool.submit(_in_app, app, "recover")  # jobs a previous process left running
        return pool


def _in_app(app: Flask, what: str, *args) -> None:
    with app.app_context():
        try:
            _handlers[what](*args)
        except Exception:
            log.exception("background %s %s failed", what, args)


def dispatch(job_id: int) -> None:
    """Start a job that has been committed (queued)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("JOBS_EAGER"):
        _handlers["job"](job_id)
    elif uses_celery(app):
        try:
            app.extensions["celery"].send_task(RUN_JOB, args=[job_id])
        except Exception:  # the broker is down: the job stays queued, and is dispatched again
            log.exception("job %s could not be sent to the broker", job_id)
    else:
        _executor(app).submit(_in_app, app, "job", job_id)


def in_background(what: str, *args) -> None:
    """Other work that must not hold up a request (mail): a Celery task, or the executor."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("JOBS_EAGER"):
        _handlers[what](*args)
    elif uses_celery(app):
        try:
            app.extensions["celery"].send_task(DELIVER_MAIL, args=list(args))
        except Exception:
            log.exception("%s could not be sent to the broker; the scheduler retries", what)
    else:
        _executor(app).submit(_in_app, app, what, *args)


def loses_queued_work(app: Flask | None = None) -> bool:
    """The in-process executor forgets its queue when the process stops (a broker does not)."""
    app = app or current_app
    return not uses_celery(app) and not app.config.get("JOBS_EAGER")


def shutdown() -> None:
    for pool in list(_executors.values()):
        pool.shutdown(wait=True, cancel_futures=False)
