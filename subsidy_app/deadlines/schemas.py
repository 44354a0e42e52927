from marshmallow import fields, validate

from ..core.schemas import BaseSchema, Date, EnumValue, RequiredText
from .models import DayKind


class TimeLimitSchema(BaseSchema):
    stage = fields.String()
    working_days = fields.Integer()
    effective_from = fields.Date()
    is_default = fields.Boolean()
    reason = fields.String()
    created_at = fields.DateTime()


class TimeLimitCreateSchema(BaseSchema):
    stage = RequiredText(40)
    working_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=365))
    effective_from = Date(required=True)
    reason = RequiredText(1000)


class CalendarDaySchema(BaseSchema):
    day = Date(required=True)
    kind = EnumValue(DayKind, required=True)
    name = RequiredText(100)


class CalendarArgs(BaseSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
