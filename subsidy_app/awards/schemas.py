from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, Date, EnumValue, Id, RequiredText, Year
from .models import AwardKind, BaseLevel


class AwardCreateSchema(BaseSchema):
    kind = EnumValue(AwardKind, required=True)
    talent_code = RequiredText(16)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=1990, max=2100))


class AwardSchema(BaseSchema):
    id = fields.Integer()
    kind = EnumValue(AwardKind)
    talent_code = fields.String()
    year = fields.Integer()
    claim_id = fields.Integer(allow_none=True)
    recorded_at = fields.DateTime()


class AwardListArgs(PageArgs):
    year = Year(load_default=None)
    kind = EnumValue(AwardKind, load_default=None)


class BaseCreateSchema(BaseSchema):
    level = EnumValue(BaseLevel, required=True)
    organization_id = Id(required=True, strict=True)
    designated_on = Date(required=True)


class DemonstrationBaseSchema(BaseSchema):
    id = fields.Integer()
    level = EnumValue(BaseLevel)
    organization_id = fields.Integer()
    organization_name = fields.String(attribute="organization.name")
    designated_on = fields.Date()
    year = fields.Integer()
    claim_id = fields.Integer(allow_none=True)
    recorded_at = fields.DateTime()


class BaseListArgs(PageArgs):
    year = Year(load_default=None, metadata={"description": "year of designation"})
    level = EnumValue(BaseLevel, load_default=None)
