from flask import request
from flask.views import MethodView

from ..core.api import CSV, PDF, ZIP, Blueprint
from ..core.downloads import attachment, send_temporary
from ..core.tabular import XLSX, people_language
from ..users.auth import current_actor
from . import bundle, exports, operations, pdf
from .schemas import BudgetReportArgs, BudgetReportSchema, QuarterlyReportArgs, QuarterlyReportSchema

blp = Blueprint("reports_api", __name__, description="Reports: budget, quarterly, audit bundle")


@blp.route("/reports/budget")
class BudgetReport(MethodView):
    @blp.arguments(BudgetReportArgs, location="query")
    @blp.response(200, BudgetReportSchema)
    @blp.file_response(
        CSV, XLSX, PDF, json_too=True, description="The report (JSON), or with format=csv|xlsx|pdf as a file"
    )
    def get(self, args):
        """Allocated, committed, paid, available, claims and persons per program and in
        total for a fiscal year; ``format`` json, csv, xlsx or pdf."""
        report = operations.budget_report(current_actor(), args["fiscal_year"])
        if args["format"] != "json":
            # csv: the machine CSV; with lang=zh|en the CSV for people
            lang = people_language(request.args.get("lang"))
            return attachment(*exports.budget_file(report, args["format"], current_actor(), lang=lang))
        return report


@blp.route("/reports/quarterly")
class QuarterlyReport(MethodView):
    @blp.arguments(QuarterlyReportArgs, location="query")
    @blp.response(200, QuarterlyReportSchema)
    @blp.file_response(PDF, description="The report (JSON), or with format=pdf as a PDF", json_too=True)
    def get(self, args):
        """The quarterly report to the national bureau (外专发明电[2018]3号), with its due
        date: the 15th of the first month of the following quarter; ``format`` json or pdf."""
        quarter = operations.Quarter.parse(args["quarter"])
        report = operations.quarterly_report(current_actor(), quarter)
        if args["format"] == "pdf":
            return attachment(
                pdf.quarterly_pdf(report, current_actor()), "application/pdf", f"quarterly-{quarter}.pdf"
            )
        return report


@blp.route("/reports/audit-bundle")
class AuditBundle(MethodView):
    @blp.file_response(ZIP, description="The audit bundle (ZIP)")
    def get(self):
        """One ZIP: the ledger CSV, the budget reports, SHA256SUMS, the chain's head hash,
        an offline verification script and a README (auditors, administrators)."""
        path = bundle.build_bundle(current_actor())
        return send_temporary(path, "application/zip", bundle.filename())
