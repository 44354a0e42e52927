"""Recovery orders in the browser: open ones first; raising one, HR's decision, a refund."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import attempt, options
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


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    raise_form, step = RaiseForm(prefix="raise"), StepForm(prefix="step")
    status = 200
    if request.method == "POST":
        done = None
        if "raise-claim_id" in request.form and raise_form.validate_on_submit():
            done = attempt(
                raise_form,
                lambda: operations.raise_order(
                    actor,
                    claim_id=raise_form.claim_id.data,
                    amount=raise_form.amount.data,
                    reason=raise_form.reason.data,
                    source=raise_form.source.data,
                ),
                _("Recovery order raised."),
            )
        elif "step-order_id" in request.form and step.validate_on_submit():
            order_id = int(step.order_id.data)
            if step.step.data == "decide":
                done = attempt(
                    step,
                    lambda: operations.decide(
                        actor, order_id, decision=step.decision.data, reason=step.reason.data or ""
                    ),
                    _("Decided."),
                )
            elif step.step.data == "refund":
                done = attempt(
                    step,
                    lambda: operations.record_refund(
                        actor, order_id, amount=step.amount.data, reference=step.reference.data or ""
                    ),
                    _("Refund recorded."),
                )
        if done:
            return redirect(url_for("recoveries.index"))
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
