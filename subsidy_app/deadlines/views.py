"""Time limits of the stages and the working calendar (限时办结): read by all staff,
changed by administrators from a date, with the reason."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from ..core.htmlforms import attempt, options
from ..core.labels import STAGE, label
from ..core.permissions import can
from ..core.timeutil import local_today
from ..users.auth import current_actor
from . import operations

bp = Blueprint("deadlines", __name__, template_folder="templates", url_prefix="/deadlines")


class LimitForm(FlaskForm):
    stage = SelectField(_l("Stage"), choices=[])
    working_days = IntegerField(_l("Working days"), validators=[DataRequired(), NumberRange(min=1, max=365)])
    effective_from = DateField(_l("Effective from"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason (the decision or document)"), validators=[DataRequired(), Length(max=2000)]
    )


class DayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    kind = SelectField(
        _l("Kind of day"),
        choices=options([("holiday", _l("public holiday")), ("workday", _l("worked weekend day"))]),
    )
    name = StringField(
        _l("Name (from the State Council notice)"), validators=[DataRequired(), Length(max=100)]
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    limit, day = LimitForm(prefix="limit"), DayForm(prefix="day")
    limit.stage.choices = options([(s, stage_name(s)) for s in operations.known_stages()])
    status = 200
    if request.method == "POST":
        done = None
        if "limit-stage" in request.form and limit.validate_on_submit():
            done = attempt(
                limit,
                lambda: operations.change_time_limit(
                    actor,
                    stage=limit.stage.data,
                    working_days=limit.working_days.data,
                    effective_from=limit.effective_from.data,
                    reason=limit.reason.data,
                ),
                _("Saved."),
            )
        elif "day-day" in request.form and day.validate_on_submit():
            done = attempt(
                day,
                lambda: operations.set_calendar_day(
                    actor, day=day.day.data, kind=day.kind.data, name=day.name.data
                ),
                _("Saved."),
            )
        if done:
            return redirect(url_for("deadlines.index"))
        status = 422
    year = request.args.get("year", type=int) or local_today().year
    return render_template(
        "deadlines/index.html",
        limits=operations.list_time_limits(actor),
        days=operations.list_calendar(actor, min(max(year, 2000), 2100)),
        year=year,
        limit=limit,
        day=day,
        may_change=can(actor, "deadline.change"),
    ), status


def stage_name(stage: str) -> str:

    return label(STAGE, stage)
