"""HTML pages of the programs (the plan's incentives)."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.htmlforms import attempt, options
from ..core.i18n import format_money
from ..core.labels import AMOUNT_RULE, label
from ..core.permissions import can
from ..users.auth import current_actor
from . import operations
from .forms import BenchmarkForm, RateForm

bp = Blueprint("programs", __name__, template_folder="templates", url_prefix="/programs")


@bp.app_template_global()
def amount_label(program) -> str:
    """The amount of a program as people read it: the rate, the ceiling, or the rule."""
    rate = operations.current_rate(program)
    if rate is not None:
        return format_money(rate)
    ceiling = operations.current_ceiling(program)
    if ceiling is not None:
        text = _("up to %(amount)s", amount=format_money(ceiling.amount))
        return text + (" " + _("(default)") if ceiling.is_default else "")
    return label(AMOUNT_RULE, program.amount_rule)


@bp.route("/")
@login_required
def index():
    return render_template("programs/index.html", programs=operations.list_programs(current_actor()))


@bp.route("/<code>", methods=["GET", "POST"])
@login_required
def detail(code):
    """A program with its rules, documents and rate history; administrators add a rate
    from a date (a new row with its reason, never an edit)."""
    actor = current_actor()
    form = RateForm(prefix="rate")
    benchmark = BenchmarkForm(prefix="benchmark")
    status = 200
    program = operations.get_program(actor, code)
    benchmark.category.choices = options([(c, c) for c in program.benchmark_categories or []])
    if "benchmark-province" in request.form and benchmark.validate_on_submit():
        if attempt(
            benchmark,
            lambda: operations.record_benchmark(
                actor,
                program_code=code,
                category=benchmark.category.data,
                province=benchmark.province.data,
                amount=benchmark.amount.data,
                effective_from=benchmark.effective_from.data,
                source=benchmark.source.data,
            ),
            _("Standard recorded."),
        ):
            return redirect(url_for("programs.detail", code=code))
        status = 422
    elif "rate-amount" in request.form and form.validate_on_submit():
        if attempt(
            form,
            lambda: operations.change_rate(
                actor,
                code,
                kind=form.kind.data,
                amount=form.amount.data,
                effective_from=form.effective_from.data,
                reason=form.reason.data,
            ),
            _("New rate recorded."),
        ):
            return redirect(url_for("programs.detail", code=code))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "programs/detail.html",
        program=program,
        form=form,
        benchmark=benchmark,
        benchmarks=operations.benchmark_rows(program) if program.benchmark_categories else None,
        may_record_benchmark=can(actor, "benchmark.record") and bool(program.benchmark_categories),
        may_change=can(actor, "program.change_rate"),
        document_names=operations.document_names(),
    ), status
