"""Jobs: start, run, follow, cancel, and fetch the result of long work.

``submit`` checks who asks and what they ask exactly as the synchronous path would, and
creates the job (queued) in the caller's transaction; it is handed to the engine only once
that transaction has committed (``dispatch_pending``). ``run_job`` is what a worker calls:
it takes the job (one worker at a time, by a conditional UPDATE), runs the kind's function
as the user who asked, in the language they asked in, and records how it ended.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import marshmallow as ma
from flask import current_app, g
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update

from ..core import audit, sqlite
from ..core.errors import AppError, Conflict, Forbidden, NotFound, flatten_messages, invalid
from ..core.permissions import READ_ALL_ROLES, Actor, Role, can, require
from ..core.timeutil import utcnow
from ..extensions import db
from . import engine
from .models import Job, JobChunk, JobStatus
from .registry import KINDS, JobKind

log = logging.getLogger(__name__)

#: Progress is written at most this often (seconds); the contract asks for at least every 2.
PROGRESS_EVERY = 1.0

#: On SQLite, the pause after each committed chunk (seconds). Writers waiting for the lock
#: (a login) poll for it every 100 ms once they have waited a while; without a pause the next
#: chunk takes the lock again before any of them looks, and a login waits out chunk after
#: chunk until busy_timeout answers it 503. A pause longer than the poll lets them in first.
SQLITE_CHUNK_PAUSE = 0.15


class JobCancelled(Exception):
    """Raised inside a job's work when someone asked to stop it (between chunks)."""


# --- starting -------------------------------------------------------------------------------


def kind_of(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise invalid("kind", _("Must be one of: %(choices)s.", choices=", ".join(sorted(KINDS)))) from None


def load_params(kind: JobKind, raw: dict | None) -> dict:
    """The parameters, validated by the kind's schema (422 on the fields, nothing created)."""
    try:
        return kind.schema().load(raw or {})
    except ma.ValidationError as exc:
        raise invalid(flatten_messages(exc.messages)) from None


def _json(value):
    """Parameters as JSON keeps them (decimals as their exact text, dates in ISO)."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def submit(actor: Actor, kind_name: str, raw_params: dict | None = None) -> Job:
    """Create a queued job of ``kind_name`` for ``actor`` (in the caller's transaction)."""
    kind = kind_of(kind_name)
    require(actor, kind.start)
    params = load_params(kind, raw_params)
    if kind.precheck is not None:
        kind.precheck(actor, **params)
    job = Job(
        kind=kind.name,
        status=JobStatus.QUEUED,
        params=_json(kind.schema().dump(params)),
        done=0,
        locale=str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
        created_by_id=actor.id,
        created_at=utcnow(),
        message=_("Waiting to start."),
        attempts=0,
        cancel_requested=False,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.create", "job", job.id, after={"kind": job.kind, "params": job.params})
    g.setdefault("jobs_to_dispatch", []).append(job.id)
    return job


def dispatch_pending() -> None:
    """After the transaction that created jobs has committed: hand them to the engine."""
    for job_id in g.pop("jobs_to_dispatch", None) or []:
        engine.dispatch(job_id)


# --- who sees what --------------------------------------------------------------------------


def _kinds_seen_by(actor: Actor) -> list[str]:
    if Role(actor.role) not in READ_ALL_ROLES:
        return []
    return [name for name, kind in KINDS.items() if can(actor, kind.see)]


def visible_jobs(actor: Actor, *, status: str | None = None, kind: str | None = None, mine: bool = False):
    """The jobs ``actor`` may see (their own; staff also those of kinds they may see),
    newest first."""
    seen = [] if mine else _kinds_seen_by(actor)
    stmt = select(Job).where(or_(Job.created_by_id == actor.id, Job.kind.in_(seen)))
    if status:
        stmt = stmt.where(Job.status == JobStatus(status))
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return stmt.order_by(Job.created_at.desc(), Job.id.desc())


def get_job(actor: Actor, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or not (job.created_by_id == actor.id or job.kind in _kinds_seen_by(actor)):
        raise NotFound(_("Not found."))
    return job


def cancel(actor: Actor, job_id: int) -> Job:
    """Stop a job: a queued one at once, a running one after its current chunk (nothing
    half-done: what committed stays, with its record, and the rest is not touched)."""
    job = get_job(actor, job_id)
    if job.created_by_id != actor.id:
        raise Forbidden(_("Only the person who started this job may cancel it."))
    if job.finished:
        raise Conflict(_("This job has already finished."), code="job_finished")
    before = {"status": job.status.value}
    now = utcnow()
    stopped = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.CANCELLED,
            cancel_requested=True,
            cancelled_by_id=actor.id,
            finished_at=now,
            message=_("Cancelled before it started."),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not stopped:
        db.session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            .values(cancel_requested=True, cancelled_by_id=actor.id)
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(job)
    audit.record(actor, "job.cancel", "job", job.id, before=before, after={"status": job.status.value})
    return job


# --- results --------------------------------------------------------------------------------


def storage_root() -> Path:
    """Where job results are kept: a location every server and worker shares."""
    configured = current_app.config.get("JOB_STORAGE")
    return Path(configured) if configured else Path(current_app.instance_path) / "job-results"


def result_path(job: Job) -> Path | None:
    if not job.result_file:
        return None
    path = storage_root() / str(job.id) / job.result_file
    return path if path.is_file() else None


def has_result(job: Job) -> bool:
    """A finished job's summary, or a stopped job's committed chunks (what they did)."""
    if job.status == JobStatus.SUCCEEDED:
        return True
    return job.finished and job.result_file is None and job.selection is not None and job.done > 0


def result_of(actor: Actor, job_id: int) -> tuple[Job, Path | None, dict | None]:
    """The result of a job ``actor`` may see: its file, or its JSON (the summary with what
    every committed chunk did). 409 while there is none yet."""
    job = get_job(actor, job_id)
    if not has_result(job):
        raise Conflict(_("This job has no result yet."), code="job_not_finished", job_status=job.status.value)
    if job.result_file:
        path = result_path(job)
        if path is None:
            raise NotFound(_("The result file is no longer kept."))
        return job, path, None
    return job, None, assembled_result(job)


def assembled_result(job: Job) -> dict:
    """The summary, with the lists of every committed chunk's outcome joined in order."""
    merged: dict = {}
    for outcome in db.session.execute(
        select(JobChunk.outcome).where(JobChunk.job_id == job.id).order_by(JobChunk.seq)
    ).scalars():
        for key, value in outcome.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return {"job_id": job.id, "status": job.status.value, **(job.result or {}), **merged}


# --- running --------------------------------------------------------------------------------


def _side_execute(stmt):
    """A write (progress) or read (cancel asked?) outside the job's own transaction, so that
    others see it at once and it sees what others committed."""
    if current_app.config.get("JOBS_EAGER"):  # tests: one connection, the session's own
        return db.session.execute(stmt)
    if db.session().in_transaction() and sqlite.holds_write_lock(db.session.connection()):
        # SQLite, and the job's own transaction holds the write lock (a resumed job reports
        # where it resumes before its first chunk commits): another connection would wait
        # for this thread forever. Nobody else can write meanwhile; it commits with the job.
        return db.session.execute(stmt)
    with sqlite.writing(), db.engine.begin() as connection:
        return connection.execute(stmt)


class JobContext:
    """What a job's function gets: who asked, what was asked, and how to report."""

    def __init__(self, job: Job, actor, kind: JobKind):
        self.job_id = job.id
        self.actor = actor
        self.kind = kind
        self.selection: list | None = job.selection
        self.total: int | None = job.total
        #: Items done by chunks committed before (a retry resumes after them).
        self.resumed_at: int = job.done if job.selection is not None else 0
        self._seq = _next_seq(job.id)
        self._last = 0.0

    # the whole of the work

    def fix_selection(self, items: list) -> None:
        """Record what the work covers, once, before any of it is done (a retry works
        through the same selection, never a new one)."""
        self.selection, self.total = list(items), len(items)
        db.session.execute(
            update(Job)
            .where(Job.id == self.job_id)
            .values(selection=self.selection, total=self.total, done=0, heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()

    def set_total(self, total: int) -> None:
        self.total = total
        _side_execute(update(Job).where(Job.id == self.job_id).values(total=total, heartbeat_at=utcnow()))

    # progress

    def progress(self, done: int, message: str | None = None, *, force: bool = False) -> None:
        """Report progress (written at most every second) and stop if asked to."""
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        values: dict = {"done": done, "heartbeat_at": utcnow()}
        if message:
            values["message"] = message
        _side_execute(update(Job).where(Job.id == self.job_id).values(**values))
        self.check_cancelled()

    def chunk_done(self, items: int, outcome: dict, message: str | None = None) -> None:
        """Commit a chunk of work together with its record: the chunk's changes, what it did,
        and the job's count move in one transaction. Then stop if asked to."""
        db.session.add(JobChunk(job_id=self.job_id, seq=self._seq, items=items, outcome=outcome))
        values: dict = {"done": Job.done + items, "heartbeat_at": utcnow()}
        if message:
            values["message"] = message
        db.session.execute(
            update(Job)
            .where(Job.id == self.job_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self._seq += 1
        if db.engine.dialect.name == "sqlite":
            time.sleep(SQLITE_CHUNK_PAUSE)
        self._last = time.monotonic()
        engine.committed()  # what the chunk queued (mail, notices)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        asked = _side_execute(select(Job.cancel_requested).where(Job.id == self.job_id)).scalar()
        if asked:
            raise JobCancelled()

    # files

    def output(self, filename: str) -> Path:
        """Where to write the result file (in the shared storage)."""
        folder = storage_root() / str(self.job_id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / filename


def _next_seq(job_id: int) -> int:
    last = db.session.execute(select(func.max(JobChunk.seq)).where(JobChunk.job_id == job_id)).scalar()
    return 0 if last is None else last + 1


def _stale_before():
    return utcnow() - timedelta(seconds=current_app.config.get("JOB_STALE_SECONDS", 60))


def _last_sign_of_life():
    return func.coalesce(Job.heartbeat_at, Job.started_at, Job.created_at)


def _take(job_id: int) -> bool:
    """Take the job for this worker: a queued one, or a running one whose worker is gone."""
    now = utcnow()
    taken = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.cancel_requested.is_(False),
            or_(
                Job.status == JobStatus.QUEUED,
                and_(Job.status == JobStatus.RUNNING, _last_sign_of_life() < _stale_before()),
            ),
        )
        .values(
            status=JobStatus.RUNNING,
            started_at=func.coalesce(Job.started_at, now),
            heartbeat_at=now,
            attempts=Job.attempts + 1,
            message=_("Started."),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(taken)


def run_job(job_id: int) -> None:
    """Run one job to its end (called by the engine; never raises)."""
    try:
        if not _take(job_id):
            return
    except Exception:
        db.session.rollback()
        log.exception("job %s could not be taken", job_id)
        return
    job = db.session.get(Job, job_id)
    g.job_scratch = {}
    try:
        with force_locale(job.locale), _heartbeat(job_id):
            _run(job)
    finally:
        g.pop("job_scratch", None)


@contextmanager
def _heartbeat(job_id: int):
    """While the work runs, a thread says so every few seconds (a step that reports no
    progress for long, like building the audit bundle, is not mistaken for a lost worker);
    when the process dies, the heartbeat stops with it and the job is recovered."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("JOBS_EAGER"):
        yield
        return
    every = max(0.5, min(10.0, app.config.get("JOB_STALE_SECONDS", 60) / 4))
    stop = threading.Event()

    def beat() -> None:
        with app.app_context():
            while not stop.wait(every):
                try:
                    with sqlite.writing(), db.engine.begin() as connection:
                        connection.execute(
                            update(Job)
                            .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
                            .values(heartbeat_at=utcnow())
                        )
                except Exception:  # the next beat tries again
                    log.warning("heartbeat of job %s not written", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _run(job: Job) -> None:
    kind = KINDS.get(job.kind)
    actor = job.created_by
    try:
        if kind is None:
            raise Conflict(_("This kind of work is no longer known."), code="unknown_job_kind")
        require(actor, kind.start)  # still allowed (a user disabled meanwhile stops here)
        params = load_params(kind, job.params)
        context = JobContext(job, actor, kind)
        db.session.commit()  # hold no lock from here on: the work begins its own transactions
        with sqlite.reading() if kind.read_only else nullcontext():
            summary = kind.run(context, **params)
            # end the work's own transaction here: on SQLite a reading one cannot turn into
            # the writing one that records the end (others have written since it began)
            db.session.commit()
    except JobCancelled:
        db.session.rollback()
        _finish(
            job.id,
            JobStatus.CANCELLED,
            _("Cancelled. What was done before stays done; nothing else was changed."),
            result=_partial(kind, job.id),
        )
    except AppError as exc:
        db.session.rollback()
        _finish(job.id, JobStatus.FAILED, exc.message, error_code=exc.code, result=_partial(kind, job.id))
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job.id, job.kind)
        _finish(
            job.id,
            JobStatus.FAILED,
            _("The work stopped on an unexpected error; nothing half-done was kept."),
            error_code="internal_error",
            result=_partial(kind, job.id),
        )
    else:
        summary = dict(summary or {})
        message = summary.pop("message", None) or _("Done.")
        result_file = summary.pop("result_file", None)
        _finish(job.id, JobStatus.SUCCEEDED, message, result=summary, result_file=result_file)
    engine.committed()  # what the work queued (mail, further jobs)


def _partial(kind: JobKind | None, job_id: int) -> dict | None:
    """What the committed chunks of a stopped job did (its kind says how to sum it up)."""
    if kind is None or kind.partial is None:
        return None
    try:
        job = db.session.get(Job, job_id)
        if job is None or job.selection is None:
            return None
        summary = dict(kind.partial(job_id, **load_params(kind, job.params)))
        summary.pop("message", None)
        return summary
    except Exception:
        db.session.rollback()
        log.exception("summing up stopped job %s failed", job_id)
        return None


def _finish(job_id: int, status: JobStatus, message: str, *, result=None, result_file=None, error_code=None):
    """Record how the job ended, with the work's last transaction when it has one."""
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    if job.finished:
        return
    job.status = status
    job.message = message
    job.finished_at = job.heartbeat_at = utcnow()
    job.error_code = error_code
    if result is not None:
        job.result = audit.jsonable(result)
    if result_file is not None:
        job.result_file = result_file
    if status != JobStatus.SUCCEEDED and job.result_file is None:
        shutil.rmtree(storage_root() / str(job.id), ignore_errors=True)  # a partial file
    scratch = engine.job_scratch()
    if scratch is not None:
        engine.job_ended(scratch)
    audit.record(
        None,
        f"job.{status.value}",
        "job",
        job.id,
        after={"kind": job.kind, "done": job.done, "total": job.total, "error_code": error_code},
        reason=message,
    )
    db.session.commit()


# --- workers that went away -----------------------------------------------------------------


def recover_stale() -> dict:
    """Running jobs whose worker stopped reporting (killed, or its server restarted) are
    queued again to resume after their last committed chunk, up to JOB_MAX_ATTEMPTS; then
    failed. Jobs left queued for long (a message the broker lost) are dispatched again."""
    limit = current_app.config.get("JOB_MAX_ATTEMPTS", 3)
    stale = db.session.execute(
        select(Job.id, Job.attempts).where(
            Job.status == JobStatus.RUNNING, _last_sign_of_life() < _stale_before()
        )
    ).all()
    retried, failed = [], []
    for job_id, attempts in stale:
        if attempts >= limit or db.session.get(Job, job_id).cancel_requested:
            _finish(
                job_id,
                JobStatus.CANCELLED if db.session.get(Job, job_id).cancel_requested else JobStatus.FAILED,
                _(
                    "The worker running this job stopped. Every chunk that finished is kept; start it again for the rest."
                ),
                error_code="worker_lost",
                result=_partial(KINDS.get(db.session.get(Job, job_id).kind), job_id),
            )
            failed.append(job_id)
            continue
        moved = db.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING, _last_sign_of_life() < _stale_before())
            .values(status=JobStatus.QUEUED, message=_("The worker stopped; the job waits to resume."))
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            audit.record(None, "job.requeue", "job", job_id, reason="worker lost")
            retried.append(job_id)
    forgotten: list[int] = []
    if engine.loses_queued_work():  # a process restarted with work in its executor's queue
        forgotten = list(
            db.session.execute(
                select(Job.id).where(
                    Job.status == JobStatus.QUEUED,
                    Job.created_at < utcnow() - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"]),
                )
            ).scalars()
        )
    db.session.commit()
    for job_id in [*retried, *forgotten]:
        engine.dispatch(job_id)
    return {"requeued": retried, "failed": failed, "redispatched": list(forgotten)}


engine.handle("job", run_job)
engine.on_commit(dispatch_pending)
engine.handle("recover", recover_stale)
