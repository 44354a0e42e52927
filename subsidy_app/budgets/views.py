"""The budget dashboard: per program, allocated / committed / paid, with a bar each."""

from decimal import Decimal

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.htmlforms import attempt, options
from ..core.i18n import format_money
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
        confirmed = request.form.get("confirm") == "yes"
        done = None
        if "allocate-amount" in request.form and allocation.validate_on_submit():
            if not confirmed:
                asked = _ask(actor, year, allocation, "allocate")
                if asked is not None:
                    return asked
            done = attempt(
                allocation,
                lambda: operations.allocate(
                    actor,
                    fiscal_year=year,
                    program_code=allocation.program_code.data,
                    amount=allocation.amount.data,
                    reason=allocation.reason.data or None,
                ),
                _(
                    "%(program)s: %(amount)s yuan allocated for %(year)s.",
                    program=_chosen(allocation.program_code),
                    amount=format_money(allocation.amount.data),
                    year=year,
                ),
            )
        elif "adjust-amount" in request.form and adjustment.validate_on_submit():
            if not confirmed:
                asked = _ask(actor, year, adjustment, "adjust")
                if asked is not None:
                    return asked
            done = attempt(
                adjustment,
                lambda: operations.adjust_program(
                    actor,
                    fiscal_year=year,
                    program_code=adjustment.program_code.data,
                    amount=adjustment.amount.data,
                    reason=adjustment.reason.data,
                ),
                _(
                    "%(program)s: the %(year)s budget changed by %(amount)s yuan.",
                    program=_chosen(adjustment.program_code),
                    amount=format_money(adjustment.amount.data),
                    year=year,
                ),
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


def _chosen(field) -> str:
    return next((str(c.label) for c in field.choices if c.value == field.data), "")


def _ask(actor, year: int, form, kind: str):
    """The confirmation page of an allocation or adjustment: the line before and after (the
    ledger entry is never undone, only adjusted again). None: nothing to ask (what the
    operation will refuse is said by the operation, on the form)."""
    code, amount = form.program_code.data, form.amount.data
    line = next(
        (p for p in reports.budget_report(actor, year)["programs"] if p["program_code"] == code), None
    )
    if (kind == "allocate") == (line is not None):
        return None  # allocated already / nothing to adjust: the operation says so
    allocated = line["allocated"] if line else Decimal("0")
    available = line["available"] if line else Decimal("0")
    facts = [
        (_("Incentive"), _chosen(form.program_code)),
        (_("Fiscal year"), str(year)),
        (_("Amount (yuan)") if kind == "allocate" else _("Change (yuan)"), format_money(amount)),
        (_("Allocated"), f"{format_money(allocated)} → {format_money(allocated + amount)}"),
        (_("Available"), f"{format_money(available)} → {format_money(available + amount)}"),
    ]
    if line:
        facts.insert(4, (_("Committed"), format_money(line["committed"])))
    facts.append((_("Reason"), form.reason.data or "—"))
    prefix = f"{kind}-"
    return render_template(
        "_confirm.html",
        title=(
            _("Allocate the %(year)s budget of %(program)s?", year=year, program=_chosen(form.program_code))
            if kind == "allocate"
            else _(
                "Change the %(year)s budget of %(program)s?", year=year, program=_chosen(form.program_code)
            )
        ),
        question=_(
            "The ledger books this as a dated entry with its reason; it is never changed or deleted "
            "afterwards (a mistake is corrected by another adjustment)."
        ),
        facts=facts,
        warnings=[],
        hidden=[
            (f"{prefix}program_code", code),
            (f"{prefix}amount", str(amount)),
            (f"{prefix}reason", form.reason.data or ""),
        ],
        action_url=url_for("budgets.index", fiscal_year=year),
        confirm_label=_("Yes, book %(amount)s yuan", amount=format_money(amount)),
        danger=False,
        back_url=url_for("budgets.index", fiscal_year=year),
        back_label=_("No, back to the budget"),
    )
