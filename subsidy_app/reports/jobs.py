"""Reports as jobs: the budget report, the quarterly report, the audit bundle. The file is
kept in the shared storage for whoever may see the job; JSON reports keep their figures."""

from __future__ import annotations

import json
import shutil

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..core.audit import jsonable
from ..jobs.registry import NoParams, job_kind
from . import bundle, exports, operations, pdf
from .schemas import BudgetReportArgs, QuarterlyReportArgs


class BudgetReportJobArgs(BudgetReportArgs):
    #: csv only: the CSV for people in this language (a BOM, headers and names in words);
    #: without it, the machine CSV integrations read
    lang = fields.String(validate=validate.OneOf(["zh", "en"]))


def _write(context, name: str, data: bytes | str) -> dict:
    target = context.output(name)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    context.set_total(1)
    context.progress(1, force=True)
    return {"result_file": name, "bytes": target.stat().st_size}


@job_kind(
    "budget_report",
    start="report.read",
    see="report.read",
    schema=BudgetReportJobArgs,
    label=_l("Budget report"),
    read_only=True,
)
def budget_report(context, *, fiscal_year: int, format: str, lang: str | None = None) -> dict:
    report = operations.budget_report(context.actor, fiscal_year)
    if format == "json":
        data, name = json.dumps(jsonable(report), ensure_ascii=False, indent=1), f"budget-{fiscal_year}.json"
    else:
        data, _mimetype, name = exports.budget_file(report, format, context.actor, lang=lang)
    return {
        **_write(context, name, data),
        "message": _("The budget report for %(year)s is ready.", year=fiscal_year),
    }


def _quarter_given(actor, *, quarter: str, **_p) -> None:
    operations.Quarter.parse(quarter)  # 422 on the field now, not a failed job later


@job_kind(
    "quarterly_report",
    start="report.read",
    see="report.read",
    schema=QuarterlyReportArgs,
    label=_l("Quarterly report"),
    read_only=True,
    precheck=_quarter_given,
)
def quarterly_report(context, *, quarter: str, format: str) -> dict:
    parsed = operations.Quarter.parse(quarter)
    report = operations.quarterly_report(context.actor, parsed)
    if format == "pdf":
        data: bytes | str = pdf.quarterly_pdf(report, context.actor)
    else:
        data = json.dumps(jsonable(report), ensure_ascii=False, indent=1)
    name = f"quarterly-{parsed}.{format}"
    return {
        **_write(context, name, data),
        "message": _("The quarterly report for %(q)s is ready.", q=str(parsed)),
    }


@job_kind(
    "audit_bundle",
    start="audit_bundle.read",
    see="audit_bundle.read",
    schema=NoParams,
    label=_l("Audit bundle"),
    read_only=True,
)
def audit_bundle(context) -> dict:
    context.set_total(1)
    path = bundle.build_bundle(context.actor)
    target = context.output(bundle.filename())
    shutil.move(str(path), target)
    context.progress(1, force=True)
    return {
        "result_file": target.name,
        "bytes": target.stat().st_size,
        "message": _("The audit bundle is ready."),
    }
