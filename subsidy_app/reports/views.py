"""HTML pages of reports: one page with every report and export a click away, and the
downloads behind it (the same services as the API; the blueprint also carries the PDF
templates)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from ..budgets import operations as budgets
from ..core.downloads import attachment, send_temporary
from ..core.errors import invalid
from ..core.permissions import can, require
from ..core.requests import date_arg
from ..core.tabular import XLSX, people_language
from ..core.timeutil import LOCAL_TZ, local_now, local_today
from ..jobs import views as jobs_views
from ..ledger import exports as ledger_exports
from ..ledger import operations as ledger
from ..users.auth import current_actor
from . import bundle, exports, operations, pdf

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


def _year_arg() -> int:
    raw = request.args.get("fiscal_year", "").strip()
    if not raw:
        return budgets.current_fiscal_year()
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise invalid("fiscal_year", _("Give a year between 2000 and 2100."))
    return int(raw)


def _date_arg(name: str):

    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date_arg(raw)
    except ValueError:
        raise invalid({name: [_("Give a date as YYYY-MM-DD.")]}) from None


@bp.route("/")
@login_required
def index():
    actor = current_actor()
    require(actor, "report.read")
    quarter, due = operations.next_quarterly_due()
    return render_template(
        "reports/index.html",
        year=budgets.current_fiscal_year(),
        next_quarter=quarter,
        next_due=due,
        days_left=(due - local_today()).days,
        last_quarter=operations.Quarter.of(local_today()).previous,
        may_read_ledger=can(actor, "ledger.read"),
        may_bundle=can(actor, "audit_bundle.read"),
    )


@bp.route("/budget.<any(csv, xlsx, pdf):fmt>")
@login_required
def budget_download(fmt):
    report = operations.budget_report(current_actor(), _year_arg())
    lang = people_language(request.args.get("lang")) or people_language(get_locale())
    return attachment(*exports.budget_file(report, fmt, current_actor(), lang=lang))


@bp.route("/quarterly.pdf")
@login_required
def quarterly_download():
    quarter = operations.Quarter.parse(request.args.get("quarter", ""))
    report = operations.quarterly_report(current_actor(), quarter)
    return attachment(
        pdf.quarterly_pdf(report, current_actor()), "application/pdf", f"quarterly-{quarter}.pdf"
    )


@bp.route("/ledger.<any(csv, xlsx, pdf):fmt>")
@login_required
def ledger_download(fmt):

    date_from, date_to = _date_arg("from"), _date_arg("to")
    stmt = ledger.entries(
        current_actor(),
        date_from=datetime.combine(date_from, time(), LOCAL_TZ) if date_from else None,
        date_to=datetime.combine(date_to + timedelta(days=1), time(), LOCAL_TZ) if date_to else None,
    )
    if fmt == "csv":
        # a page's download is the CSV for people, in the reader's language
        lang = people_language(request.args.get("lang")) or people_language(get_locale())
        return attachment("".join(ledger_exports.csv_stream(stmt, lang=lang)), "text/csv", "ledger.csv")
    path = ledger_exports.export_to_temporary(
        stmt,
        fmt,
        subtitle=ledger_exports.period_subtitle(date_from, date_to, local_now()),
        by=current_actor(),
    )
    return send_temporary(path, XLSX if fmt == "xlsx" else "application/pdf", f"ledger.{fmt}")


#: Reports that can be made in the background: the parameters of each, from the page's form
#: (the format from the button's address).
JOB_PARAMS = {
    "budget_report": lambda form, args: {
        "fiscal_year": form.get("fiscal_year", ""),
        "format": args.get("format", "pdf"),
        # a page's CSV is the CSV for people, in the reader's language
        **({"lang": people_language(get_locale())} if args.get("format") == "csv" else {}),
    },
    "quarterly_report": lambda form, args: {"quarter": form.get("quarter", ""), "format": "pdf"},
    "audit_bundle": lambda form, args: {},
    "ledger_export": lambda form, args: {
        "format": args.get("format", "csv"),
        **{name: form[name] for name in ("from", "to") if form.get(name)},
        # a page's CSV is the CSV for people, in the reader's language
        **({"lang": people_language(get_locale())} if args.get("format", "csv") == "csv" else {}),
    },
}


@bp.route("/jobs/<any(budget_report, quarterly_report, audit_bundle, ledger_export):kind>", methods=["POST"])
@login_required
def start_job(kind):
    """Make a report in the background, and follow it on the job's page."""
    return jobs_views.start(kind, JOB_PARAMS[kind](request.form, request.args), url_for("reports.index"))


@bp.route("/audit-bundle.zip")
@login_required
def audit_bundle():
    path = bundle.build_bundle(current_actor())
    return send_temporary(path, "application/zip", bundle.filename())
