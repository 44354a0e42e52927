"""Celery: the application, its tasks, and the schedule that replaces cron.

``make_celery`` binds Celery to the Flask application (each task runs in an application
context, as the Flask documentation shows). Settings chosen on purpose:

- ``task_acks_late`` and ``task_reject_on_worker_lost``: a task is acknowledged when it has
  finished, so a worker process killed mid-job gives the message back to the broker and the
  job is taken up again (``run_job`` resumes after the last committed chunk);
- ``worker_prefetch_multiplier = 1``: a worker takes one long job at a time, the others stay
  in the queue for idle workers;
- the Redis ``visibility_timeout`` must exceed the longest job (default 2 hours); a worker
  lost whole (machine gone) is noticed sooner by ``recover_stale_jobs`` from its heartbeat.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from celery import Celery, Task, shared_task
from celery.schedules import crontab
from celery.schedules import schedule as every
from flask import Flask

from ..extensions import db
from ..notifications import operations as notifications
from . import engine, operations
from .engine import DELIVER_MAIL, RUN_JOB

log = logging.getLogger(__name__)

REMIND_DEADLINES = "subsidy.remind_deadlines"
RECOVER_STALE = "subsidy.recover_stale_jobs"

#: What runs on a schedule (Beijing time): the daily deadline reminders, mail that failed
#: to go, and jobs whose worker stopped.
SCHEDULE = {
    "deadline-reminders": {"task": REMIND_DEADLINES, "schedule": crontab(hour=8, minute=0)},
    "mail-retries": {"task": DELIVER_MAIL, "schedule": timedelta(minutes=5)},
    "stale-jobs": {"task": RECOVER_STALE, "schedule": timedelta(seconds=30)},
}


def make_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config.get("CELERY_BROKER_URL") or "memory://",
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": app.config.get("CELERY_VISIBILITY_TIMEOUT", 7200)},
        task_ignore_result=True,  # the job row is the result
        task_default_queue=app.config.get("CELERY_QUEUE") or "celery",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # a worker process that grew past this (KiB; a 100,000-entry PDF peaks near 330 MB and
        # the memory is not given back) is replaced after its job, not in the middle of one
        worker_max_memory_per_child=app.config.get("CELERY_MAX_MEMORY_PER_CHILD", 400_000),
        worker_hijack_root_logger=False,
        timezone="Asia/Shanghai",
        beat_schedule=SCHEDULE,
        include=[__name__],
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


@shared_task(name=RUN_JOB)
def run_job(job_id: int) -> None:
    operations.run_job(job_id)


@shared_task(name=DELIVER_MAIL)
def deliver_mail(ids: list[int] | None = None) -> None:
    """Send queued e-mail (those given, or every unsent one: the retry)."""
    notifications.deliver(ids)


@shared_task(name=REMIND_DEADLINES)
def remind_deadlines(days_ahead: int = 2) -> int:
    told = notifications.remind_deadlines(days_ahead=days_ahead)
    db.session.commit()
    engine.committed()
    return told


@shared_task(name=RECOVER_STALE)
def recover_stale_jobs() -> dict:
    return operations.recover_stale()


engine.handle("mail", notifications.deliver)

TASKS = {REMIND_DEADLINES: remind_deadlines, DELIVER_MAIL: deliver_mail, RECOVER_STALE: recover_stale_jobs}


def run_schedule_here(app: Flask, *, once: bool = False) -> None:
    """The schedule without a broker (``subsidy scheduler`` on the embedded installation):
    the same tasks, run in this process when due (``once``: each one now, then stop)."""
    celery = app.extensions["celery"]
    last: dict[str, datetime] = {}
    while True:
        now = celery.now()
        for name, entry in SCHEDULE.items():
            schedule = entry["schedule"]
            if not isinstance(schedule, crontab):
                schedule = every(schedule, app=celery)
            if once or schedule.remaining_estimate(last.setdefault(name, now)).total_seconds() <= 0:
                try:
                    TASKS[entry["task"]]()
                except Exception:
                    log.exception("scheduled %s failed", name)
                last[name] = now
        if once:
            return
        time.sleep(5)
