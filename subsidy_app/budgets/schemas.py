from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, Money, RequiredText, Text


class BudgetCreateSchema(BaseSchema):
    fiscal_year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    program_code = RequiredText(40)
    amount = Money(required=True)
    reason = Text(1000, allow_none=True, load_default=None)


class AdjustmentCreateSchema(BaseSchema):
    amount = Money(required=True, allow_negative=True)
    reason = RequiredText(1000)


class AdjustmentSchema(BaseSchema):
    id = fields.Integer()
    budget_line_id = fields.Integer()
    kind = fields.String()
    amount = Money(allow_negative=True)
    reason = fields.String()
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class BudgetLineSchema(BaseSchema):
    id = fields.Integer()
    fiscal_year = fields.Integer()
    program_code = fields.String()
    allocated = Money(allow_zero=True)
    committed = Money(allow_zero=True)
    paid = Money(allow_zero=True)
    available = Money(allow_zero=True, allow_negative=True)
    created_at = fields.DateTime()


class BudgetLineDetailSchema(BudgetLineSchema):
    adjustments = fields.List(fields.Nested(AdjustmentSchema))


class BudgetListArgs(PageArgs):
    fiscal_year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
