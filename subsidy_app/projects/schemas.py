from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue, RequiredText, Year
from .models import ProjectLevel


class ProjectCreateSchema(BaseSchema):
    name = RequiredText(200)
    level = EnumValue(ProjectLevel, required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))


class ProjectSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    level = EnumValue(ProjectLevel)
    year = fields.Integer()
    created_at = fields.DateTime()


class ProjectListArgs(PageArgs):
    year = Year(load_default=None)
    level = EnumValue(ProjectLevel, load_default=None)
