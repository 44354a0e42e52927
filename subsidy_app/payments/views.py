"""HTML pages of payments: claims awaiting payment, building a batch, approving it (another
finance user), disbursing it, the bank file and the bank's result file."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..claims import operations as claims
from ..claims import presentation
from ..claims.models import ClaimStatus
from ..core.downloads import attachment
from ..core.errors import AppError
from ..core.htmlforms import attempt, options
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..users.auth import current_actor
from . import operations
from .forms import BankResultForm, BatchActionForm, BatchForm

bp = Blueprint("payments", __name__, template_folder="templates", url_prefix="/payments")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    awaiting = [
        presentation.describe(actor, c, full=False)
        for c in claims.db_list(
            claims.visible_claims(actor, status=ClaimStatus.FINANCE_APPROVED, order="newest"), 200
        )
    ]
    form = BatchForm()
    form.claim_ids.choices = options([(c["id"], f"#{c['id']}") for c in awaiting])
    if form.validate_on_submit():
        batch = attempt(None, lambda: operations.create_batch(actor, claim_ids=form.claim_ids.data), None)
        if batch:
            flash(_("Batch %(id)s built: another finance user approves it.", id=batch.id), "info")
            return redirect(url_for("payments.batch", batch_id=batch.id))
    elif request.method == "POST":
        flash(_("Choose at least one claim."), "error")
    page = paginate_html(operations.list_batches(actor), request.args)
    return render_template(
        "payments/index.html", awaiting=awaiting, form=form, page=page, may_build=can(actor, "payment.create")
    )


@bp.route("/batches/<int:batch_id>", methods=["GET", "POST"])
@login_required
def batch(batch_id):
    actor = current_actor()
    form = BatchActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        steps = {
            "approve": lambda: operations.approve_batch(actor, batch_id),
            "disburse": lambda: operations.disburse_batch(
                actor, batch_id, bank_reference=form.bank_reference.data or ""
            ),
        }
        if form.action.data not in steps:
            abort(400)
        attempt(None, steps[form.action.data], _("Done."))
        return redirect(url_for("payments.batch", batch_id=batch_id))
    return render_template(
        "payments/batch.html",
        batch=operations.get_batch(actor, batch_id),
        form=BatchActionForm(formdata=None),
        result_form=BankResultForm(),
    )


@bp.route("/batches/<int:batch_id>/bank-file.csv")
@login_required
def bank_file(batch_id):
    return attachment(
        operations.bank_file(current_actor(), batch_id), "text/csv", f"batch-{batch_id}-bank-file.csv"
    )


@bp.route("/batches/<int:batch_id>/bank-result", methods=["POST"])
@login_required
def bank_result(batch_id):
    form = BankResultForm()
    if form.validate_on_submit():
        try:
            summary = operations.import_bank_result(
                current_actor(), batch_id, form.file.data.read().decode("utf-8-sig")
            )
        except (AppError, UnicodeDecodeError) as exc:
            flash(getattr(exc, "message", _("The file is not UTF-8 text.")), "error")
        else:
            flash(
                _(
                    "Bank result imported: %(paid)s paid, %(failed)s failed.",
                    paid=summary.get("confirmed", 0),
                    failed=summary.get("failed", 0),
                ),
                "info",
            )
            for held in summary.get("needs_review", []):
                flash(
                    _(
                        "Claim %(id)s: the bank reports the payment failed, but it was not "
                        "reversed: %(reason)s Settle it by hand.",
                        id=held["claim_id"],
                        reason=held["reason"],
                    ),
                    "error",
                )
    else:
        flash(_("Choose the bank's result file."), "error")
    return redirect(url_for("payments.batch", batch_id=batch_id))
