"""Spot checks in the browser: roster, plan, draws, verification and results."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm

from ..core.htmlforms import attempt
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..core.timeutil import local_today
from ..users.auth import current_actor
from . import operations
from .forms import DrawForm, InspectorForm, PlanForm, ResultForm

bp = Blueprint("inspections", __name__, template_folder="templates", url_prefix="/inspections")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    inspector_form, plan_form, draw_form = (
        InspectorForm(prefix="inspector"),
        PlanForm(prefix="plan"),
        DrawForm(prefix="draw"),
    )
    status = 200
    if request.method == "POST":
        done = None
        if "inspector-user_id" in request.form and inspector_form.validate_on_submit():
            done = attempt(
                inspector_form,
                lambda: operations.add_inspector(
                    actor, user_id=inspector_form.user_id.data, field=inspector_form.field.data
                ),
                _("Added to the roster."),
            )
        elif "plan-year" in request.form and plan_form.validate_on_submit():
            done = attempt(
                plan_form,
                lambda: operations.create_plan(
                    actor, year=plan_form.year.data, matters=plan_form.matters.data.splitlines()
                ),
                _("Plan saved."),
            )
        elif "draw-population" in request.form and draw_form.validate_on_submit():
            rehearsal_seed = (draw_form.seed.data or "").strip() or None
            if rehearsal_seed is None and request.form.get("confirm") != "yes":
                # an official draw is asked first (what the ratio must be is said now)
                if attempt(draw_form, lambda: operations.checked_ratio(draw_form.ratio.data), None):
                    return _ask_official_draw(draw_form)
                record = None
            else:
                record = attempt(
                    draw_form,
                    lambda: operations.make_draw(
                        actor,
                        population=draw_form.population.data,
                        ratio=draw_form.ratio.data,
                        seed=rehearsal_seed,
                    ),
                    _("Rehearsal drawn (演练): it is not an official draw.")
                    if rehearsal_seed
                    else _(
                        "Official draw made: its seed was made by the server and recorded before the draw."
                    ),
                )
            if record:
                return redirect(url_for("inspections.draw", draw_id=record.id))
        if done:
            return redirect(url_for("inspections.index"))
        status = 422
    year = local_today().year
    plan = operations.find_plan(actor, year)
    if plan_form.year.data is None:
        plan_form.year.data = year
    rehearsals = bool(request.args.get("rehearsals"))
    return render_template(
        "inspections/index.html",
        roster=list(operations.db_all(operations.list_inspectors(actor))),
        draws=paginate_html(operations.list_draws(actor, rehearsal=rehearsals), request.args),
        rehearsals=rehearsals,
        plan=plan,
        year=year,
        inspector_form=inspector_form,
        plan_form=plan_form,
        draw_form=draw_form,
        may_draw=can(actor, "inspection.draw"),
        may_manage=can(actor, "inspector.manage"),
    ), status


@bp.route("/inspectors/<int:inspector_id>/remove", methods=["POST"])
@login_required
def remove_inspector(inspector_id):

    if FlaskForm().validate_on_submit():
        attempt(
            None,
            lambda: operations.remove_inspector(
                current_actor(), inspector_id, reason=request.form.get("reason", "")
            ),
            _("Taken off the roster."),
        )
    return redirect(url_for("inspections.index"))


@bp.route("/draws/<int:draw_id>", methods=["GET", "POST"])
@login_required
def draw(draw_id):
    actor = current_actor()
    form = ResultForm()
    if request.method == "POST":
        if form.validate_on_submit():
            if attempt(
                form,
                lambda: operations.record_result(
                    actor,
                    form.item_id.data,
                    outcome=form.outcome.data,
                    findings=form.findings.data,
                    propose_listing=form.propose_listing.data or None,
                ),
                _("Result recorded."),
            ):
                return redirect(url_for("inspections.draw", draw_id=draw_id))
        else:
            flash(_("Describe what was checked and found."), "error")
    record = operations.get_draw(actor, draw_id)
    verification = operations.verify_draw(record) if request.args.get("verify") else None
    subjects = operations.describe_objects((i.object_kind, i.object_id) for i in record.items)
    return render_template(
        "inspections/draw.html",
        draw=record,
        verification=verification,
        subjects=subjects,
        seed_event=operations.seed_event(record),
        form=ResultForm(formdata=None),
        me=actor.id,
    )


def _ask_official_draw(form):
    """An official draw is made once and kept: asked first, saying what it draws."""
    population = next((str(c.label) for c in form.population.choices if c.value == form.population.data), "")
    return render_template(
        "_confirm.html",
        title=_("Make the official draw?"),
        question=_(
            "The server makes the seed and records it, then draws at least %(percent)s %% of the "
            "registry of %(population)s and assigns inspectors at random. An official draw is "
            "published as it falls: it cannot be drawn again or undone.",
            percent=f"{form.ratio.data * 100:.2f}".rstrip("0").rstrip("."),
            population=population,
        ),
        facts=[(_("Registry of inspection objects"), population), (_("Ratio"), str(form.ratio.data))],
        warnings=[],
        hidden=[
            ("draw-population", form.population.data),
            ("draw-ratio", str(form.ratio.data)),
            ("draw-seed", ""),
        ],
        action_url=url_for("inspections.index"),
        confirm_label=_("Yes, make the official draw"),
        danger=True,
        back_url=url_for("inspections.index"),
        back_label=_("No, go back"),
    )
