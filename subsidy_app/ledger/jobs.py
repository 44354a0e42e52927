"""The ledger's long work: exports in every format, and verification of the whole chain."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from sqlalchemy import func, select

from ..budgets import operations as budgets
from ..core.errors import invalid
from ..core.schemas import BaseSchema, Date
from ..core.timeutil import local_now
from ..extensions import db
from ..jobs.registry import NoParams, job_kind
from . import exports, operations


class LedgerExportSchema(BaseSchema):
    format = fields.String(required=True, validate=validate.OneOf(["csv", "xlsx", "pdf"]))
    date_from = Date(data_key="from", load_default=None)
    date_to = Date(data_key="to", load_default=None)
    #: csv only: the CSV for people in this language (a BOM, headers and values in words)
    lang = fields.String(validate=validate.OneOf(["zh", "en"]))


def _check_period(actor, *, date_from, date_to, **_params) -> None:
    operations.entries(actor)  # ledger.read
    if date_from and date_to and date_to < date_from:
        raise invalid("to", _("The end of the period is before its start."))


@job_kind(
    "ledger_export",
    start="ledger.read",
    see="ledger.read",
    schema=LedgerExportSchema,
    label=_l("Ledger export"),
    read_only=True,
    precheck=_check_period,
)
def export_ledger(context, *, format: str, date_from, date_to, lang: str | None = None) -> dict:
    """Every entry of the period as CSV, Excel or PDF, written to the shared storage."""
    start, end = exports.local_range(date_from, date_to)
    stmt = operations.entries(context.actor, date_from=start, date_to=end)
    total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    context.set_total(total)
    target = context.output(f"ledger.{format}")

    def progress(done: int) -> None:
        context.progress(
            done, _("%(done)s of %(total)s entries written.", done=f"{done:,}", total=f"{total:,}")
        )

    exports.write_file(
        stmt,
        format,
        target,
        subtitle=exports.period_subtitle(date_from, date_to, local_now()),
        progress=progress,
        by=context.actor,
        lang=lang if format == "csv" else None,
    )
    context.progress(total, force=True)
    return {
        "entries": total,
        "format": format,
        "bytes": target.stat().st_size,
        "result_file": target.name,
        "message": _("The ledger export is ready: %(n)s entries.", n=f"{total:,}"),
    }


@job_kind(
    "ledger_verification",
    start="ledger.verify",
    see="ledger.verify",
    schema=NoParams,
    label=_l("Ledger verification"),
    read_only=True,
)
def verify_ledger(context) -> dict:
    """The whole chain recomputed, every transaction balanced, the budget lines agreeing."""
    result = verify_everything(context.actor)
    context.set_total(result.entries)
    context.progress(result.entries, force=True)
    summary = {
        "ok": result.ok,
        "entries": result.entries,
        "first_bad_entry": result.first_bad_entry,
        "head_hash": result.head_hash,
        "transactions_balanced": result.transactions_balanced,
        "budgets_match": result.budgets_match,
        "problems": result.problems,
    }
    summary["message"] = (
        _("The ledger verifies: %(n)s entries, every link and balance holds.", n=f"{result.entries:,}")
        if result.ok
        else _("The ledger does NOT verify: first bad entry %(seq)s.", seq=result.first_bad_entry)
    )
    return summary


def verify_everything(actor):
    """The chain, the balances, and the budget lines against the ledger (API, page, job)."""
    result = operations.verify(actor)
    drift = budgets.drift()
    result.budgets_match = not drift
    result.problems += [f"budget line {d['budget_line']} disagrees with the ledger" for d in drift]
    result.ok = result.ok and not drift
    return result
