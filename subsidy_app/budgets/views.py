"""The budget dashboard: per program, allocated / committed / paid, with a bar each."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.htmlforms import attempt, options
from ..core.permissions import can
from ..core.templating import localized
from ..programs import operations as programs
from ..reports import operations as reports
from ..users.auth import current_actor
from . import operations
from .forms import AdjustmentForm, AllocationForm

bp = Blueprint("budgets", __name__, template_folder="templates", url_prefix="/budgets")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """The dashboard; finance allocates a program's budget for the year or adjusts it (a new
    dated entry with its reason, never an overwrite)."""
    actor = current_actor()
    year = request.args.get("fiscal_year", type=int) or operations.current_fiscal_year()
    year = min(max(year, 2000), 2100)
    allocation, adjustment = AllocationForm(prefix="allocate"), AdjustmentForm(prefix="adjust")
    pairs = [(p.code, localized(p, "name")) for p in programs.list_programs(actor)]
    allocation.program_code.choices, adjustment.program_code.choices = options(pairs), options(pairs)
    status = 200
    if request.method == "POST":
        done = None
        if "allocate-amount" in request.form and allocation.validate_on_submit():
            done = attempt(
                allocation,
                lambda: operations.allocate(
                    actor,
                    fiscal_year=year,
                    program_code=allocation.program_code.data,
                    amount=allocation.amount.data,
                    reason=allocation.reason.data or None,
                ),
                _("Allocated."),
            )
        elif "adjust-amount" in request.form and adjustment.validate_on_submit():
            done = attempt(
                adjustment,
                lambda: operations.adjust_program(
                    actor,
                    fiscal_year=year,
                    program_code=adjustment.program_code.data,
                    amount=adjustment.amount.data,
                    reason=adjustment.reason.data,
                ),
                _("Adjusted."),
            )
        if done:
            return redirect(url_for("budgets.index", fiscal_year=year))
        status = 422
    report = reports.budget_report(actor, year)
    history = operations.history_of_year(actor, year)
    return render_template(
        "budgets/index.html",
        report=report,
        year=year,
        allocation=allocation,
        history=history,
        adjustment=adjustment,
        may_change=can(actor, "budget.allocate"),
    ), status
