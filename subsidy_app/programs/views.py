"""HTML pages of the programs (the plan's incentives)."""
from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required

from ..core.i18n import format_money
from ..core.labels import AMOUNT_RULE, label
from ..users.auth import current_actor
from . import operations

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


@bp.route("/<code>")
@login_required
def detail(code):
    program = operations.get_program(current_actor(), code)
    return render_template("programs/detail.html", program=program,
                           document_names=operations.document_names())
