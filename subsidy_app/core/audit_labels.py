"""The audit trail in words: what was done (``claim.hr_approve`` → "申请：经人社审核通过")
and to what (``payment_batch`` → "支付批次"). The codes stay in the database and in the
machine exports; a person reads these words (issue 15: every code in words)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .labels import HISTORY, JOB_STATUS, SUBJECT_KIND

#: What an object of the trail is.
OBJECT_TYPE = {
    "award": _l("Friendship Award"),
    "benchmark": _l("Salary benchmark"),
    "budget_line": _l("Budget line"),
    "calendar_day": _l("Working-day calendar"),
    "claim": _l("Claim"),
    "credit_listing": _l("Credit listing"),
    "demonstration_base": _l("Demonstration base"),
    "inspection_draw": _l("Spot-check draw"),
    "inspection_item": _l("Spot-check item"),
    "inspection_plan": _l("Spot-check plan"),
    "inspection_seed": _l("Spot-check seed"),
    "inspector": _l("Inspector"),
    "job": _l("Background job"),
    "organization": _l("Organisation"),
    "payment_batch": _l("Payment batch"),
    "plan": _l("Plan"),
    "program": _l("Incentive"),
    "recovery_order": _l("Recovery order"),
    "recruitment_project": _l("Recruitment project"),
    "reviewer_conflict": _l("Declared conflict of interest"),
    "stage_time_limit": _l("Time limit of a stage"),
    "talent": _l("Talent"),
    "user": _l("User"),
}

#: What was done, by its full code.
ACTION = {
    "audit_bundle.download": _l("audit bundle downloaded"),
    "award.record": _l("Friendship Award recorded"),
    "benchmark.record": _l("salary benchmark recorded"),
    "budget.adjust": _l("budget adjusted"),
    "budget.allocate": _l("budget allocated"),
    "calendar.set": _l("working-day calendar set"),
    "conflict.declare": _l("conflict of interest declared"),
    "conflict.end": _l("conflict of interest ended"),
    "credit.lift": _l("credit listing lifted"),
    "credit.list": _l("put on a credit list"),
    "deadline.change": _l("time limit changed"),
    "demonstration_base.record": _l("demonstration base recorded"),
    "inspection.draw": _l("spot-check draw made"),
    "inspection.result": _l("spot-check result recorded"),
    "inspection_draw.seed": _l("spot-check seed published"),
    "inspection_plan.create": _l("spot-check plan created"),
    "inspector.add": _l("inspector added"),
    "inspector.remove": _l("inspector removed"),
    "job.cancel": _l("background job cancelled by its starter"),
    "job.create": _l("background job started"),
    "job.requeue": _l("background job restarted after a lost worker"),
    "organization.create": _l("organisation registered"),
    "payment_batch.approve": _l("payment batch approved"),
    "payment_batch.bank_result": _l("bank result recorded for a payment batch"),
    "payment_batch.create": _l("payment batch built"),
    "payment_batch.disburse": _l("payment batch disbursed"),
    "plan.load": _l("plan loaded"),
    "program.change_rate": _l("incentive amount changed"),
    "project.create": _l("recruitment project registered"),
    "recovery.decide": _l("recovery decided"),
    "recovery.raise": _l("recovery order raised"),
    "recovery.refund": _l("refund received"),
    "talent.create": _l("talent registered"),
    "talent.renew_passport": _l("passport renewed"),
    "talent.update": _l("talent corrected"),
    "user.change_role": _l("role or organisation changed"),
    "user.create": _l("user created"),
    "user.disable": _l("user disabled"),
    "user.enable": _l("user enabled"),
    "user.locked": _l("user locked after failed logins"),
    "user.reset_password": _l("password reset by an administrator"),
    "user.set_password": _l("password changed"),
    "user.unlock": _l("user unlocked"),
}

#: A bank account's step (``talent.bank_account.propose`` …).
BANK_ACCOUNT = {
    "set": _l("bank account set"),
    "propose": _l("bank account change proposed"),
    "confirm": _l("bank account change confirmed"),
    "reject": _l("bank account change rejected"),
    "supersede": _l("bank account change superseded"),
}

#: The filter of the trail: what kind of thing, by the prefix of its actions.
FILTERS = {
    "claim.": _l("Claims"),
    "payment_batch.": _l("Payment batches"),
    "recovery.": _l("Recoveries"),
    "budget.": _l("Budgets"),
    "user.": _l("Users"),
    "job.": _l("Background jobs"),
    "talent.": _l("Talents"),
    "organization.": _l("Organisations"),
    "credit.": _l("Credit lists"),
    "inspection": _l("Spot checks"),
    "conflict.": _l("Conflicts of interest"),
    "program.": _l("Incentives and plan"),
}


def action_words(code: str | None) -> str:
    """What an audit event did, in the reader's language (the code itself only for an
    action this catalogue does not know yet; a test keeps the catalogue complete)."""
    if not code:
        return ""
    if code in ACTION:
        return str(ACTION[code])
    head, _, rest = code.partition(".")
    if head == "claim" and rest in HISTORY:
        return str(_l("claim %(what)s", what=HISTORY[rest]))
    if head == "job" and rest in JOB_STATUS:
        return str(_l("background job: %(what)s", what=JOB_STATUS[rest]))
    kind, _, step = rest.partition(".")
    if kind == "bank_account" and step in BANK_ACCOUNT and head in SUBJECT_KIND:
        return f"{SUBJECT_KIND[head]}: {BANK_ACCOUNT[step]}"
    return code


def object_words(object_type: str | None) -> str:
    """What kind of thing an audit event concerns, in words."""
    if not object_type:
        return ""
    return str(OBJECT_TYPE.get(object_type, SUBJECT_KIND.get(object_type, object_type)))


def actor_words(event) -> str:
    """Who did it: the person's name as recorded, or "the system" for work nobody started
    by hand (the scheduler, a migration, the plan's loading), whose events have no actor."""
    if getattr(event, "actor_id", None) is None:
        return str(_l("the system"))
    return event.actor_name or ""


def known(code: str) -> bool:
    """Whether ``code`` is named in words (for the catalogue's completeness test)."""
    return action_words(code) != code


def init_app(app) -> None:
    app.jinja_env.globals.update(
        audit_action_label=action_words,
        audit_object_label=object_words,
        audit_actor=actor_words,
        audit_filters=FILTERS,
    )
