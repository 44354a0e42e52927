"""HTML pages of claims: the list (an applicant's dashboard, a reviewer's queue), the claim
form, the claim page with its checks, evidence, history and the actions open to the user.
Thin: every decision is the operations'."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core import security
from ..core.htmlforms import attempt, flash_field_errors, options
from ..core.labels import ACTION, label
from ..core.pagination import paginate, paginate_html
from ..core.permissions import Actor, can
from ..jobs import views as jobs_views
from ..payments import corrections
from ..programs import operations as programs
from ..programs.models import DocumentRequirement
from ..projects import operations as projects
from ..users.auth import current_actor
from . import actions, documents, operations, presentation
from .forms import ActionForm, BulkForm, ClaimForm, CorrectionForm, EditForm, UploadForm
from .models import ClaimStatus
from .schemas import BulkFilterSchema

bp = Blueprint("claims", __name__, template_folder="templates", url_prefix="/claims")

DETAIL_FIELDS = ("justification", "contract_signed_on", "commission", "year", "designated_on", "visit_date")


#: The queue's filters: (query argument, name in ``BulkFilterSchema`` and ``visible_claims``).
FILTER_ARGS = (
    ("status", "status"),
    ("stage", "stage"),
    ("program", "program_code"),
    ("organization_id", "organization_id"),
    ("talent_code", "talent_code"),
    ("created_from", "created_from"),
    ("created_to", "created_to"),
    ("overdue", "overdue"),
)


def queue_filters(source, prefix: str = "") -> tuple[dict, dict]:
    """The queue's filters from its query string (or from the bulk form's copy of them,
    ``filter-<arg>``): as the arguments were given (for links and forms), and by their names
    in ``BulkFilterSchema`` (what a "select all matching" job is given). A value that does not
    parse is ignored, as the queue always did."""
    given = {}
    for arg, name in FILTER_ARGS:
        value = (source.get(prefix + arg) or "").strip()
        if value and not (name == "overdue" and value != "1"):
            given[arg] = value
    raw = {name: given[arg] for arg, name in FILTER_ARGS if arg in given}
    errors = BulkFilterSchema().validate(raw)
    for arg, name in FILTER_ARGS:
        if name in errors:
            given.pop(arg, None)
            raw.pop(name, None)
    return given, raw


def _bulk_actions(actor: Actor) -> list[str]:
    return [
        a
        for a, permission in (("hr_approve", "claim.review_hr"), ("finance_approve", "claim.review_finance"))
        if can(actor, permission)
    ]


@bp.route("/")
@login_required
def index():
    actor = current_actor()
    given, raw = queue_filters(request.args)
    stmt = operations.visible_claims(actor, **BulkFilterSchema().load(raw))
    page = paginate_html(stmt, request.args)
    rows = [presentation.describe(actor, claim, full=False) for claim in page.items]
    return render_template(
        "claims/index.html",
        page=page,
        rows=rows,
        statuses=list(ClaimStatus),
        programs=programs.list_programs(actor),
        status=given.get("status"),
        filter_args=given,
        bulk_actions=_bulk_actions(actor),
        bulk_form=BulkForm(formdata=None),
    )


def _claim_form(actor: Actor) -> ClaimForm:
    form = ClaimForm()
    form.program_code.choices = options(
        [(p.code, f"{presentation.localized_name(p)} {p.clause}") for p in programs.list_programs(actor)]
    )
    form.project_id.choices = options(
        [("", "—")] + [(str(p.id), f"{p.year} {p.name}") for p in projects.all_projects(actor)]
    )
    return form


@dataclass
class BulkRequest:
    """What the queue's bulk form asks: the job's parameters, how many claims that is, and
    the form's fields to send again from the confirmation page."""

    params: dict
    count: int
    hidden: list[tuple[str, str]]
    filters: dict


def _bulk_request(actor: Actor, form: BulkForm) -> BulkRequest | None:
    """The ticked claims, or (scope "all") every claim the queue's filters find."""
    if not form.validate_on_submit() or form.action.data not in _bulk_actions(actor):
        return None
    params: dict = {"action": form.action.data, "comment": (form.comment.data or "").strip() or None}
    hidden = [("action", form.action.data), ("comment", form.comment.data or "")]
    if form.scope.data == "all":
        given, raw = queue_filters(request.form, prefix="filter-")
        stmt = operations.visible_claims(actor, **BulkFilterSchema().load(raw))
        count = paginate(stmt, 1, 1)["total"]
        params["filters"] = raw
        hidden += [("scope", "all")] + [(f"filter-{arg}", value) for arg, value in given.items()]
        return BulkRequest(params, count, hidden, given)
    ids = list(dict.fromkeys(int(i) for i in form.claim_ids.data or [] if str(i).isdigit()))
    if not ids:
        return None
    params["claim_ids"] = ids
    hidden += [("scope", "selected")] + [("claim_ids", str(i)) for i in ids]
    return BulkRequest(params, len(ids), hidden, {})


@bp.route("/bulk/confirm", methods=["POST"])
@login_required
def bulk_confirm():
    """Before a bulk approval starts: how many claims, which decision; nothing is changed."""
    actor = current_actor()
    asked = _bulk_request(actor, BulkForm())
    if asked is None:
        flash(_("Choose the claims and the decision."), "error")
        return redirect(url_for("claims.index"))
    action = asked.params["action"]
    facts = [
        (_("Decision"), label(ACTION, action)),
        (_("Claims"), f"{asked.count:,}"),
    ]
    if asked.params.get("filters") is not None:
        facts.append((_("Filter"), jobs_views.describe("filters", asked.params["filters"])))
    else:
        facts.append((_("Selected"), jobs_views.describe("claim_ids", asked.params["claim_ids"])))
    if asked.params["comment"]:
        facts.append((_("Comment"), asked.params["comment"]))
    return render_template(
        "jobs/confirm.html",
        title=_("Approve %(n)s claims?", n=f"{asked.count:,}"),
        question=_(
            "%(action)s for %(n)s claims. Each claim meets the same rules as one approved alone; "
            "those that fail are refused with the reason, the others are approved. An approval is "
            "not undone here.",
            action=label(ACTION, action),
            n=f"{asked.count:,}",
        ),
        facts=facts,
        action_url=url_for("claims.bulk"),
        hidden=asked.hidden,
        confirm_label=_("Yes, approve %(n)s claims", n=f"{asked.count:,}"),
        danger=False,
        back_url=url_for("claims.index", **asked.filters),
        back_label=_("Back to the queue"),
    )


@bp.route("/bulk", methods=["POST"])
@login_required
def bulk():
    """Approve a selection (HR or finance) as a job: the ticked claims, or every claim the
    queue's filters find; the job's page follows it and lists each refusal with its reason."""
    actor = current_actor()
    asked = _bulk_request(actor, BulkForm())
    if asked is None:
        flash(_("Choose the claims and the decision."), "error")
        return redirect(url_for("claims.index"))
    return jobs_views.start("bulk_action", asked.params, url_for("claims.index", **asked.filters))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    actor = current_actor()
    form = _claim_form(actor)
    if request.method == "GET" and request.args.get("program"):
        form.program_code.data = request.args["program"]
    status = 200
    if form.validate_on_submit():
        details = {
            name: getattr(form, name).data
            for name in DETAIL_FIELDS
            if getattr(form, name).data not in (None, "")
        }
        details = {
            k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, Decimal) else v)
            for k, v in details.items()
        }
        if form.project_id.data:
            details["project_id"] = int(form.project_id.data)
        claim = attempt(
            form,
            lambda: operations.create_claim(
                actor,
                program_code=form.program_code.data,
                talent_code=form.talent_code.data or None,
                organization_id=form.organization_id.data,
                amount_requested=form.amount_requested.data,
                details=details,
            ),
            _("Draft saved. Check the eligibility below, attach the documents, then submit."),
        )
        if claim:
            return redirect(url_for("claims.detail", claim_id=claim.id))
        status = 422
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 422
    return render_template("claims/new.html", form=form), status


@bp.route("/<int:claim_id>")
@login_required
def detail(claim_id):
    actor = current_actor()
    claim = operations.get_claim(actor, claim_id)
    view = presentation.describe(actor, claim)
    upload = UploadForm()
    upload.kind.choices = options(presentation.document_choices(claim))
    names = dict(presentation.document_choices(claim))
    deferrable = [
        (k, names.get(k, k))
        for k in claim.program.documents_by(DocumentRequirement.DEFERRABLE)
        if k in view["missing_documents"]
    ]
    return render_template(
        "claims/detail.html",
        claim=view,
        upload=upload,
        action_form=ActionForm(),
        set_at_approval=presentation.amount_set_at_approval(claim),
        document_names=names,
        deferrable=deferrable,
        edit=EditForm(
            formdata=None,
            amount_requested=claim.amount_requested,
            justification=(claim.details or {}).get("justification"),
        ),
        may_edit=claim.status in (ClaimStatus.DRAFT, ClaimStatus.RETURNED)
        and operations.is_applicant(actor, claim),
        correction=CorrectionForm(formdata=None),
        may_correct=claim.status == ClaimStatus.PAID and can(actor, "payment.correct"),
    )


@bp.route("/<int:claim_id>/edit", methods=["POST"])
@login_required
def edit(claim_id):
    """The applicant corrects a draft or a returned claim (the answer to a return)."""
    form = EditForm()
    if form.validate_on_submit():
        details = {"justification": form.justification.data} if form.justification.data else None
        attempt(
            form,
            lambda: operations.update_claim(
                current_actor(), claim_id, amount_requested=form.amount_requested.data, details=details
            ),
            _("Saved; the checks below are run again."),
        )
    flash_field_errors(form)
    return redirect(url_for("claims.detail", claim_id=claim_id))


@bp.route("/<int:claim_id>/correction", methods=["POST"])
@login_required
def correction(claim_id):
    """Finance corrects a paid amount: a reversal and a new entry, with the reason."""
    form = CorrectionForm()
    if form.validate_on_submit():
        attempt(
            form,
            lambda: corrections.correct_payment(
                current_actor(),
                claim_id,
                amount=form.amount.data,
                reason=form.reason.data,
                bank_reference=form.bank_reference.data or None,
            ),
            _("Corrected: the ledger has the reversal and the new entry."),
        )
    flash_field_errors(form)
    return redirect(url_for("claims.detail", claim_id=claim_id))


@bp.route("/<int:claim_id>/documents", methods=["POST"])
@login_required
def upload_document(claim_id):
    actor = current_actor()
    claim = operations.get_claim(actor, claim_id)
    form = UploadForm()
    form.kind.choices = options(presentation.document_choices(claim))
    if form.validate_on_submit():
        attempt(
            form,
            lambda: documents.upload(actor, claim_id, kind=form.kind.data, file=form.file.data),
            _("Document attached."),
        )
    flash_field_errors(form)
    return redirect(url_for("claims.detail", claim_id=claim_id) + "#documents")


@bp.route("/<int:claim_id>/documents/<int:document_id>")
@login_required
def document(claim_id, document_id):
    found, path = documents.open_document(current_actor(), claim_id, document_id)
    response = send_file(
        path, mimetype=found.content_type, as_attachment=False, download_name=found.filename, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return security.allow_same_origin_framing(response)  # the preview on the claim page


@bp.route("/<int:claim_id>/actions", methods=["POST"])
@login_required
def act(claim_id):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    extra = (
        {"documents": form.documents.data, "due_date": form.due_date.data}
        if form.action.data == "defer_documents"
        else {}
    )
    attempt(
        None,
        lambda: actions.act(
            current_actor(),
            claim_id,
            action=form.action.data,
            comment=form.comment.data or None,
            amount_approved=form.amount_approved.data,
            **extra,
        ),
        _("Done: %(action)s.", action=presentation.action_label(form.action.data)),
    )
    return redirect(url_for("claims.detail", claim_id=claim_id))
