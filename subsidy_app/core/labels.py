"""Names people read for the values of the system's enums (one name for one thing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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


def label(table: dict, value) -> str:
    key = getattr(value, "value", value)
    return str(table.get(key, key))


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
    )
