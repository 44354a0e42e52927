"""Payee bank accounts in the pages: what waits for HR, and confirming or refusing it. The
talent's and the organisation's pages show their account with ``_account.html``."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.bankforms import BankAccountDecisionForm
from ..core.htmlforms import attempt, flash_field_errors
from ..core.pagination import paginate_html
from ..core.permissions import Actor
from ..subjects.kinds import SubjectKind
from ..users.auth import current_actor
from . import operations
from .models import ChangeStatus

bp = Blueprint("bankaccounts", __name__, template_folder="templates", url_prefix="/bank-accounts")


def account_context(actor: Actor, subject, kind: str) -> dict:
    """What ``bankaccounts/_account.html`` shows on a payee's page."""
    pending = operations.pending_change(subject)
    return {
        "payee": subject,
        "payee_kind": kind,
        "payee_id": subject.id if kind == SubjectKind.ORGANIZATION else subject.talent_code,
        "bank_pending": pending,
        "bank_last": operations.last_effective_change(subject),
        "bank_may_decide": operations.may_decide(actor, pending),
        "bank_decision": BankAccountDecisionForm(formdata=None),
    }


def saved_message(change) -> str:
    if change.status == ChangeStatus.PENDING:
        return _(
            "Proposed: the new account awaits confirmation by HR. Until then payments go "
            "to the account in effect."
        )
    return _("Saved: the new account is in effect.")


@bp.route("/")
@login_required
def index():
    """Account changes, those waiting for HR first (``?status=``)."""
    actor = current_actor()
    status = request.args.get("status", "pending")
    status = ChangeStatus(status) if status in set(ChangeStatus) else None
    page = paginate_html(operations.visible_changes(actor, status=status), request.args)
    return render_template(
        "bankaccounts/index.html",
        page=page,
        status=status,
        may_decide=lambda change: operations.may_decide(actor, change),
        decision=BankAccountDecisionForm(formdata=None),
    )


@bp.route("/<any(organization, talent):kind>/<subject_id>/decision", methods=["POST"])
@login_required
def decide(kind, subject_id):
    """Confirm or refuse the pending change of a payee's account (HR), then back to the page
    it was decided on."""
    actor = current_actor()
    form = BankAccountDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    if form.action.data == "confirm":
        attempt(
            form,
            lambda: operations.confirm(actor, kind, subject_id, change_id=form.change_id.data),
            _("Confirmed: the new account is in effect."),
        )
    elif not (form.reason.data or "").strip():
        flash(_("Say why the change is refused."), "error")
    else:
        attempt(
            form,
            lambda: operations.reject(
                actor, kind, subject_id, reason=form.reason.data, change_id=form.change_id.data
            ),
            _("Refused: the account in effect stays."),
        )
    flash_field_errors(form)
    if request.form.get("back") == "list":
        return redirect(url_for("bankaccounts.index"))
    if kind == SubjectKind.ORGANIZATION:
        return redirect(
            url_for("organizations.detail", organization_id=int(subject_id))
            if subject_id.isdigit()
            else url_for("bankaccounts.index")
        )
    return redirect(url_for("talents.detail", code=subject_id))
