"""What a claim looks like to a user: the same description for the API and the pages."""

from __future__ import annotations

from flask_babel import get_locale

from ..core.labels import ACTION, label
from ..core.permissions import Actor
from ..core.timeutil import local_today
from ..deadlines import operations as deadlines
from ..programs import operations as programs
from ..programs.models import TAX_EXEMPT_CLAUSE, DocumentRequirement
from . import actions, operations
from .workflow import OPEN_STATUSES


def _lang() -> str:
    return "en" if str(get_locale() or "zh").startswith("en") else "zh"


def localize_checks(checks: list[dict]) -> list[dict]:
    lang = _lang()
    return [
        {
            "rule": c["rule"],
            "passed": c["passed"],
            "reason": c[f"reason_{lang}"],
            "reason_zh": c["reason_zh"],
            "reason_en": c["reason_en"],
            "clause": c["clause"],
        }
        for c in checks
    ]


def _payee(claim) -> dict:
    kind = claim.program.payee_kind.value
    if kind == "talent":
        return {
            "kind": kind,
            "talent_code": claim.talent_code,
            "name": claim.talent.name if claim.talent else None,
        }
    return {
        "kind": kind,
        "organization_id": claim.organization_id,
        "name": claim.organization.name if claim.organization else None,
    }


def _deferrals(claim, today) -> list[dict]:
    present = operations.documents_present(claim)
    return [
        {
            "kind": d.kind,
            "due_date": d.due_date,
            "supplied": d.kind in present,
            "overdue": d.kind not in present and d.due_date < today,
        }
        for d in claim.deferrals
    ]


def _history(claim) -> list[dict]:
    entries = []
    for event in operations.history(claim):
        before, after = event.before or {}, event.after or {}
        entries.append(
            {
                "at": event.occurred_at,
                "actor": event.actor_name,
                "actor_role": event.actor_role,
                "action": event.action.removeprefix("claim."),
                "from_status": before.get("status"),
                "to_status": after.get("status"),
                "comment": event.reason,
                "details": after,
            }
        )
    return entries


def describe(actor: Actor, claim, *, full: bool = True, red_ids: set[int] | None = None) -> dict:
    """The claim as a dict for ClaimSchema. ``full`` adds a live evaluation (for open
    claims), the history and the actions open to this user. ``red_ids``: the red-listed
    organisations, read once for a whole page (else one look-up for this claim)."""
    today = local_today()
    program = claim.program
    view = {
        "id": claim.id,
        "program_code": program.code,
        "program_name_zh": program.name_zh,
        "program_name_en": program.name_en,
        "clause": program.clause,
        "status": claim.status.value,
        "stage": claim.stage.value,
        "stage_deadline": claim.stage_deadline,
        "overdue": operations.is_overdue(claim, today),
        "organization_id": claim.organization_id,
        "organization_name": claim.organization.name if claim.organization else None,
        "talent_code": claim.talent_code,
        "talent_name": claim.talent.name if claim.talent else None,
        "payee": _payee(claim),
        "amount_requested": claim.amount_requested,
        "amount_approved": claim.amount_approved,
        "tax_exempt": program.tax_exempt,
        "tax_exempt_clause": TAX_EXEMPT_CLAUSE if program.tax_exempt else None,
        "details": claim.details or {},
        "red_listed": operations.red_listed(claim, red_ids),
        "filed_by": claim.filed_by.username,
        "created_at": claim.created_at,
        "submitted_at": claim.submitted_at,
        "decided_at": claim.decided_at,
        "eligibility": {
            "eligible": claim.eligible,
            "evaluated_at": claim.evaluated_at,
            "checks": localize_checks(claim.eligibility or []),
        },
        "documents": claim.documents,
        "required_documents": program.documents_by(DocumentRequirement.ESSENTIAL)
        + program.documents_by(DocumentRequirement.DEFERRABLE),
        "missing_documents": operations.missing_documents(claim, DocumentRequirement.ESSENTIAL)
        + operations.missing_documents(claim, DocumentRequirement.DEFERRABLE),
        "deferrals": _deferrals(claim, today),
    }
    view["documents_overdue"] = any(d["overdue"] for d in view["deferrals"])
    if not full:
        return view
    if claim.status in OPEN_STATUSES:
        verdict, amount = operations.evaluate(claim)
        view["eligibility"] = {
            "eligible": verdict.eligible,
            "evaluated_at": None,
            "checks": localize_checks(verdict.as_dicts()),
        }
        view["amount_expected"] = (
            amount.amount
            if amount.amount is not None
            else (
                min(claim.amount_requested, amount.maximum)
                if claim.amount_requested is not None and amount.maximum is not None
                else claim.amount_requested
                if amount.set_at_approval
                else None
            )
        )
        view["amount_basis"] = amount.basis_en if _lang() == "en" else amount.basis_zh
    if claim.stage_deadline is not None and claim.status in OPEN_STATUSES:
        view["working_days_left"] = deadlines.working_days_left(claim.stage_deadline, today)
    view["history"] = _history(claim)
    view["available_actions"] = actions.available_actions(actor, claim)
    return view


# --- for the HTML pages -----------------------------------------------------------------------


def localized_name(program) -> str:
    return program.name_en if _lang() == "en" else program.name_zh


def action_label(action: str) -> str:

    return label(ACTION, action)


def document_choices(claim) -> list[tuple[str, str]]:
    """The kinds of document the claim's program takes, required ones first, by name."""

    names = programs.document_names()
    program = claim.program
    kinds = (
        program.documents_by(DocumentRequirement.ESSENTIAL)
        + program.documents_by(DocumentRequirement.DEFERRABLE)
        + program.documents_by(DocumentRequirement.OPTIONAL)
    )
    return [(kind, localized_name(names[kind]) if kind in names else kind) for kind in kinds]


def amount_set_at_approval(claim) -> bool:
    return claim.program.amount_rule.startswith("discretionary")
