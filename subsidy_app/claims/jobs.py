"""Bulk approval as a job: the selection fixed when it starts, then taken in chunks, each
one committed with its record (``bulk.bulk_act`` on the chunk: the same guards, rules,
budget reservation and history as one claim approved alone)."""

from __future__ import annotations

from collections import Counter

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.errors import Conflict
from ..core.permissions import require
from ..extensions import db
from ..jobs.models import Job, JobChunk
from ..jobs.registry import job_kind
from . import bulk
from .schemas import BulkActionSchema

#: Attempts at one chunk when another user moved some of its claims at the same moment.
CHUNK_ATTEMPTS = 3


def _may_act(actor, *, action: str, **_params) -> None:
    require(actor, "claim.review_hr" if action == "hr_approve" else "claim.review_finance")


def _partial(job_id: int, *, action: str, **_params) -> dict:
    total = len(db.session.get(Job, job_id).selection or [])
    return summarize(job_id, action, total)


@job_kind(
    "bulk_action",
    start="claim.list",
    see="audit.read",
    schema=BulkActionSchema,
    label=_l("Bulk approval"),
    precheck=_may_act,
    partial=_partial,
)
def run_bulk_action(context, *, action: str, claim_ids, filters, comment) -> dict:
    actor = context.actor
    _may_act(actor, action=action)
    if context.selection is None:
        context.fix_selection(bulk.selection(actor, action=action, claim_ids=claim_ids, filters=filters))
    ids = context.selection or []
    total = len(ids)
    size = current_app.config.get("JOB_CHUNK_SIZE", 1000)
    context.progress(context.resumed_at, force=True)
    for start in range(context.resumed_at, total, size):
        chunk = ids[start : start + size]
        outcome = _act_on_chunk(actor, action, chunk, comment)
        done = start + len(chunk)
        context.chunk_done(
            len(chunk),
            {"succeeded": outcome["succeeded"], "failed": outcome["failed"]},
            message=_("%(done)s of %(total)s claims done.", done=f"{done:,}", total=f"{total:,}"),
        )
    return summarize(context.job_id, action, total)


def _act_on_chunk(actor, action: str, chunk: list[int], comment) -> dict:
    for attempt in range(CHUNK_ATTEMPTS):
        try:
            return bulk.bulk_act(actor, action=action, claim_ids=chunk, comment=comment)
        except Conflict as exc:  # claims moved by someone else meanwhile: read them again
            db.session.rollback()
            if exc.code != "conflict" or attempt == CHUNK_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def summarize(job_id: int, action: str, total: int) -> dict:
    """Counts, and the refusals grouped by reason (with one message as example)."""
    succeeded = 0
    reasons: Counter[str] = Counter()
    example: dict[str, str] = {}
    for outcome in db.session.execute(select(JobChunk.outcome).where(JobChunk.job_id == job_id)).scalars():
        succeeded += len(outcome.get("succeeded", []))
        for failure in outcome.get("failed", []):
            reasons[failure["code"]] += 1
            example.setdefault(failure["code"], failure["message"])
    failed = sum(reasons.values())
    return {
        "action": action,
        "requested": total,
        "succeeded_count": succeeded,
        "failed_count": failed,
        "refusals": [
            {"code": code, "count": n, "example": example[code]} for code, n in reasons.most_common()
        ],
        "message": _(
            "%(succeeded)s of %(total)s claims approved; %(failed)s refused.",
            succeeded=f"{succeeded:,}",
            total=f"{total:,}",
            failed=f"{failed:,}",
        ),
    }
