"""The words of each kind of notification (translated when shown)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..core.labels import STAGE, document_names, label, program_name

MESSAGES = {
    "claim_submitted": _l(
        "Claim #%(claim)s (%(program)s) was submitted and awaits HR review by %(deadline)s."
    ),
    "claim_second_approval": _l(
        "Claim #%(claim)s (%(program)s): an amount of %(amount)s was set and awaits a senior reviewer's approval by %(deadline)s."
    ),
    "claim_returned": _l(
        "Claim #%(claim)s (%(program)s) was returned to you: %(comment)s. Please answer by %(deadline)s."
    ),
    "claim_hr_approved": _l(
        "Claim #%(claim)s (%(program)s) was approved by HR and awaits finance review by %(deadline)s."
    ),
    "claim_rejected": _l("Claim #%(claim)s (%(program)s) was rejected: %(comment)s. You may appeal once."),
    "claim_finance_approved": _l("Claim #%(claim)s (%(program)s) was approved for payment."),
    "claim_appealed": _l("Claim #%(claim)s (%(program)s) was appealed and awaits review by %(deadline)s."),
    "claim_withdrawn": _l("Claim #%(claim)s (%(program)s) was withdrawn by the applicant."),
    "documents_deferred": _l(
        "Claim #%(claim)s (%(program)s) was accepted without %(documents)s; supply them by %(due_date)s. Payment waits for them."
    ),
    "deadline_due": _l("Claim #%(claim)s (%(program)s) is due at stage %(stage)s by %(deadline)s."),
    "deadline_overdue": _l(
        "Claim #%(claim)s (%(program)s) is overdue at stage %(stage)s (deadline %(deadline)s)."
    ),
    "claims_bulk_hr_approved": _l(
        "%(count)s claims (from #%(first)s) were approved by HR and await finance review."
    ),
    "claims_bulk_finance_approved": _l("%(count)s claims (from #%(first)s) were approved for payment."),
    "documents_overdue": _l(
        "Claim #%(claim)s (%(program)s): the deferred documents %(documents)s were due on %(due_date)s."
    ),
}


def render(kind: str, params: dict, locale: str | None = None) -> str:
    template = MESSAGES.get(kind)
    if template is None:
        return kind

    def words() -> str:
        values = {k: ("—" if v is None else v) for k, v in params.items()}
        if "stage" in values:
            values["stage"] = label(STAGE, values["stage"])
        if params.get("program"):  # stored as the program's code, shown by its name
            values["program"] = program_name(params["program"])
        if params.get("documents"):  # stored as document-kind codes, shown by their names
            values["documents"] = document_names(params["documents"])
        return str(template) % values

    if locale is None:
        return words()
    with force_locale(locale):
        return words()
