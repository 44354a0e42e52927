from marshmallow import fields, validate

from ..core.permissions import Role
from ..core.schemas import BaseSchema, EnumValue, RequiredText, Text


class TokenRequestSchema(BaseSchema):
    username = RequiredText(64)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenSchema(BaseSchema):
    token = fields.String()
    role = fields.String()
    expires_at = fields.DateTime()
    username = fields.String()


class UserCreateSchema(BaseSchema):
    username = RequiredText(64)
    password = fields.String(required=True, validate=validate.Length(max=256))
    role = EnumValue(Role, required=True)
    organization_id = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**31 - 1)
    )
    display_name = Text(100, allow_none=True, load_default=None)
    is_senior = fields.Boolean(
        load_default=False,
        metadata={"description": "Senior HR reviewer: gives second approvals of discretionary amounts"},
    )
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=254))


class UserSchema(BaseSchema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    role = EnumValue(Role)
    organization_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    is_senior = fields.Boolean()
    email = fields.String(allow_none=True)
    created_at = fields.DateTime()
