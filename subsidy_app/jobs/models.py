"""A job: one piece of long work, its progress and its result.

The row is the one truth about the work, whichever engine runs it (a Celery worker, or the
in-process executor of the embedded installation). Work that changes records commits in
chunks; each chunk's outcome is written (``JobChunk``) in the same transaction as the chunk
itself, so a job stopped at any moment is exactly as far as its chunks say, and a retry
resumes after the last one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, enum_column
from ..core.timeutil import utcnow
from ..extensions import Model


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class Job(Model):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_created_by_created", "created_by_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "job_status"), index=True)
    #: What was asked (validated by the kind's schema before the job was created).
    params: Mapped[dict] = mapped_column(JSON)
    #: What the work covers, fixed when it starts (e.g. the claim ids a filter matched).
    selection: Mapped[list | None] = mapped_column(JSON)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    #: Where the work stands, in the words of the language it was asked in.
    message: Mapped[str | None] = mapped_column(Text)
    #: The outcome: a summary (counts, refusals grouped by reason) and, for files, the file.
    result: Mapped[dict | None] = mapped_column(JSON)
    result_file: Mapped[str | None] = mapped_column(String(200))
    error_code: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), default="zh")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Written with every progress report: a running job whose heartbeat is old has lost
    #: its worker (killed, or the server restarted) and is taken up again or failed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    created_by = relationship("User", foreign_keys=[created_by_id], lazy="joined")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class JobChunk(Model):
    """What one committed chunk of a job did (written in the chunk's own transaction)."""

    __tablename__ = "job_chunks"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_chunks_job_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    #: How many items of the selection this chunk took.
    items: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[dict] = mapped_column(JSON)
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
