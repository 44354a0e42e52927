"""HTML pages of claims: the list (an applicant's dashboard, a reviewer's queue), the claim
form, the claim page with its checks, evidence, history and the actions open to the user.
Thin: every decision is the operations'."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..core import security
from ..core.htmlforms import attempt, flash_field_errors, options
from ..core.i18n import format_money
from ..core.labels import ACTION, PAYEE_KIND, label
from ..core.pagination import HtmlPage, page_number, paginate, parse_sort, per_page_from
from ..core.permissions import Actor, can, is_confined
from ..extensions import db
from ..jobs import views as jobs_views
from ..payments import corrections
from ..programs import operations as programs
from ..programs import views as program_views
from ..programs.models import DocumentRequirement
from ..projects import operations as projects
from ..talents import operations as talents
from ..users.auth import current_actor
from ..users.models import User
from . import actions, documents, operations, presentation
from . import forms as claim_forms
from .forms import ActionForm, BulkForm, ClaimForm, CorrectionForm, EditForm, UploadForm
from .models import ClaimStatus, Stage
from .schemas import BulkFilterSchema

bp = Blueprint("claims", __name__, template_folder="templates", url_prefix="/claims")


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
    ("q", "q"),
    ("awaiting", "awaiting"),
)

#: Orders the queue offers (``?sort=``; ``?direction=asc|desc``).
SORTS = ("queue", "deadline", "created", "amount", "id")


def _default_awaiting(actor: Actor) -> str | None:
    """What a reviewer's queue shows unless asked for all statuses: what awaits them."""
    role = getattr(actor.role, "value", actor.role)
    return role if role in operations.AWAITING_STAGES else None


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
    show_all = request.args.get("show") == "all"
    awaiting_default = _default_awaiting(actor)
    if (
        awaiting_default
        and not show_all
        and "awaiting" not in given
        and not {"status", "stage"} & given.keys()
    ):
        given["awaiting"] = raw["awaiting"] = awaiting_default
    if show_all:
        given.pop("awaiting", None)
        raw.pop("awaiting", None)
    default_sort = None if is_confined(actor) else "queue"
    sort, direction = parse_sort(request.args, SORTS, default_sort)
    per_page = per_page_from(request.args)
    number = page_number(request.args)
    data = operations.claim_page(
        actor, number, per_page, sort=sort, direction=direction, **BulkFilterSchema().load(raw)
    )
    page = HtmlPage(
        data["items"], data["total"], number, per_page, request.args, sort=sort, direction=direction
    )
    rows = [presentation.describe(actor, claim, full=False, red_ids=data["red_ids"]) for claim in page.items]
    base_args = {
        k: v for k, v in request.args.items() if k not in ("page", "show", "awaiting", "status", "stage")
    }
    return render_template(
        "claims/index.html",
        page=page,
        rows=rows,
        statuses=list(ClaimStatus),
        programs=programs.list_programs(actor),
        status=given.get("status"),
        filter_args=given,
        awaiting=given.get("awaiting"),
        awaiting_default=awaiting_default,
        awaiting_url=url_for("claims.index", **base_args),
        all_url=url_for("claims.index", **base_args, show="all"),
        sorts=SORTS,
        bulk_actions=_bulk_actions(actor),
        bulk_form=BulkForm(formdata=None),
    )


@dataclass
class Incentive:
    """One incentive of the claim form: the program, its words, and its fields."""

    program: object
    name: str
    amount: str
    fields: list
    names_talent: bool
    names_organization: bool
    projects: list


def _claim_form(actor: Actor) -> tuple[ClaimForm, list[Incentive]]:
    """The claim form and the incentives the actor may claim (the plan's programs whose
    applicant kinds include the actor's role), each with the fields it needs."""
    form = ClaimForm()
    all_projects = projects.all_projects(actor)
    incentives = []
    for p in programs.list_programs(actor):
        if not claim_forms.may_claim(actor, p):
            continue
        levels = {r.get("level") for r in p.rules or [] if r.get("rule") == "project_level"}
        incentives.append(
            Incentive(
                program=p,
                name=presentation.localized_name(p),
                amount=program_views.amount_label(p),
                fields=claim_forms.incentive_fields(p, form),
                names_talent=claim_forms.names_talent(p),
                names_organization=claim_forms.names_organization(p),
                projects=[(str(j.id), f"{j.year} {j.name}") for j in all_projects if j.level.value in levels],
            )
        )
    form.program_code.choices = options(
        [("", _("Choose the incentive…"))]
        + [(i.program.code, f"{i.name} · {i.program.clause} · {i.amount}") for i in incentives]
    )
    form.project_id.choices = options([("", "—")] + [(str(j.id), f"{j.year} {j.name}") for j in all_projects])
    return form, incentives


def _check_incentive_fields(actor: Actor, form: ClaimForm, chosen: Incentive) -> dict:
    """Every field of the chosen incentive checked at once, on top of WTForms' own checks:
    the required ones given, the talent found (by code or exact name, among those the
    actor may name). Returns the details to file; the errors are on the form's fields."""
    wanted = {spec.name for spec in chosen.fields}
    for name in claim_forms.INCENTIVE_FIELDS:  # another incentive's fields are not this claim's
        if name not in wanted:
            getattr(form, name).errors, getattr(form, name).data = [], None
    if actor.role.value != "hr":
        form.organization_id.errors, form.organization_id.data = [], None
    details = {}
    for spec in chosen.fields:
        field = getattr(form, spec.name)
        value = field.data
        if value in (None, "") and not field.errors:
            if spec.required and not (field.raw_data and field.raw_data[0]):
                field.errors = [*field.errors, _("Missing data for required field.")]
            continue
        if spec.name == "project_id":
            value = int(value) if str(value).isdigit() else None
        elif isinstance(value, Decimal):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        if spec.name != "amount_requested" and value is not None:
            details[spec.name] = value
    if chosen.names_talent:
        code, problem = talents.resolve_pick(actor, form.talent_code.data, chosen.program)
        if problem:
            form.talent_code.errors = [*form.talent_code.errors, problem]
        elif code is None and not form.talent_code.errors:
            form.talent_code.errors = [*form.talent_code.errors, _("Missing data for required field.")]
        elif code:
            form.talent_code.data = code
    else:
        form.talent_code.data = None
    organization = form.organization_id
    if chosen.names_organization and actor.role.value == "hr" and organization.data is None:
        if not organization.errors:
            organization.errors = [_("Missing data for required field.")]
    return details


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
        "_confirm.html",
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
    """The claim form: the incentive first, then only its fields. Without script the choice
    is sent (``?program=TRAVEL``, or the "show" button) and the page comes back with that
    incentive's fields; claimform.js switches them in the page."""
    actor = current_actor()
    form, incentives = _claim_form(actor)
    by_code = {i.program.code: i for i in incentives}
    if request.method == "GET":
        form.program_code.data = (request.args.get("program") or "").strip().upper() or None
    elif request.form.get("show") and form.program_code.data in by_code:
        return redirect(url_for("claims.new", program=form.program_code.data), 303)
    chosen = by_code.get(form.program_code.data or "")
    status = 200
    if request.method == "POST":
        valid = form.validate_on_submit()
        if form.csrf_token.errors:
            status = 400
        elif chosen is None:
            status = 422
        else:
            details = _check_incentive_fields(actor, form, chosen)
            failed = any(field.errors for field in form)
            claim = None
            if valid and not failed:
                wanted = {spec.name for spec in chosen.fields}
                claim = attempt(
                    form,
                    lambda: operations.create_claim(
                        actor,
                        program_code=chosen.program.code,
                        talent_code=form.talent_code.data,
                        organization_id=form.organization_id.data,
                        amount_requested=form.amount_requested.data if "amount_requested" in wanted else None,
                        details=details,
                    ),
                    _("Draft saved. Check the eligibility below, attach the documents, then submit."),
                )
            if claim:
                return redirect(url_for("claims.detail", claim_id=claim.id))
            status = 422
    # the message at the top: every field's error, each a link to its field
    labels = {spec.name: spec.label for spec in chosen.fields} if chosen else {}
    in_page_order = ["program_code", "talent_code", "organization_id", *labels]
    errors = [
        (
            f"{chosen.program.code}-{name}" if name in labels else form[name].id,
            labels.get(name, form[name].label.text),
            message,
        )
        for name in in_page_order
        for message in form[name].errors
    ]
    return render_template(
        "claims/new.html",
        form=form,
        incentives=incentives,
        chosen=chosen,
        errors=errors,
        error_fields=len({anchor for anchor, _label, _message in errors}),
        talent_programs=" ".join(i.program.code for i in incentives if i.names_talent),
        organization_programs=" ".join(i.program.code for i in incentives),
    ), status


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
    action_form = ActionForm(formdata=None)
    action_form.evidence_kind.choices = options(presentation.document_choices(claim))
    return render_template(
        "claims/detail.html",
        claim=view,
        upload=upload,
        may_attach=documents.may_attach(actor, claim),
        # the rejecter of an appealed claim is told why no decision is offered
        not_yours=getattr(
            actions.moves.not_the_rejecter(actor, actions.moves.state_of(claim)), "message", None
        ),
        action_form=action_form,
        confirmed_actions=actions.CONFIRMED,
        people=people_named([claim.filed_by.username] + [h["actor"] for h in view["history"]]),
        budget=_budget_panel(claim) if can(actor, "claim.review_finance") else None,
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
    """Finance corrects a paid amount: a reversal and a new entry, with the reason. Made
    only from its confirmation page (``confirm=yes``), which says what will be booked."""
    actor = current_actor()
    form = CorrectionForm()
    if form.validate_on_submit():
        claim = operations.get_claim(actor, claim_id)
        if form.confirm.data != "yes":
            return _correction_confirmation(claim, form)
        paid = claim.amount_paid
        done = attempt(
            form,
            lambda: corrections.correct_payment(
                actor,
                claim_id,
                amount=form.amount.data,
                reason=form.reason.data,
                bank_reference=form.bank_reference.data or None,
            ),
            None,
        )
        if done:
            flash(
                _(
                    "Claim #%(id)s corrected: %(old)s yuan reversed and %(new)s yuan booked in the ledger.",
                    id=claim_id,
                    old=format_money(paid),
                    new=format_money(form.amount.data),
                ),
                "info",
            )
        else:
            db.session.rollback()
    flash_field_errors(form)
    return redirect(url_for("claims.detail", claim_id=claim_id))


def _correction_confirmation(claim, form: CorrectionForm):
    amount = form.amount.data
    facts = [
        (_("Claim"), _claim_line(claim)),
        (_("Payee"), _payee_words(claim)),
        (_("Paid"), _yuan(claim.amount_paid)),
        (_("Correct amount"), _yuan(amount)),
        (_("Difference"), _yuan(amount - (claim.amount_paid or 0))),
        (_("Reason"), form.reason.data),
        (_("Bank reference"), form.bank_reference.data or _("none (no money moved)")),
    ]
    return render_template(
        "_confirm.html",
        title=_("Correct the paid amount of claim #%(id)s?", id=claim.id),
        question=_(
            "The ledger gets a reversal of %(old)s yuan and a new entry of %(new)s yuan; entries "
            "are never deleted, so this correction stays on the claim's record.",
            old=format_money(claim.amount_paid),
            new=format_money(amount),
        ),
        facts=facts,
        warnings=[],
        hidden=[
            ("amount", str(amount)),
            ("reason", form.reason.data),
            ("bank_reference", form.bank_reference.data or ""),
        ],
        action_url=url_for("claims.correction", claim_id=claim.id),
        confirm_label=_("Yes, book the correction"),
        danger=True,
        back_url=url_for("claims.detail", claim_id=claim.id),
        back_label=_("Back to the claim"),
    )


@bp.route("/<int:claim_id>/documents", methods=["POST"])
@login_required
def upload_document(claim_id):
    actor = current_actor()
    claim = operations.get_claim(actor, claim_id)
    form = UploadForm()
    form.kind.choices = options(presentation.document_choices(claim))
    if form.validate_on_submit():
        if not attempt(
            form,
            lambda: documents.upload(actor, claim_id, kind=form.kind.data, file=form.file.data),
            _("Document attached."),
        ):
            db.session.rollback()
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
    """A move from the claim page. One that cannot be undone (``actions.CONFIRMED``) is made
    only from its confirmation page (``confirm=yes``): without it, the same POST answers
    with that page, and nothing changes. An appeal may carry a new document."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    actor = current_actor()
    action = form.action.data
    back = redirect(url_for("claims.detail", claim_id=claim_id))
    if action in actions.CONFIRMED and form.confirm.data != "yes":
        claim = attempt(
            None, lambda: actions.preflight(actor, claim_id, action=action, comment=form.comment.data), None
        )
        if not claim:
            return back
        return _action_confirmation(actor, claim, form)
    evidence = form.evidence.data if getattr(form.evidence.data, "filename", None) else None
    if action == "appeal" and evidence is not None:
        attached = attempt(
            None, lambda: actions.preflight(actor, claim_id, action=action, comment=form.comment.data), None
        ) and attempt(
            None,
            lambda: documents.upload(actor, claim_id, kind=form.evidence_kind.data, file=evidence),
            None,
        )
        if not attached:
            db.session.rollback()
            return back
    extra = (
        {"documents": form.documents.data, "due_date": form.due_date.data}
        if action == "defer_documents"
        else {}
    )
    claim = attempt(
        None,
        lambda: actions.act(
            actor,
            claim_id,
            action=action,
            comment=form.comment.data or None,
            amount_approved=form.amount_approved.data,
            **extra,
        ),
        None,
    )
    if not claim:
        db.session.rollback()  # a refusal half-way (e.g. the budget) leaves nothing behind
        return back
    flash(_done(claim, action, evidence=evidence is not None, due_date=form.due_date.data), "info")
    return back


def people_named(usernames) -> dict[str, str]:
    """Usernames on a history, by the names people know them by (display name, or the
    username when there is none)."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {u: d or u for u, d in rows}


def _yuan(amount) -> str:
    return _("%(amount)s yuan", amount=format_money(amount)) if amount is not None else "—"


def _due(claim) -> str:
    return format_date(claim.stage_deadline, "yyyy-MM-dd") if claim.stage_deadline else "—"


def _claim_line(claim) -> str:
    program = claim.program
    return f"#{claim.id} · {presentation.localized_name(program)} {program.clause}"


def _payee_words(claim) -> str:
    kind = claim.program.payee_kind.value
    holder = claim.talent if kind == "talent" else claim.organization
    return f"{holder.name if holder else '—'} ({label(PAYEE_KIND, kind)})"


def _done(claim, action: str, *, evidence: bool = False, due_date=None) -> str:
    """What happened, in words, after a move from the claim page."""
    n, due = claim.id, _due(claim)
    amount = format_money(claim.amount_approved)
    if action == "submit":
        return _("Claim #%(id)s submitted: the provincial HR reviews it by %(due)s.", id=n, due=due)
    if action == "withdraw":
        return _("Claim #%(id)s withdrawn: it is closed and no longer reviewed.", id=n)
    if action == "return":
        return _("Claim #%(id)s returned to the applicant, who corrects it by %(due)s.", id=n, due=due)
    if action in ("hr_reject", "finance_reject"):
        return _("Claim #%(id)s rejected: the applicant is told the reason and may appeal once.", id=n)
    if action == "hr_approve" and claim.stage == Stage.HR_SECOND_APPROVAL:
        return _(
            "Claim #%(id)s: %(amount)s yuan set; a senior HR reviewer gives the second approval by %(due)s.",
            id=n,
            amount=amount,
            due=due,
        )
    if action == "hr_approve":
        return _(
            "Claim #%(id)s approved by HR (%(amount)s yuan): finance reviews it by %(due)s.",
            id=n,
            amount=amount,
            due=due,
        )
    if action == "finance_approve":
        return _(
            "Claim #%(id)s approved for payment: %(amount)s yuan reserved on the %(year)s budget line; "
            "it goes into the next payment batch.",
            id=n,
            amount=format_money(claim.amount_committed),
            year=claim.fiscal_year,
        )
    if action == "appeal":
        if evidence:
            return _(
                "Claim #%(id)s appealed with the new document: an HR reviewer other than the one "
                "who rejected it decides by %(due)s.",
                id=n,
                due=due,
            )
        return _(
            "Claim #%(id)s appealed: an HR reviewer other than the one who rejected it decides by %(due)s.",
            id=n,
            due=due,
        )
    if action == "defer_documents":
        return _(
            "Claim #%(id)s accepted with documents to follow by %(date)s.",
            id=n,
            date=format_date(due_date, "yyyy-MM-dd") if due_date else "—",
        )
    return _("Done: %(action)s.", action=presentation.action_label(action))


def _action_confirmation(actor: Actor, claim, form: ActionForm):
    """What the move will do, in words, and the button that makes it."""
    action, comment = form.action.data, (form.comment.data or "").strip()
    n = claim.id
    facts = [(_("Claim"), _claim_line(claim))]
    if claim.organization is not None:
        facts.append((_("Applicant"), claim.organization.name))
    if claim.talent is not None:
        facts.append((_("Talent"), f"{claim.talent.name} ({claim.talent_code})"))
    amount = claim.amount_approved if claim.amount_approved is not None else claim.amount_requested
    facts.append((_("Amount"), _yuan(amount)))
    warnings: list[str] = []
    if action == "withdraw":
        title = _("Withdraw claim #%(id)s?", id=n)
        question = _(
            "The claim is closed and no longer reviewed. A withdrawn claim is not reopened; "
            "to claim again, a new claim is filed."
        )
        confirm = _("Yes, withdraw claim #%(id)s", id=n)
    elif action == "return":
        title = _("Return claim #%(id)s to the applicant?", id=n)
        question = _(
            "The applicant is asked to correct the claim and submit it again; its review stops "
            "until then and any amount set is cleared."
        )
        confirm = _("Yes, return claim #%(id)s", id=n)
    elif action == "finance_approve":
        title = _("Approve claim #%(id)s for payment?", id=n)
        facts.append((_("Payee"), _payee_words(claim)))
        outlook = actions.budget_outlook(claim)
        question = _(
            "%(amount)s yuan is reserved on the budget line and the claim waits for a payment "
            "batch. Only a rejection gives the money back to the line.",
            amount=format_money(claim.amount_approved),
        )
        if outlook is not None:
            facts += _budget_facts(outlook)
            warnings += _budget_warnings(outlook)
        confirm = _("Yes, approve and reserve %(amount)s yuan", amount=format_money(claim.amount_approved))
    else:  # hr_reject, finance_reject
        title = _("Reject claim #%(id)s?", id=n)
        question = _(
            "The claim is closed as rejected and the applicant is told the reason. The applicant "
            "may appeal once; the appeal goes to another HR reviewer."
        )
        outlook = actions.budget_outlook(claim) if action == "finance_reject" else None
        if outlook is not None and outlook["effect"] == "release":
            facts += _budget_facts(outlook)
        confirm = _("Yes, reject claim #%(id)s", id=n)
    if comment:
        facts.append((_("Comment"), comment))
    return render_template(
        "_confirm.html",
        title=title,
        question=question,
        facts=facts,
        warnings=warnings,
        hidden=[("action", action), ("comment", comment)],
        action_url=url_for("claims.act", claim_id=n),
        confirm_label=confirm,
        danger=action != "finance_approve",
        back_url=url_for("claims.detail", claim_id=n),
        back_label=_("Back to the claim"),
    )


def _budget_facts(outlook: dict) -> list[tuple[str, str]]:
    line = _(
        "%(year)s · %(program)s",
        year=outlook["fiscal_year"],
        program=presentation.localized_name(outlook["program"]),
    )
    after = (
        _("Available after approval") if outlook["effect"] == "reserve" else _("Available after rejection")
    )
    return [
        (_("Budget line"), line),
        (_("Allocated"), _yuan(outlook["allocated"])),
        (_("Committed"), _yuan(outlook["committed"])),
        (_("Paid"), _yuan(outlook["paid"])),
        (_("Available now"), _yuan(outlook["available"])),
        (after, _yuan(outlook["after"])),
    ]


def _budget_panel(claim) -> dict | None:
    """Finance's panel on the claim page: the claim's budget line and its state once this
    claim is approved (or, approved already, once rejected)."""
    outlook = actions.budget_outlook(claim)
    if outlook is None:
        return None
    return {"facts": _budget_facts(outlook), "warnings": _budget_warnings(outlook), **outlook}


def _budget_warnings(outlook: dict) -> list[str]:
    if outlook["fits"]:
        return []
    if not outlook["exists"]:
        return [
            _(
                "There is no %(year)s budget line for this incentive: the approval would be refused.",
                year=outlook["fiscal_year"],
            )
        ]
    return [
        _(
            "The budget line has %(available)s yuan left, less than this claim's %(amount)s yuan: "
            "the approval would be refused (budget exhausted).",
            available=format_money(outlook["available"]),
            amount=format_money(outlook["amount"]),
        )
    ]
