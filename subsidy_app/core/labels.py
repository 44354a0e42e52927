"""Names people read for the values of the system's enums (one name for one thing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, literal_column, union_all

ROLE = {
    "employer": _l("Employer"),
    "intermediary": _l("Intermediary"),
    "hr": _l("Provincial HR"),
    "finance": _l("Finance reviewer"),
    "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
}
PAYEE_KIND = {
    "employer": _l("the employer"),
    "talent": _l("the talent"),
    "intermediary": _l("the intermediary"),
    "organization": _l("the designated unit"),
}
AMOUNT_RULE = {
    "fixed": _l("fixed amount"),
    "receipted_up_to_ceiling": _l("receipted fare, up to a ceiling"),
    "benchmark_highest": _l("highest standard of other provinces"),
    "contract_commission": _l("contract commission, not below other provinces' level"),
    "discretionary": _l("set at approval, with justification"),
    "discretionary_up_to_ceiling": _l("set at approval, up to a ceiling"),
}
DEGREE = {
    "none": _l("No degree"),
    "bachelor": _l("Bachelor"),
    "master": _l("Master"),
    "doctorate": _l("Doctorate"),
}
ORGANIZATION_KIND = {"employer": _l("Employer"), "intermediary": _l("Intermediary")}
STATUS = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "returned": _l("returned"),
    "hr_approved": _l("approved by HR"),
    "finance_approved": _l("approved by finance"),
    "paid": _l("paid"),
    "rejected": _l("rejected"),
    "appealed": _l("appealed"),
    "withdrawn": _l("withdrawn"),
}
STAGE = {
    "drafting": _l("being prepared by the applicant"),
    "hr_review": _l("HR review"),
    "hr_second_approval": _l("second approval by a senior HR reviewer"),
    "applicant_response": _l("returned to the applicant"),
    "finance_review": _l("finance review"),
    "payment": _l("awaiting payment"),
    "appeal_review": _l("appeal review"),
    "closed": _l("closed"),
}

ACTION = {
    "submit": _l("Submit"),
    "withdraw": _l("Withdraw"),
    "return": _l("Return to the applicant"),
    "defer_documents": _l("Accept with documents to follow (容缺)"),
    "hr_approve": _l("Approve (HR)"),
    "hr_reject": _l("Reject"),
    "finance_approve": _l("Approve payment (finance)"),
    "finance_reject": _l("Reject payment"),
    "appeal": _l("Appeal"),
}

#: What happened to a claim, as its history shows it (the actions, and the other events).
HISTORY = {
    "create": _l("filed as a draft"),
    "update": _l("corrected by the applicant"),
    "document_upload": _l("document attached"),
    "submit": _l("submitted"),
    "withdraw": _l("withdrawn"),
    "return": _l("returned to the applicant"),
    "defer_documents": _l("accepted with documents to follow (容缺)"),
    "hr_approve": _l("approved by HR"),
    "hr_reject": _l("rejected by HR"),
    "finance_approve": _l("approved for payment by finance"),
    "finance_reject": _l("payment rejected by finance"),
    "appeal": _l("appealed"),
    "paid": _l("paid"),
    "payment_failed": _l("payment failed at the bank, reversed"),
    "payment_failure_held": _l("payment failed at the bank, held for review (not reversed)"),
    "payment_corrected": _l("paid amount corrected"),
    "recovery_raised": _l("recovery order raised"),
}
BATCH_STATUS = {
    "draft": _l("built, awaiting approval"),
    "approved": _l("approved, awaiting disbursement"),
    "disbursed": _l("disbursed"),
}

ITEM_STATUS = {
    "pending": _l("awaiting disbursement"),
    "paid": _l("paid"),
    "failed": _l("failed at the bank"),
    "reversed": _l("reversed"),
}
AWARD = {
    "friendship_national": _l("Chinese Government Friendship Award"),
    "friendship_provincial": _l("Shanxi Friendship Award"),
}
BASE_LEVEL = {"national": _l("National"), "provincial": _l("Provincial")}
OUTCOME = {"compliant": _l("compliant"), "issues_found": _l("issues found"), "violation": _l("violation")}
POPULATION = {
    "employers": _l("employers"),
    "intermediaries": _l("intermediaries"),
    "paid_claims": _l("paid claims"),
    "talents": _l("foreign talents"),
}
BANK_CHANGE_STATUS = {
    "pending": _l("awaiting HR confirmation"),
    "confirmed": _l("confirmed"),
    "rejected": _l("refused"),
    "superseded": _l("superseded by a newer change"),
    "direct": _l("set directly, no second confirmation"),
}

JOB_STATUS = {
    "queued": _l("waiting to start"),
    "running": _l("running"),
    "succeeded": _l("finished"),
    "failed": _l("stopped on an error"),
    "cancelled": _l("cancelled"),
}
#: Why a claim of a bulk approval was refused (the codes of the guards, ``claims/moves.py``).
REFUSAL = {
    "not_found": _l("claim not found"),
    "recused": _l("conflict of interest declared (回避)"),
    "segregation_of_duties": _l("filed or rejected by the same reviewer"),
    "invalid_status": _l("not at the stage this decision takes"),
    "missing_documents": _l("documents missing"),
    "documents_outstanding": _l("deferred documents still outstanding"),
    "not_eligible": _l("no longer eligible"),
    "needs_individual_decision": _l("needs a decision claim by claim"),
    "budget_exhausted": _l("budget exhausted"),
    "no_budget": _l("no budget line for the year"),
    "conflict": _l("changed by someone else meanwhile"),
}


#: The eligibility rules (claims/rules.py): the name of each check in the claim's table.
RULE = {
    "payee_kind": _l("Who is paid"),
    "not_black_listed": _l("Not on the black list"),
    "talent_of_applicant": _l("Talent employed by the applicant"),
    "applicant_kind": _l("Who may apply"),
    "talent_named": _l("Talent named"),
    "organization_named": _l("Organisation named"),
    "recognised_talent": _l("Recognised foreign talent (work permit)"),
    "min_degree": _l("Minimum degree"),
    "min_years_experience": _l("Minimum years of experience"),
    "min_years_in_province": _l("Minimum years in Shanxi"),
    "once_per_talent": _l("Once per talent"),
    "once_per_talent_project": _l("Once per talent and project"),
    "once_per_organization": _l("Once per organisation"),
    "project_level": _l("Level of the recruitment project"),
    "permit_class": _l("Class of work permit"),
    "contract_before_start": _l("Contract signed before the start"),
    "detail_given": _l("Required detail given"),
    "amount_requested_given": _l("Amount requested given"),
    "amount_requested": _l("Amount requested given"),
    "rate_in_force": _l("Rate in force"),
    "benchmarks_in_force": _l("Other provinces' standards in force"),
    "within_highest_standard": _l("Within the highest standard"),
}
#: Ledger accounts (ledger/models.py Account).
ACCOUNT = {
    "appropriation": _l("Appropriation"),
    "available": _l("Available budget"),
    "committed": _l("Committed"),
    "expended": _l("Expended"),
    "subsidy_expense": _l("Subsidy expense"),
    "bank": _l("Bank (treasury account)"),
    "receivable": _l("Receivable (owed back)"),
}
#: Ledger transaction kinds (ledger/models.py TransactionKind).
TRANSACTION_KIND = {
    "allocation": _l("Budget allocation"),
    "adjustment": _l("Budget adjustment"),
    "commitment": _l("Commitment"),
    "release": _l("Release of a commitment"),
    "payment": _l("Payment"),
    "payment_reversal": _l("Payment reversal"),
    "correction_reversal": _l("Reversal for a correction"),
    "correction": _l("Correction"),
    "recovery": _l("Recovery"),
    "refund": _l("Refund"),
    "write_off": _l("Write-off"),
}
PROJECT_LEVEL = {
    "key": _l("Provincial key recruitment project"),
    "regular": _l("Provincial regular recruitment project"),
}
CREDIT_LIST = {"red": _l("Red list (creditworthy)"), "black": _l("Black list (seriously untrustworthy)")}
SUBJECT_KIND = {"organization": _l("Organisation"), "talent": _l("Talent")}
RECOVERY_STATUS = {
    "open": _l("open"),
    "offset": _l("to be offset"),
    "refund": _l("to be refunded"),
    "settled": _l("settled"),
    "written_off": _l("written off"),
}
BOOLEAN = {True: _l("yes"), False: _l("no")}
#: Field names of forms and API bodies, for the messages that name a field.
FIELD = {
    "comment": _l("Comment"),
    "action": _l("Action"),
    "amount": _l("Amount"),
    "amount_requested": _l("Amount requested"),
    "amount_approved": _l("Amount approved"),
    "program_code": _l("Program"),
    "talent_code": _l("Talent"),
    "organization_id": _l("Organisation"),
    "details": _l("Details"),
    "documents": _l("Documents"),
    "document_kinds": _l("Documents"),
    "kind": _l("Kind"),
    "file": _l("File"),
    "reason": _l("Reason"),
    "name": _l("Name"),
    "level": _l("Level"),
    "year": _l("Year"),
    "fiscal_year": _l("Fiscal year"),
    "bank_name": _l("Bank"),
    "bank_account_no": _l("Bank account number"),
    "bank_reference": _l("Bank reference"),
    "claim_ids": _l("Claims"),
    "from": _l("From"),
    "to": _l("To"),
    "due_date": _l("Due date"),
    "effective_from": _l("Effective from"),
    "password": _l("Password"),
    "username": _l("User name"),
    "email": _l("Email"),
    "role": _l("Role"),
    "list": _l("List"),
    "subject_kind": _l("Kind of subject"),
    "subject_id": _l("Subject"),
    "credit_code": _l("Unified social credit code"),
    "passport_no": _l("Passport number"),
    "work_permit_no": _l("Work permit number"),
    "birth_date": _l("Date of birth"),
    "nationality": _l("Nationality"),
    "degree": _l("Degree"),
    "years_experience": _l("Years of experience"),
    "permit_class": _l("Work permit class"),
    "employer_id": _l("Employer"),
    "shanxi_start_date": _l("Start in Shanxi"),
    "project_id": _l("Recruitment project"),
    "justification": _l("Justification"),
    "visit_date": _l("Date of the visit"),
    "designated_on": _l("Designated on"),
    "contract_signed_on": _l("Contract signed on"),
    "commission": _l("Commission"),
    "_schema": _l("Request"),
}

#: The tables by the name ``label(kind, code)`` and the ``|label(kind)`` filter take.
TABLES = {
    "role": ROLE,
    "payee_kind": PAYEE_KIND,
    "amount_rule": AMOUNT_RULE,
    "degree": DEGREE,
    "organization_kind": ORGANIZATION_KIND,
    "status": STATUS,
    "stage": STAGE,
    "action": ACTION,
    "history": HISTORY,
    "batch_status": BATCH_STATUS,
    "item_status": ITEM_STATUS,
    "award": AWARD,
    "base_level": BASE_LEVEL,
    "outcome": OUTCOME,
    "population": POPULATION,
    "bank_change_status": BANK_CHANGE_STATUS,
    "job_status": JOB_STATUS,
    "refusal": REFUSAL,
    "rule": RULE,
    "account": ACCOUNT,
    "transaction_kind": TRANSACTION_KIND,
    "project_level": PROJECT_LEVEL,
    "credit_list": CREDIT_LIST,
    "subject_kind": SUBJECT_KIND,
    "recovery_status": RECOVERY_STATUS,
    "boolean": BOOLEAN,
    "field": FIELD,
}


def label(table, value) -> str:
    """The words for ``value``: ``label(STATUS, "paid")`` or ``label("status", "paid")``.
    Program codes (``"program"``), document kinds (``"document"``) and ledger payees
    (``"payee"``) are named from the database."""
    if isinstance(table, str):
        if table in _LOOKUPS:
            return _LOOKUPS[table](value)
        table = TABLES[table]
    key = getattr(value, "value", value)
    if key is None:
        return ""
    return str(table.get(key, key))


def field_label(name: str) -> str:
    """A field's name for a message: ``details.project_id`` → "Recruitment project"."""
    last = str(name).rsplit(".", 1)[-1]
    if last.isdigit() and "." in str(name):
        last = str(name).rsplit(".", 2)[-2]
    if last in FIELD:
        return str(FIELD[last])
    return last.replace("_", " ").capitalize()


def _english() -> bool:
    from flask_babel import get_locale  # noqa: PLC0415

    return str(get_locale() or "zh").startswith("en")


def _cached(name: str, load) -> dict:
    """One look-up table per request (or app context): codes to (zh, en) names."""
    from flask import g, has_app_context  # noqa: PLC0415

    if not has_app_context():
        return {}
    cache = g.setdefault("_label_tables", {})
    if name not in cache:
        try:
            cache[name] = load()
        except Exception:  # noqa: BLE001 (no database: the code itself is shown)
            cache[name] = {}
    return cache[name]


def _pick(names: tuple[str, str] | None, code) -> str:
    if not names:
        return "" if code is None else str(code)
    return names[1] if _english() else names[0]


def program_name(code) -> str:
    """A program's name in the reader's language (the plan's own names)."""

    def load():
        from ..extensions import db  # noqa: PLC0415
        from ..programs.models import Program  # noqa: PLC0415

        rows = db.session.execute(db.select(Program.code, Program.name_zh, Program.name_en))
        return {c: (zh, en) for c, zh, en in rows}

    return _pick(_cached("program", load).get(getattr(code, "value", code)), code)


def document_name(code) -> str:
    """A kind of document by its name in the plan (document_kinds)."""

    def load():
        from ..extensions import db  # noqa: PLC0415
        from ..programs.models import DocumentKind  # noqa: PLC0415

        rows = db.session.execute(db.select(DocumentKind.code, DocumentKind.name_zh, DocumentKind.name_en))
        return {c: (zh, en) for c, zh, en in rows}

    return _pick(_cached("document", load).get(code), code)


def document_names(codes) -> str:
    """A list of document kinds (a list, or codes separated by commas) in words."""
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",") if c.strip()]
    return (
        "、".join(document_name(c) for c in codes)
        if not _english()
        else ", ".join(document_name(c) for c in codes)
    )


def payee_name(reference) -> str:
    """A ledger payee (``talent:<code>``, ``organization:<id>``) as people know it: the
    talent's name and code, the organisation's name."""
    if not reference:
        return ""
    kind, _, key = str(reference).partition(":")
    from flask import g, has_app_context  # noqa: PLC0415

    if not key or not has_app_context():
        return str(reference)
    cache = g.setdefault("_payee_names", {})
    if reference not in cache:
        from ..extensions import db  # noqa: PLC0415

        name = None
        try:
            if kind == "talent":
                from ..talents.models import Talent  # noqa: PLC0415

                found = db.session.execute(db.select(Talent.name).where(Talent.talent_code == key)).scalar()
                name = f"{found} ({key})" if found else None
            elif kind in ("organization", "employer", "intermediary") and key.isdigit():
                from ..organizations.models import Organization  # noqa: PLC0415

                name = db.session.execute(
                    db.select(Organization.name).where(Organization.id == int(key))
                ).scalar()
        except Exception:  # noqa: BLE001 (no database: the reference itself is shown)
            name = None
        cache[reference] = name or str(reference)
    return cache[reference]


def payee_names(references) -> dict[str, str]:
    """``payee_name`` for many payees at once (a page of ledger entries): talents and
    organisations in one statement, whatever the number of rows; the names are kept
    where ``payee_name`` looks (so a page that calls this first, then ``payee_name`` per row,
    runs no statement per row). ``{reference: name}``."""
    from flask import g, has_app_context  # noqa: PLC0415

    wanted = {str(r) for r in references if r}
    if not has_app_context():
        return {r: r for r in wanted}
    cache = g.setdefault("_payee_names", {})
    codes: dict[str, list[str]] = {}
    org_ids: dict[int, list[str]] = {}
    for reference in wanted - cache.keys():
        kind, _, key = reference.partition(":")
        if kind == "talent" and key:
            codes.setdefault(key, []).append(reference)
        elif kind in ("organization", "employer", "intermediary") and key.isdigit():
            org_ids.setdefault(int(key), []).append(reference)
        else:
            cache[reference] = reference
    names: dict[str, str] = {}
    try:
        from ..extensions import db  # noqa: PLC0415
        from ..organizations.models import Organization  # noqa: PLC0415
        from ..talents.models import Talent  # noqa: PLC0415

        parts = []
        if codes:
            parts.append(
                db.select(literal_column("'talent'"), Talent.talent_code, Talent.name).where(
                    Talent.talent_code.in_(codes)
                )
            )
        if org_ids:
            parts.append(
                db.select(
                    literal_column("'organization'"), cast(Organization.id, String), Organization.name
                ).where(Organization.id.in_(org_ids))
            )
        if parts:
            for kind, key, name in db.session.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
                if kind == "talent":
                    for reference in codes.get(key, ()):
                        names[reference] = f"{name} ({key})"
                else:
                    for reference in org_ids.get(int(key), ()):
                        names[reference] = name
    except Exception:  # noqa: BLE001 (no database: the references themselves are shown)
        names = {}
    for group in (*codes.values(), *org_ids.values()):
        for reference in group:
            cache[reference] = names.get(reference) or reference
    return {r: cache[r] for r in wanted}


_LOOKUPS = {"program": program_name, "document": document_name, "payee": payee_name}


def init_app(app) -> None:
    app.jinja_env.globals.update(
        role_label=lambda v: label(ROLE, v),
        payee_label=lambda v: label(PAYEE_KIND, v),
        amount_rule_label=lambda v: label(AMOUNT_RULE, v),
        degree_label=lambda v: label(DEGREE, v),
        organization_kind_label=lambda v: label(ORGANIZATION_KIND, v),
        status_label=lambda v: label(STATUS, v),
        stage_label=lambda v: label(STAGE, v),
        action_label=lambda v: label(ACTION, v),
        history_label=lambda v: label(HISTORY, v),
        batch_status_label=lambda v: label(BATCH_STATUS, v),
        award_label=lambda v: label(AWARD, v),
        item_status_label=lambda v: label(ITEM_STATUS, v),
        base_level_label=lambda v: label(BASE_LEVEL, v),
        outcome_label=lambda v: label(OUTCOME, v),
        population_label=lambda v: label(POPULATION, v),
        bank_change_status_label=lambda v: label(BANK_CHANGE_STATUS, v),
        job_status_label=lambda v: label(JOB_STATUS, v),
        refusal_label=lambda v: label(REFUSAL, v),
        rule_label=lambda v: label(RULE, v),
        account_label=lambda v: label(ACCOUNT, v),
        transaction_kind_label=lambda v: label(TRANSACTION_KIND, v),
        project_level_label=lambda v: label(PROJECT_LEVEL, v),
        credit_list_label=lambda v: label(CREDIT_LIST, v),
        subject_kind_label=lambda v: label(SUBJECT_KIND, v),
        program_name=program_name,
        document_name=document_name,
        payee_name=payee_name,
        field_label=field_label,
        label_tables=TABLES,
    )
    # ``{{ code|label("account") }}``: any code in words, by the name of its table.
    app.jinja_env.filters["label"] = lambda value, kind: label(kind, value)
