"""Recusal (回避): reviewers declare their conflicts; HR records them for others."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import attempt, options
from ..core.pagination import paginate_html
from ..users.auth import current_actor
from . import operations

bp = Blueprint("conflicts", __name__, template_folder="templates", url_prefix="/conflicts")


class ConflictForm(FlaskForm):
    subject_kind = SelectField(
        _l("Subject"), choices=options([("organization", _l("Organisation")), ("talent", _l("Talent"))])
    )
    subject_id = StringField(
        _l("Organisation id or talent code"), validators=[DataRequired(), Length(max=20)]
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    reviewer_id = IntegerField(
        _l("For another reviewer (user id, HR only)"), validators=[Optional(), NumberRange(min=1)]
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    form = ConflictForm()
    status = 200
    if form.validate_on_submit():
        if attempt(
            form,
            lambda: operations.declare(
                actor,
                subject_kind=form.subject_kind.data,
                subject_id=form.subject_id.data.strip(),
                reason=form.reason.data,
                reviewer_id=form.reviewer_id.data,
            ),
            _("Conflict declared: you will not see or act on those claims."),
        ):
            return redirect(url_for("conflicts.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    page = paginate_html(operations.list_conflicts(actor, active=True), request.args)
    return render_template("conflicts/index.html", page=page, form=form), status


@bp.route("/<int:conflict_id>/end", methods=["POST"])
@login_required
def end(conflict_id):
    """A conflict ends with its reason (the reviewer may see and act on those claims again)."""
    if FlaskForm().validate_on_submit():
        attempt(
            None,
            lambda: operations.end(current_actor(), conflict_id, reason=request.form.get("reason", "")),
            _("The conflict has ended."),
        )
    return redirect(url_for("conflicts.index"))
