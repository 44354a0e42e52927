import math

from flask_babel import gettext as _
from marshmallow import INCLUDE, ValidationError, fields, validate, validates_schema

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, Date, EnumValue, Id, Money, RequiredText, Text
from .models import ClaimStatus, Stage
from .workflow import ACTIONS

MAX_EXTRA_DETAILS = 30


class ClaimDetailsSchema(BaseSchema):
    """Details by program (CONTRACT.md); keys beyond these are kept as they are."""

    class Meta:
        unknown = INCLUDE

    project_id = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "RECRUIT_*: the recruitment project"},
    )
    contract_signed_on = Date(metadata={"description": "HEADHUNTER: date of the commission contract"})
    commission = Money(metadata={"description": "HEADHUNTER: the contract's commission"})
    justification = Text(5000, metadata={"description": "Discretionary programs: the written justification"})
    year = fields.Integer(
        strict=True,
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "FRIENDSHIP_*: the award year"},
    )
    designated_on = Date(metadata={"description": "DEMO_BASE_*: the designation date"})
    visit_date = Date(metadata={"description": "RETURNEE_VISIT: date of the visit"})
    travel_date = Date(metadata={"description": "TRAVEL: date of the journey"})

    @validates_schema(pass_original=True)
    def _limit_extra_keys(self, data, original, **kwargs):
        if not isinstance(original, dict):
            return
        extra = {k: v for k, v in original.items() if k not in self.fields}
        if len(extra) > MAX_EXTRA_DETAILS:
            raise ValidationError(_("At most %(n)d further keys.", n=MAX_EXTRA_DETAILS), "_schema")
        for key, value in extra.items():
            if len(str(key)) > 64:
                raise ValidationError(_("A key has at most 64 characters."), "_schema")
            if (
                isinstance(value, (dict, list))
                or (isinstance(value, str) and len(value) > 2000)
                or (isinstance(value, float) and not math.isfinite(value))
            ):
                raise ValidationError(_("Only short text, numbers and true/false are kept."), str(key))


class ClaimCreateSchema(BaseSchema):
    program_code = RequiredText(40)
    talent_code = Text(16, allow_none=True, load_default=None)
    organization_id = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**31 - 1)
    )
    amount_requested = Money(allow_none=True, load_default=None)
    details = fields.Nested(ClaimDetailsSchema, load_default=dict)


class ClaimUpdateSchema(BaseSchema):
    amount_requested = Money(allow_none=True)
    details = fields.Nested(ClaimDetailsSchema)


class ActionSchema(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    comment = Text(5000, allow_none=True, load_default=None)
    amount_approved = Money(allow_none=True, load_default=None)
    documents = fields.List(
        Text(40),
        load_default=None,
        validate=validate.Length(max=30),
        metadata={"description": "defer_documents: kinds that may follow later"},
    )
    due_date = Date(load_default=None, metadata={"description": "defer_documents: supply by"})


class CheckSchema(BaseSchema):
    rule = fields.String()
    passed = fields.Boolean()
    reason = fields.String()
    reason_zh = fields.String()
    reason_en = fields.String()
    clause = fields.String()


class EligibilitySchema(BaseSchema):
    eligible = fields.Boolean()
    evaluated_at = fields.DateTime(allow_none=True)
    checks = fields.List(fields.Nested(CheckSchema))


class DocumentSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class DeferralSchema(BaseSchema):
    kind = fields.String()
    due_date = fields.Date()
    supplied = fields.Boolean()
    overdue = fields.Boolean()


class HistorySchema(BaseSchema):
    at = fields.DateTime()
    actor = fields.String()
    actor_role = fields.String(allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    details = fields.Dict()


class ClaimSchema(BaseSchema):
    id = fields.Integer()
    program_code = fields.String()
    program_name_zh = fields.String()
    program_name_en = fields.String()
    clause = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in ClaimStatus]})
    stage = fields.String(metadata={"enum": [s.value for s in Stage]})
    stage_deadline = fields.Date(allow_none=True)
    working_days_left = fields.Integer(allow_none=True)
    overdue = fields.Boolean()
    organization_id = fields.Integer(allow_none=True)
    organization_name = fields.String(allow_none=True)
    talent_code = fields.String(allow_none=True)
    talent_name = fields.String(allow_none=True)
    payee = fields.Dict()
    amount_requested = Money(allow_none=True)
    amount_approved = Money(allow_none=True)
    amount_expected = Money(allow_none=True)
    amount_basis = fields.String(allow_none=True)
    tax_exempt = fields.Boolean()
    tax_exempt_clause = fields.String(allow_none=True)
    details = fields.Dict()
    red_listed = fields.Boolean()
    filed_by = fields.String()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    eligibility = fields.Nested(EligibilitySchema)
    documents = fields.List(fields.Nested(DocumentSchema))
    required_documents = fields.List(fields.String())
    missing_documents = fields.List(fields.String())
    deferrals = fields.List(fields.Nested(DeferralSchema))
    documents_overdue = fields.Boolean()
    available_actions = fields.List(fields.String())
    history = fields.List(fields.Nested(HistorySchema))


class ClaimListArgs(PageArgs):
    status = EnumValue(ClaimStatus, load_default=None)
    stage = EnumValue(Stage, load_default=None)
    program_code = Text(40, load_default=None)
    organization_id = Id(load_default=None)
    talent_code = Text(16, load_default=None)
    created_from = Date(load_default=None)
    created_to = Date(load_default=None)
    overdue = fields.Boolean(load_default=None)
    order = fields.String(load_default=None, validate=validate.OneOf(["queue", "newest"]))
    q = Text(
        100,
        load_default=None,
        metadata={
            "description": "Search: claim number, talent name or code, organisation name, incentive name or code."
        },
    )
    awaiting = fields.String(
        load_default=None,
        validate=validate.OneOf(["hr", "finance"]),
        metadata={
            "description": "Only the claims awaiting HR (HR review, second approval, appeal) or finance (review, payment)."
        },
    )
    sort = fields.String(
        load_default=None, validate=validate.OneOf(["queue", "deadline", "created", "amount", "id"])
    )
    direction = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))


class DocumentFormSchema(BaseSchema):
    kind = RequiredText(40)


class DocumentDownloadArgs(BaseSchema):
    inline = fields.Boolean(load_default=False)


class BulkFilterSchema(BaseSchema):
    status = EnumValue(ClaimStatus, load_default=None)
    stage = EnumValue(Stage, load_default=None)
    program_code = Text(40, load_default=None)
    organization_id = Id(load_default=None)
    talent_code = Text(16, load_default=None)
    created_from = Date(load_default=None)
    created_to = Date(load_default=None)
    overdue = fields.Boolean(load_default=None)
    q = Text(100, load_default=None)
    awaiting = fields.String(load_default=None, validate=validate.OneOf(["hr", "finance"]))


class BulkActionSchema(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(["hr_approve", "finance_approve"]))
    claim_ids = fields.List(Id(strict=True), load_default=None, validate=validate.Length(min=1, max=100_000))
    filters = fields.Nested(BulkFilterSchema, load_default=None)
    comment = Text(5000, allow_none=True, load_default=None)

    @validates_schema
    def _one_selection(self, data, **kwargs):
        if (data.get("claim_ids") is None) == (data.get("filters") is None):
            raise ValidationError(_("Give either claim_ids or filters."), "_schema")
