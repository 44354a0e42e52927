"""Long work in the browser: one's jobs, a job's page that follows its progress (a static
script asks ``/jobs/<id>/status`` every second; the API takes bearer tokens only), cancel
with a confirmation, and the result (the file, or the summary as a page). Thin shells over
``operations``: who may see, cancel or fetch what is decided there (404, 403, 409)."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from ..core import labels
from ..core.htmlforms import attempt
from ..core.pagination import HtmlPage, paginate_html
from ..core.permissions import READ_ALL_ROLES, Role
from ..users.auth import acting_user
from . import operations
from .models import JobStatus
from .schemas import kind_label, percent, seconds_left

bp = Blueprint("jobs", __name__, template_folder="templates", url_prefix="/jobs")

#: Failed claims of a bulk result shown per page.
FAILED_PER_PAGE = 100

#: What was asked, in words (the parameters of every kind).
PARAM_LABELS = {
    "action": _l("Decision"),
    "claim_ids": _l("Claims"),
    "filters": _l("Filter"),
    "comment": _l("Comment"),
    "format": _l("Format"),
    "from": _l("From"),
    "to": _l("To"),
    "fiscal_year": _l("Fiscal year"),
    "quarter": _l("Quarter"),
}
FILTER_LABELS = {
    "status": _l("Status"),
    "stage": _l("Stage"),
    "program_code": _l("Incentive"),
    "organization_id": _l("Organisation id"),
    "talent_code": _l("Talent code"),
    "created_from": _l("Filed from"),
    "created_to": _l("Filed until"),
    "overdue": _l("Overdue only"),
}
#: The figures of a summary that is not a bulk approval's (verification, files).
RESULT_LABELS = {
    "ok": _l("The ledger verifies"),
    "entries": _l("Entries"),
    "first_bad_entry": _l("First entry that does not match"),
    "head_hash": _l("Head hash"),
    "transactions_balanced": _l("Every transaction balanced"),
    "budgets_match": _l("The budget lines agree with the ledger"),
    "problems": _l("Problems"),
    "format": _l("Format"),
    "bytes": _l("Size (bytes)"),
}
FORMATS = {"csv": "CSV", "xlsx": "Excel", "pdf": "PDF", "json": "JSON"}


class CancelForm(FlaskForm):
    confirm = HiddenField()


# --- in words ----------------------------------------------------------------------------------


def _when(value) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss") if value else ""


def _yes_no(value) -> str:
    return _("yes") if value else _("no")


def time_left(job) -> str:
    seconds = seconds_left(job)
    if seconds is None:
        return ""
    if seconds < 60:
        return _("About %(n)s s left", n=max(1, seconds))
    return _("About %(n)s min left", n=round(seconds / 60))


def counts(job) -> str:
    return f"{job.done:,} / {job.total:,}" if job.total is not None else f"{job.done:,} / ?"


def describe(key: str, value) -> str:
    """A parameter or figure of a job, in words."""
    if key == "action":
        return labels.label(labels.ACTION, value)
    if key == "format":
        return FORMATS.get(value, value)
    if key == "claim_ids":
        ids = ", ".join(f"#{i}" for i in value[:20]) + (" …" if len(value) > 20 else "")
        return _("%(n)s ticked: %(ids)s", n=f"{len(value):,}", ids=ids)
    if key == "filters":
        shown = []
        for name, given in (value or {}).items():
            if given in (None, ""):
                continue
            if name == "status":
                given = labels.label(labels.STATUS, given)
            elif name == "stage":
                given = labels.label(labels.STAGE, given)
            elif name == "overdue":
                given = _yes_no(given)
            shown.append(_("%(name)s: %(value)s", name=FILTER_LABELS.get(name, name), value=given))
        return "; ".join(shown) or _("every claim in the queue")
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "—"
    return "" if value is None else str(value)


def asked(job) -> list[tuple[str, str]]:
    """What the job was asked to do, as (label, words) pairs."""
    return [
        (str(PARAM_LABELS.get(key, key)), describe(key, value))
        for key, value in (job.params or {}).items()
        if value not in (None, "", [], {}) or key == "filters" and value == {}
    ]


def refusals(job, failed: list | None = None) -> list[dict]:
    """A bulk job's refusals grouped by reason, in words: from its summary, or (a job stopped
    part-way has none) from the refusals of the chunks it committed."""
    grouped = (job.result or {}).get("refusals")
    if grouped is None and failed:
        counted = Counter(f["code"] for f in failed)
        example = {}
        for f in failed:
            example.setdefault(f["code"], f.get("message") or "")
        grouped = [{"code": c, "count": n, "example": example[c]} for c, n in counted.most_common()]
    return [
        {
            "code": r["code"],
            "reason": labels.label(labels.REFUSAL, r["code"]),
            "count": r["count"],
            "example": r.get("example") or "",
        }
        for r in grouped or []
    ]


def state(actor, job) -> dict:
    """What the job page shows, for the page and for its script (the same words)."""
    shown_percent = percent(job)
    return {
        "id": job.id,
        "kind": job.kind,
        "kind_label": kind_label(job),
        "status": job.status.value,
        "status_label": labels.label(labels.JOB_STATUS, job.status),
        "finished": job.finished,
        "done": job.done,
        "total": job.total,
        "percent": shown_percent,
        "percent_text": f"{shown_percent} %" if shown_percent is not None else "—",
        "counts": counts(job),
        "seconds_left": seconds_left(job),
        "time_left": time_left(job),
        "message": job.message or "",
        "result_url": url_for("jobs.result", job_id=job.id) if operations.has_result(job) else None,
        "result_label": _("Download the result") if job.result_file else _("See the result"),
        "may_cancel": job.created_by_id == actor.id and not job.finished,
        "cancel_requested": job.cancel_requested,
        "refusals": refusals(job),
        "created_at": _when(job.created_at),
        "started_at": _when(job.started_at),
        "finished_at": _when(job.finished_at),
    }


def start(kind: str, params: dict, back_url: str):
    """Start a job from a page's form (CSRF checked for every form) and go to the job's page;
    if it is refused (permission, a field), back to ``back_url`` with why."""
    actor = acting_user()
    job = attempt(None, lambda: operations.submit(actor, kind, params), None)
    return redirect(url_for("jobs.detail", job_id=job.id) if job is not None else back_url)


# --- pages -------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """One's jobs, newest first; staff may tick "all I may see"."""
    actor = acting_user()
    staff = Role(actor.role) in READ_ALL_ROLES
    everything = staff and request.args.get("all") == "1"
    status = request.args.get("status") or None
    if status not in (None, *JobStatus):
        status = None
    page = paginate_html(operations.visible_jobs(actor, status=status, mine=not everything), request.args)
    rows = [
        {
            "job": job,
            "kind_label": kind_label(job),
            "status_label": labels.label(labels.JOB_STATUS, job.status),
            "percent": percent(job),
            "counts": counts(job),
            "mine": job.created_by_id == actor.id,
        }
        for job in page.items
    ]
    return render_template(
        "jobs/index.html",
        page=page,
        rows=rows,
        staff=staff,
        everything=everything,
        status=status,
        statuses=list(JobStatus),
    )


@bp.route("/<int:job_id>")
@login_required
def detail(job_id):
    actor = acting_user()
    job = operations.get_job(actor, job_id)
    return render_template(
        "jobs/detail.html",
        job=job,
        state=state(actor, job),
        asked=asked(job),
        form=CancelForm(formdata=None),
    )


@bp.route("/<int:job_id>/status")
@login_required
def status(job_id):
    """The job's progress as JSON, for the job page's script (the session's user)."""
    actor = acting_user()
    response = jsonify(state(actor, operations.get_job(actor, job_id)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:job_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(job_id):
    """Stopping is not undone: a page (or the job page's dialog) asks first; only a POST that
    says it was confirmed cancels."""
    actor = acting_user()
    job = operations.get_job(actor, job_id)
    form = CancelForm()
    if request.method == "POST" and form.validate_on_submit() and form.confirm.data == "yes":
        attempt(
            None,
            lambda: operations.cancel(actor, job_id),
            _("Asked to stop: a job that is running stops after the part it is doing."),
        )
        return redirect(url_for("jobs.detail", job_id=job_id))
    if job.finished or job.created_by_id != actor.id:
        flash(
            _("This job has already finished.")
            if job.finished
            else _("Only the person who started this job may cancel it."),
            "error",
        )
        return redirect(url_for("jobs.detail", job_id=job_id))
    return render_template(
        "_confirm.html",
        title=_("Cancel job #%(id)s?", id=job.id),
        question=_(
            "Stop “%(kind)s”? What is already done stays done; the rest is not done. This cannot be undone.",
            kind=kind_label(job),
        ),
        facts=[(_("Job"), f"#{job.id} {kind_label(job)}"), (_("Progress"), counts(job))] + asked(job),
        action_url=url_for("jobs.cancel", job_id=job.id),
        hidden=[],
        confirm_label=_("Yes, cancel the job"),
        danger=True,
        back_url=url_for("jobs.detail", job_id=job.id),
        back_label=_("No, let it run"),
    )


@bp.route("/<int:job_id>/result")
@login_required
def result(job_id):
    """The file (a download), or the summary as a page (a bulk approval: the counts, the
    refusals grouped by reason, and each refused claim)."""
    job, path, body = operations.result_of(acting_user(), job_id)
    if path is not None:
        response = send_file(path, as_attachment=True, download_name=path.name, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    body = body or {}
    failed = body.get("failed") or []
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    start = (number - 1) * FAILED_PER_PAGE
    failed_page = HtmlPage(
        failed[start : start + FAILED_PER_PAGE], len(failed), number, FAILED_PER_PAGE, {"job_id": job.id}
    )
    tally = {
        "requested": body.get("requested", job.total or 0),
        "succeeded": body.get("succeeded_count", len(body.get("succeeded") or [])),
        "failed": body.get("failed_count", len(failed)),
    }
    figures = [
        (str(RESULT_LABELS.get(key, key)), describe(key, value))
        for key, value in body.items()
        if key not in ("job_id", "status", "failed", "succeeded", "refusals", "result_file", "message")
    ]
    return render_template(
        "jobs/result.html",
        job=job,
        body=body,
        bulk=job.kind == "bulk_action",
        figures=figures,
        refusals=refusals(job, failed),
        tally=tally,
        failed=failed_page,
        kind_label=kind_label(job),
    )
