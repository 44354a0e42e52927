from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue, Money, RequiredText, Text
from .models import BatchStatus, ItemStatus


class BatchCreateSchema(BaseSchema):
    claim_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=validate.Length(min=1, max=100_000),
    )


class BatchActionSchema(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "disburse"]))
    bank_reference = Text(80, allow_none=True, load_default=None)


class ItemSchema(BaseSchema):
    id = fields.Integer()
    claim_id = fields.Integer()
    payee = fields.String()
    payee_name = fields.String()
    bank_name = fields.String()
    account_no = fields.String()
    amount = Money()
    offset_amount = Money(allow_zero=True)
    net_amount = Money(allow_zero=True)
    status = EnumValue(ItemStatus)
    reference = fields.String()
    bank_reference = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    account_changed_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "When the payee's account last changed before the batch was built "
            "(null: unchanged since registration)"
        },
    )
    account_changed_by = fields.String(
        allow_none=True, metadata={"description": "Who changed (or proposed) that account"}
    )
    account_confirmed_by = fields.String(
        allow_none=True, metadata={"description": "The HR user who confirmed it; null when set by one person"}
    )
    account_flagged = fields.Boolean(
        metadata={"description": "Changed within 90 days before the batch, or without a second confirmation"}
    )


class BatchSchema(BaseSchema):
    id = fields.Integer()
    status = EnumValue(BatchStatus)
    total = Money(allow_zero=True)
    item_count = fields.Integer()
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    approved_by_id = fields.Integer(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    disbursed_by_id = fields.Integer(allow_none=True)
    disbursed_at = fields.DateTime(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    result_imported_at = fields.DateTime(allow_none=True)


class BatchDetailSchema(BatchSchema):
    items = fields.List(fields.Nested(ItemSchema))


class BatchListArgs(PageArgs):
    status = EnumValue(BatchStatus, load_default=None)


class HeldFailureSchema(BaseSchema):
    reference = fields.String()
    claim_id = fields.Integer()
    reason = fields.String()


class BankResultSchema(BaseSchema):
    batch_id = fields.Integer()
    confirmed = fields.Integer()
    failed = fields.Integer()
    #: Failed payments the system did not reverse (a recovery, an offset or a correction is
    #: booked on them): held for finance and HR to settle.
    needs_review = fields.List(fields.Nested(HeldFailureSchema))


class CorrectionSchema(BaseSchema):
    amount = Money(required=True)
    reason = RequiredText(2000)
    bank_reference = Text(80, allow_none=True, load_default=None)
