from datetime import datetime, time, timedelta

from flask import Response, request, stream_with_context
from flask.views import MethodView

from ..core.api import CSV, PDF, Blueprint
from ..core.downloads import send_temporary
from ..core.pagination import page_schema, paginate
from ..core.tabular import XLSX, people_language
from ..core.timeutil import LOCAL_TZ, local_now
from ..jobs import operations as jobs
from ..jobs.api import accepted
from ..jobs.schemas import JobSchema
from ..users.auth import acting_user
from . import exports, operations
from .jobs import LedgerExportSchema, verify_everything
from .schemas import EntrySchema, LedgerArgs, VerificationSchema

blp = Blueprint("ledger_api", __name__, description="The append-only, hash-chained ledger")


def _start_of(day, plus_days: int = 0):
    return datetime.combine(day + timedelta(days=plus_days), time(), LOCAL_TZ) if day else None


@blp.route("/ledger")
class Ledger(MethodView):
    @blp.arguments(LedgerArgs, location="query")
    @blp.response(200, page_schema(EntrySchema))
    @blp.file_response(
        CSV,
        XLSX,
        PDF,
        json_too=True,
        description="A page of entries (JSON), or with format=csv|xlsx|pdf the whole range as a file",
    )
    def get(self, args):
        """Entries in order (``from``/``to`` are Beijing dates, inclusive); ``format=csv``
        for the whole range as a file."""
        stmt = operations.entries(
            acting_user(),
            date_from=_start_of(args["date_from"]),
            date_to=_start_of(args["date_to"], 1),
            claim_id=args["claim_id"],
            program_code=args["program_code"],
            fiscal_year=args["fiscal_year"],
            account=args["account"],
        )
        if args["format"] == "csv":
            # the machine CSV (English column names, no BOM); with lang=zh|en the CSV for people
            lang = people_language(request.args.get("lang"))
            response = Response(stream_with_context(exports.csv_stream(stmt, lang=lang)), mimetype="text/csv")
            response.headers["Content-Disposition"] = "attachment; filename=ledger.csv"
            return response
        if args["format"] in ("xlsx", "pdf"):
            return _file(stmt, args)
        return paginate(stmt, args["page"], args["per_page"])


def _file(stmt, args):
    """Excel or PDF: written to a temporary file (write-only workbook, canvas drawn page by
    page), then sent from disk."""
    fmt = args["format"]
    path = exports.export_to_temporary(
        stmt,
        fmt,
        subtitle=exports.period_subtitle(args["date_from"], args["date_to"], local_now()),
        by=acting_user(),
    )
    return send_temporary(path, XLSX if fmt == "xlsx" else "application/pdf", f"ledger.{fmt}")


@blp.route("/ledger/exports")
class LedgerExports(MethodView):
    @blp.arguments(LedgerExportSchema)
    @blp.response(202, JobSchema, headers={"Location": {"schema": {"type": "string"}}})
    def post(self, data):
        """Export the ledger as a job (finance, auditors): ``{format: csv|xlsx|pdf, from?, to?}``
        answers 202 with the job; its ``result_url`` downloads the file when it is done."""
        raw = LedgerExportSchema().dump(data)
        return accepted(jobs.submit(acting_user(), "ledger_export", raw))


@blp.route("/ledger/verify")
class LedgerVerify(MethodView):
    @blp.response(200, VerificationSchema)
    def get(self):
        """Recompute the chain: {ok, entries, first_bad_entry} (and whether every transaction
        balances and the budget lines agree with the ledger)."""
        return verify_everything(acting_user())
