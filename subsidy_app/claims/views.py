"""HTML pages of claims: the list (an applicant's dashboard, a reviewer's queue), the claim
form, the claim page with its checks, evidence, history and the actions open to the user.
Thin: every decision is the operations'."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core import security
from ..core.htmlforms import attempt, flash_field_errors, options
from ..core.pagination import paginate_html
from ..core.permissions import Actor, can
from ..payments import corrections
from ..programs import operations as programs
from ..programs.models import DocumentRequirement
from ..projects import operations as projects
from ..users.auth import current_actor
from . import actions, documents, operations, presentation
from . import bulk as bulk_ops
from .forms import ActionForm, BulkForm, ClaimForm, CorrectionForm, EditForm, UploadForm
from .models import ClaimStatus

bp = Blueprint("claims", __name__, template_folder="templates", url_prefix="/claims")

DETAIL_FIELDS = ("justification", "contract_signed_on", "commission", "year", "designated_on", "visit_date")


@bp.route("/")
@login_required
def index():
    actor = current_actor()
    status = request.args.get("status") or None
    if status not in (None, *ClaimStatus):
        status = None
    overdue = True if request.args.get("overdue") == "1" else None
    stmt = operations.visible_claims(
        actor,
        status=ClaimStatus(status) if status else None,
        program_code=request.args.get("program") or None,
        overdue=overdue,
    )
    page = paginate_html(stmt, request.args)
    rows = [presentation.describe(actor, claim, full=False) for claim in page.items]
    bulk_actions = [
        a
        for a, permission in (("hr_approve", "claim.review_hr"), ("finance_approve", "claim.review_finance"))
        if can(actor, permission)
    ]
    return render_template(
        "claims/index.html",
        page=page,
        rows=rows,
        statuses=list(ClaimStatus),
        programs=programs.list_programs(actor),
        status=status,
        bulk_actions=bulk_actions,
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


@bp.route("/bulk", methods=["POST"])
@login_required
def bulk():
    """Approve a selection in one action (HR or finance); each refusal says why."""
    form = BulkForm()
    if not form.validate_on_submit():
        flash(_("Choose the claims and the decision."), "error")
        return redirect(url_for("claims.index"))
    result = attempt(
        None,
        lambda: bulk_ops.bulk_act(
            current_actor(),
            action=form.action.data,
            claim_ids=[int(i) for i in form.claim_ids.data],
            comment=form.comment.data or None,
        ),
        None,
    )
    if result:
        flash(
            _(
                "%(done)s approved, %(failed)s refused.",
                done=len(result["succeeded"]),
                failed=len(result["failed"]),
            ),
            "info",
        )
        for failure in result["failed"][:20]:
            flash(f"#{failure['id']}: {failure['message']}", "error")
    return redirect(url_for("claims.index"))


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
