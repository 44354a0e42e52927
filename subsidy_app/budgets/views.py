"""The budget dashboard: per program, allocated / committed / paid, with a bar each."""
from flask import Blueprint, render_template, request
from flask_login import login_required

from ..reports import operations as reports
from ..users.auth import current_actor
from . import operations

bp = Blueprint("budgets", __name__, template_folder="templates", url_prefix="/budgets")


@bp.route("/")
@login_required
def index():
    year = request.args.get("fiscal_year", type=int) or operations.current_fiscal_year()
    year = min(max(year, 2000), 2100)
    report = reports.budget_report(current_actor(), year)
    return render_template("budgets/index.html", report=report, year=year)
