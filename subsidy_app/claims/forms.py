"""HTML forms of claims (WTForms with CSRF). They parse; the operations decide."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import options
from ..programs.models import AmountRule


class ClaimForm(FlaskForm):
    """The claim form: the incentive first, then only the fields that incentive needs
    (``incentive_fields``); the view makes those the rules require required."""

    program_code = SelectField(_l("Incentive"), validators=[DataRequired()])
    talent_code = StringField(
        _l("Talent"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Type part of the name or the talent code (一人一码) and choose; or type the code or the exact name."
        ),
    )
    organization_id = IntegerField(
        _l("Organisation id"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
        description=_l("Only for HR filing for an organisation"),
    )
    project_id = SelectField(_l("Recruitment project"), validators=[Optional()], choices=[])
    amount_requested = DecimalField(
        _l("Amount requested (yuan)"), places=2, validators=[Optional(), NumberRange(min=Decimal("0.01"))]
    )
    justification = TextAreaField(_l("Justification"), validators=[Optional(), Length(max=2000)])
    contract_signed_on = DateField(_l("Contract signed on"), validators=[Optional()])
    commission = DecimalField(
        _l("Commission (yuan)"), places=2, validators=[Optional(), NumberRange(min=Decimal("0.01"))]
    )
    year = IntegerField(_l("Award year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    designated_on = DateField(_l("Designation date"), validators=[Optional()])
    visit_date = DateField(_l("Visit date"), validators=[Optional()])


#: The fields of an incentive's details, in the order the form shows them.
INCENTIVE_FIELDS = (
    "project_id",
    "contract_signed_on",
    "commission",
    "year",
    "designated_on",
    "visit_date",
    "justification",
    "amount_requested",
)
MONEY_FIELDS = ("amount_requested", "commission")
#: The detail a program's rate is taken on (``rate_date`` in the plan), when the rules do not
#: already ask for it.
RATE_DATE_FIELDS = {
    "contract": "contract_signed_on",
    "visit": "visit_date",
    "award_year": "year",
    "designation": "designated_on",
}


@dataclass(frozen=True)
class IncentiveField:
    """One field of an incentive's form: its words there, the clause that asks for it."""

    name: str
    label: str
    help: str
    required: bool


def _lang() -> str:
    return "en" if str(get_locale() or "zh").startswith("en") else "zh"


def _rule_label(rule: dict, name: str, form_label: str) -> str:
    words = rule.get(f"label_{_lang()}")
    if not words:
        return form_label
    words = words[:1].upper() + words[1:]
    if name in MONEY_FIELDS:
        words = _("%(words)s (yuan)", words=words)
    return words


def incentive_fields(program, form: ClaimForm) -> list[IncentiveField]:
    """The fields ``program`` needs, from its rules in the plan: each with the words of the
    rule and its clause. A field a rule requires is required; the date the program's rate is
    taken on, and the amount of a program paid at the highest standard, are optional."""
    document = program.source_document
    found: dict[str, IncentiveField] = {}

    def add(name: str, clause: str, *, rule: dict | None = None, required: bool = True, why: str = ""):
        if name not in INCENTIVE_FIELDS or name in found:
            return
        label = _rule_label(rule or {}, name, str(getattr(form, name).label.text))
        cited = f"{document} {clause}"
        if required:
            text = _("Required by %(clause)s.", clause=cited)
        else:
            text = _("Optional (%(clause)s).", clause=cited)
        found[name] = IncentiveField(name, label, f"{text} {why}".strip(), required)

    for rule in program.rules or []:
        kind, clause = rule.get("rule"), rule.get("clause", program.clause)
        if kind == "project_level":
            add("project_id", clause, why=_("A project of this level, recorded by HR."))
        elif kind == "amount_requested_given":
            add("amount_requested", clause, rule=rule)
        elif kind == "detail_given":
            add(rule.get("key", ""), clause, rule=rule)
        elif kind == "contract_before_start":
            add(
                "contract_signed_on",
                clause,
                why=_("The contract must have been agreed before the talent started in Shanxi."),
            )
    rate_field = RATE_DATE_FIELDS.get(program.rate_date)
    if rate_field:
        add(
            rate_field,
            program.clause,
            required=False,
            why=_("The amount or ceiling in force on this date applies; empty: the day of filing."),
        )
    if program.amount_rule == AmountRule.BENCHMARK_HIGHEST:
        add(
            "amount_requested",
            program.clause,
            required=False,
            why=_("At most the highest standard of any province; empty: that standard."),
        )
    return sorted(found.values(), key=lambda f: INCENTIVE_FIELDS.index(f.name))


def names_talent(program) -> bool:
    return any(r.get("rule") == "talent_named" for r in program.rules or [])


def names_organization(program) -> bool:
    return any(r.get("rule") == "organization_named" for r in program.rules or [])


def may_claim(actor, program) -> bool:
    """Whether ``actor``'s role may file ``program`` (its ``applicant_kind`` rule)."""
    kinds = [r.get("kinds") or [] for r in program.rules or [] if r.get("rule") == "applicant_kind"]
    return not kinds or all(actor.role.value in k for k in kinds)


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind of document"), validators=[DataRequired()])
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired()])


class ActionForm(FlaskForm):
    """A move from the claim page. A move that cannot be undone (``actions.CONFIRMED``) is
    made only when ``confirm`` is "yes" (sent by the confirmation page); without it the same
    POST answers with the confirmation page. An appeal may carry a new document."""

    action = HiddenField(validators=[DataRequired()])
    documents = SelectMultipleField(choices=[], validate_choice=False)
    due_date = DateField(validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    amount_approved = DecimalField(
        _l("Amount approved (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)]
    )
    confirm = HiddenField(validators=[Optional()])
    evidence_kind = SelectField(
        _l("Kind of the new document"), choices=[], validate_choice=False, validators=[Optional()]
    )
    evidence = FileField(_l("New evidence (PDF, JPEG or PNG; optional)"), validators=[Optional()])


class BulkForm(FlaskForm):
    action = SelectField(
        _l("Decision"),
        choices=options(
            [("hr_approve", _l("Approve (HR)")), ("finance_approve", _l("Approve payment (finance)"))]
        ),
    )
    #: The ticked claims ("selected"), or nothing when the scope is "all" (every claim that the
    #: queue's filters, sent along as ``filter-<arg>``, find).
    claim_ids = SelectMultipleField(choices=[], validate_choice=False, validators=[Optional()])
    scope = HiddenField(default="selected", validators=[Optional(), AnyOf(["selected", "all"])])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class EditForm(FlaskForm):
    amount_requested = DecimalField(
        _l("Amount requested (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)]
    )
    justification = TextAreaField(_l("Justification"), validators=[Optional(), Length(max=2000)])


class CorrectionForm(FlaskForm):
    """Finance corrects a paid amount; made only with ``confirm`` "yes" (see ActionForm)."""

    confirm = HiddenField(validators=[Optional()])
    amount = DecimalField(
        _l("Correct amount (yuan)"), places=2, validators=[DataRequired(), NumberRange(min=0)]
    )
    reason = TextAreaField(_l("Why the paid amount was wrong"), validators=[DataRequired(), Length(max=2000)])
    bank_reference = StringField(
        _l("Bank reference (if money moved)"), validators=[Optional(), Length(max=80)]
    )
