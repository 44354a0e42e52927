from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue, Money, RequiredText
from .models import RecoverySource, RecoveryStatus


class RecoveryCreateSchema(BaseSchema):
    claim_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    amount = Money(required=True)
    reason = RequiredText(2000)
    source = EnumValue(RecoverySource, load_default=RecoverySource.REVIEW)


class DecisionSchema(BaseSchema):
    decision = fields.String(required=True, validate=validate.OneOf(["offset", "refund", "written_off"]))
    reason = RequiredText(2000)


class RefundSchema(BaseSchema):
    amount = Money(required=True)
    reference = RequiredText(80)


class SettlementSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    amount = Money()
    reference = fields.String()
    created_at = fields.DateTime()


class RecoverySchema(BaseSchema):
    id = fields.Integer()
    claim_id = fields.Integer()
    payee = fields.String()
    amount = Money()
    outstanding = Money(allow_zero=True)
    reason = fields.String()
    source = EnumValue(RecoverySource)
    status = EnumValue(RecoveryStatus)
    blocks_payments = fields.Function(lambda o: o.status == RecoveryStatus.OPEN)
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    settlements = fields.List(fields.Nested(SettlementSchema))


class RecoveryListArgs(PageArgs):
    status = EnumValue(RecoveryStatus, load_default=None)
    open = fields.Boolean(load_default=False)
