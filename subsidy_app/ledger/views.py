"""The ledger browser and its verification, for finance and auditors."""

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_login import login_required

from ..budgets import operations as budgets
from ..core import labels
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..core.requests import date_arg, id_arg
from ..core.timeutil import LOCAL_TZ
from ..jobs import views as jobs_views
from ..users.auth import acting_user
from . import operations

bp = Blueprint("ledger", __name__, template_folder="templates", url_prefix="/ledger")


def _date(name: str):
    return request.args.get(name, type=date_arg)


@bp.route("/")
@login_required
def index():
    date_from, date_to = _date("from"), _date("to")
    claim_id = request.args.get("claim_id", type=id_arg)
    stmt = operations.entries(
        acting_user(),
        date_from=datetime.combine(date_from, time(), LOCAL_TZ) if date_from else None,
        date_to=datetime.combine(date_to + timedelta(days=1), time(), LOCAL_TZ) if date_to else None,
        claim_id=claim_id,
        program_code=request.args.get("program") or None,
        account=request.args.get("account") or None,
    )
    page = paginate_html(stmt, request.args, per_page=50)
    # the payees of the page by name in two statements, not one per row (payee_name then reads them)
    labels.payee_names(e.payee for e in page.items)
    return render_template(
        "ledger/index.html",
        page=page,
        date_from=date_from,
        date_to=date_to,
        may_verify=can(acting_user(), "ledger.verify"),
    )


@bp.route("/exports", methods=["POST"])
@login_required
def export():
    """Export the entries of the page's period (CSV, Excel or PDF) as a job."""
    period: dict[str, Any] = {name: request.form[name] for name in ("from", "to") if request.form.get(name)}
    params = {"format": request.form.get("format", ""), **period}
    if params["format"] == "csv":  # the page offers the CSV for people, in the reader's language
        params["lang"] = "en" if str(get_locale() or "zh").startswith("en") else "zh"
    return jobs_views.start("ledger_export", params, url_for("ledger.index", **period))


@bp.route("/verification", methods=["POST"])
@login_required
def verification():
    """Verify the whole ledger (chain, balances, budget lines) as a job."""
    return jobs_views.start("ledger_verification", {}, url_for("ledger.index"))


@bp.route("/verify")
@login_required
def verify():
    result = operations.verify(acting_user())
    drift = budgets.drift()
    return render_template("ledger/verify.html", result=result, drift=drift)
