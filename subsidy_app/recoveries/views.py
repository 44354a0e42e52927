"""Recovery orders in the browser: open ones first; raising one, HR's decision, a refund."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..claims import operations as claims
from ..core.errors import AppError
from ..core.htmlforms import attempt, options
from ..core.i18n import format_money
from ..core.labels import payee_name, program_name
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..users.auth import current_actor
from . import operations

bp = Blueprint("recoveries", __name__, template_folder="templates", url_prefix="/recoveries")


class RaiseForm(FlaskForm):
    claim_id = IntegerField(_l("Paid claim no."), validators=[DataRequired(), NumberRange(min=1)])
    amount = DecimalField(
        _l("Amount to recover (yuan)"), places=2, validators=[DataRequired(), NumberRange(min=0)]
    )
    source = SelectField(
        _l("Found by"),
        choices=options([("review", _l("review")), ("spot_check", _l("spot check")), ("audit", _l("audit"))]),
    )
    reason = TextAreaField(_l("Why the payment was improper"), validators=[DataRequired(), Length(max=2000)])


class StepForm(FlaskForm):
    order_id = HiddenField(validators=[DataRequired()])
    step = HiddenField(validators=[DataRequired()])
    decision = SelectField(
        choices=options(
            [
                ("offset", _l("offset against the next payment")),
                ("refund", _l("refund")),
                ("written_off", _l("write off")),
            ]
        ),
        validators=[Optional()],
    )
    reason = StringField(validators=[Optional(), Length(max=2000)])
    amount = DecimalField(places=2, validators=[Optional()])
    reference = StringField(validators=[Optional(), Length(max=80)])


def _chosen(field) -> str:
    """The words of the option chosen in a select field."""
    return next((str(c.label) for c in field.choices if c.value == field.data), "")


def _confirm(*, title, question, facts, hidden, confirm_label, danger=False):
    """The confirmation page of a recovery step: what it books, in words; the same POST
    again with ``confirm=yes`` does it."""
    return render_template(
        "_confirm.html",
        title=title,
        question=question,
        facts=facts,
        warnings=[],
        hidden=[(name, "" if value is None else str(value)) for name, value in hidden],
        action_url=url_for("recoveries.index"),
        confirm_label=confirm_label,
        danger=danger,
        back_url=url_for("recoveries.index"),
        back_label=_("No, back to the recovery orders"),
    )


def _raise_step(actor, form, confirmed: bool):
    """Raising an order books a receivable in the ledger and holds the payee's payments."""
    if confirmed:
        return attempt(
            form,
            lambda: operations.raise_order(
                actor,
                claim_id=form.claim_id.data,
                amount=form.amount.data,
                reason=form.reason.data,
                source=form.source.data,
            ),
            _(
                "Recovery order raised: %(amount)s yuan to recover on claim #%(claim)s; payments to the "
                "payee are held until HR decides.",
                amount=format_money(form.amount.data),
                claim=form.claim_id.data,
            ),
        )
    try:
        claim = claims.get_claim(actor, form.claim_id.data)
    except AppError as exc:
        form.claim_id.errors = [exc.message]
        return None
    return _confirm(
        title=_("Raise a recovery order on claim #%(claim)s?", claim=claim.id),
        question=_(
            "The ledger books %(amount)s yuan owed back by the payee (a receivable), and every "
            "new payment to the payee is held until HR decides how it is recovered. A booked "
            "order is not deleted: it is settled by refund, offset or write-off.",
            amount=format_money(form.amount.data),
        ),
        facts=[
            (_("Claim"), f"#{claim.id} · {program_name(claim.program.code)}"),
            (_("Payee"), payee_name(operations.payee_key(claim))),
            (_("Paid"), _("%(amount)s yuan", amount=format_money(claim.amount_paid or 0))),
            (_("Amount to recover (yuan)"), format_money(form.amount.data)),
            (_("Found by"), _chosen(form.source)),
            (_("Why the payment was improper"), form.reason.data),
        ],
        hidden=[
            ("raise-claim_id", form.claim_id.data),
            ("raise-amount", form.amount.data),
            ("raise-source", form.source.data),
            ("raise-reason", form.reason.data),
        ],
        confirm_label=_("Yes, raise the order"),
        danger=True,
    )


def _decide_step(actor, form, order_id: int, confirmed: bool):
    decision = form.decision.data
    words = _chosen(form.decision)
    if confirmed:
        return attempt(
            form,
            lambda: operations.decide(actor, order_id, decision=decision, reason=form.reason.data or ""),
            _("Recovery order #%(id)s decided: %(decision)s.", id=order_id, decision=words),
        )
    try:
        order = operations.get_order(actor, order_id)
    except AppError as exc:
        flash(exc.message, "error")
        return None
    if not (form.reason.data or "").strip():
        flash(_("Give the reason for the decision."), "error")
        return None
    if decision == "written_off":
        question = _(
            "The %(amount)s yuan still owed are written off: the ledger books them back to "
            "subsidy expense, the order is closed and the payee's payments are released. This is "
            "not undone.",
            amount=format_money(order.outstanding),
        )
    else:
        question = _(
            "The order is to be recovered by %(decision)s (%(amount)s yuan outstanding); the "
            "decision is kept on the audit trail and cannot be changed afterwards.",
            decision=words,
            amount=format_money(order.outstanding),
        )
    return _confirm(
        title=_("Decide recovery order #%(id)s?", id=order.id),
        question=question,
        facts=[
            (_("Claim"), f"#{order.claim_id}"),
            (_("Payee"), payee_name(order.payee)),
            (_("Outstanding"), _("%(amount)s yuan", amount=format_money(order.outstanding))),
            (_("Decision"), words),
            (_("Reason"), form.reason.data),
        ],
        hidden=[
            ("step-order_id", order_id),
            ("step-step", "decide"),
            ("step-decision", decision),
            ("step-reason", form.reason.data),
        ],
        confirm_label=_("Yes, decide: %(decision)s", decision=words),
        danger=decision == "written_off",
    )


def _refund_step(actor, form, order_id: int, confirmed: bool):
    amount = form.amount.data
    if confirmed:
        return attempt(
            form,
            lambda: operations.record_refund(
                actor, order_id, amount=amount, reference=form.reference.data or ""
            ),
            _(
                "Refund of %(amount)s yuan recorded on recovery order #%(id)s.",
                amount=format_money(amount or 0),
                id=order_id,
            ),
        )
    try:
        order = operations.get_order(actor, order_id)
    except AppError as exc:
        flash(exc.message, "error")
        return None
    if amount is None or not (form.reference.data or "").strip():
        flash(_("Give the amount refunded and the bank reference of the refund."), "error")
        return None
    return _confirm(
        title=_("Record a refund on recovery order #%(id)s?", id=order.id),
        question=_(
            "The ledger books %(amount)s yuan received from the payee against what they owe; a "
            "booked refund is not deleted (a mistake is corrected by a new entry).",
            amount=format_money(amount),
        ),
        facts=[
            (_("Claim"), f"#{order.claim_id}"),
            (_("Payee"), payee_name(order.payee)),
            (_("Outstanding"), _("%(amount)s yuan", amount=format_money(order.outstanding))),
            (_("Refunded"), _("%(amount)s yuan", amount=format_money(amount))),
            (_("Bank reference"), form.reference.data),
        ],
        hidden=[
            ("step-order_id", order_id),
            ("step-step", "refund"),
            ("step-amount", amount),
            ("step-reference", form.reference.data),
        ],
        confirm_label=_("Yes, record %(amount)s yuan refunded", amount=format_money(amount)),
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    raise_form, step = RaiseForm(prefix="raise"), StepForm(prefix="step")
    status = 200
    if request.method == "POST":
        confirmed = request.form.get("confirm") == "yes"
        done = None
        if "raise-claim_id" in request.form and raise_form.validate_on_submit():
            done = _raise_step(actor, raise_form, confirmed)
        elif "step-order_id" in request.form and step.validate_on_submit() and step.order_id.data.isdigit():
            order_id = int(step.order_id.data)
            if step.step.data == "decide":
                done = _decide_step(actor, step, order_id, confirmed)
            elif step.step.data == "refund":
                done = _refund_step(actor, step, order_id, confirmed)
        if done is True or (done is not None and not isinstance(done, str)):
            return redirect(url_for("recoveries.index"))
        if isinstance(done, str):
            return done  # the confirmation page
        status = 422
    page = paginate_html(operations.list_orders(actor), request.args)
    return render_template(
        "recoveries/index.html",
        page=page,
        raise_form=raise_form,
        step=StepForm(formdata=None, prefix="step"),
        may_raise=can(actor, "recovery.raise"),
        may_decide=can(actor, "recovery.decide"),
        may_refund=can(actor, "recovery.refund"),
    ), status
