from __future__ import annotations

from flask import url_for
from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue
from ..core.timeutil import utcnow
from .models import JobStatus
from .operations import has_result
from .registry import KINDS


def percent(job) -> int | None:
    if job.status == JobStatus.SUCCEEDED:
        return 100
    if not job.total:
        return None
    return min(100, int(job.done * 100 / job.total))


def seconds_left(job) -> int | None:
    """Time left, from the pace so far (None until there is one)."""
    if job.status != JobStatus.RUNNING or not job.total or not job.done or job.started_at is None:
        return None
    elapsed = (utcnow() - job.started_at).total_seconds()
    return max(0, int(elapsed / job.done * (job.total - job.done)))


def result_url(job) -> str | None:
    return url_for("jobs_api.JobResult", job_id=job.id) if has_result(job) else None


def kind_label(job) -> str:
    kind = KINDS.get(job.kind)
    return str(kind.label) if kind is not None and kind.label else job.kind


class JobSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "bulk_action, ledger_export, …"})
    kind_label = fields.Function(kind_label, metadata={"description": "The kind in words"})
    status = EnumValue(JobStatus)
    done = fields.Integer()
    total = fields.Integer(allow_none=True)
    percent = fields.Function(percent, allow_none=True)
    seconds_left = fields.Function(seconds_left, allow_none=True)
    message = fields.String(allow_none=True)
    result_url = fields.Function(result_url, allow_none=True)
    result = fields.Dict(allow_none=True, metadata={"description": "The summary, once finished"})
    error_code = fields.String(allow_none=True)
    params = fields.Dict()
    created_by = fields.Integer(attribute="created_by_id")
    created_by_name = fields.Function(lambda job: job.created_by.display_name or job.created_by.username)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    cancel_requested = fields.Boolean()


class JobCreateSchema(BaseSchema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    params = fields.Dict(load_default=dict, metadata={"description": "What the kind of work takes"})


class JobListArgs(PageArgs):
    status = EnumValue(JobStatus, load_default=None)
    kind = fields.String(load_default=None, validate=validate.Length(max=40))
    mine = fields.Boolean(load_default=False, metadata={"description": "Only the jobs I started"})
