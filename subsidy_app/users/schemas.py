from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.permissions import Role
from ..core.schemas import BaseSchema, EnumValue, RequiredText, Text
from .administration import SORTS


class TokenRequestSchema(BaseSchema):
    username = RequiredText(64)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenSchema(BaseSchema):
    token = fields.String()
    role = fields.String()
    expires_at = fields.DateTime()
    username = fields.String()
    must_change_password = fields.Boolean(
        metadata={"description": "An administrator reset the password: choose a new one (in the pages)"}
    )


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
    organization_name = fields.Function(
        lambda user: user.organization.name if user.organization_id else None, allow_none=True
    )
    is_active = fields.Boolean()
    is_senior = fields.Boolean()
    email = fields.String(allow_none=True)
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)
    locked_until = fields.DateTime(allow_none=True)
    failed_logins = fields.Integer()
    must_change_password = fields.Boolean()


class UserListArgs(PageArgs):
    q = Text(
        100,
        load_default=None,
        metadata={"description": "In the user name, display name or organisation name"},
    )
    role = EnumValue(Role, load_default=None)
    active = fields.Boolean(load_default=None, allow_none=True)
    locked = fields.Boolean(load_default=None, allow_none=True)
    sort = fields.String(load_default="username", validate=validate.OneOf(list(SORTS)))
    direction = fields.String(load_default=None, validate=validate.OneOf(["asc", "desc"]))
    #: what this list first called ``direction`` (still read; ``direction`` wins)
    dir = fields.String(
        load_default=None, validate=validate.OneOf(["asc", "desc"]), metadata={"deprecated": True}
    )


class UserUpdateSchema(BaseSchema):
    """What an administrator changes: active or disabled, the role, the organisation."""

    is_active = fields.Boolean()
    role = EnumValue(Role)
    organization_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    is_senior = fields.Boolean()
    reason = Text(2000, allow_none=True, load_default=None, metadata={"description": "Required to disable"})


class ReasonSchema(BaseSchema):
    reason = Text(2000, allow_none=True, load_default=None)


class PasswordResetSchema(BaseSchema):
    user = fields.Nested(UserSchema)
    password = fields.String(
        metadata={"description": "The new password: shown this once, stored only as a hash"}
    )


class OwnPasswordSchema(BaseSchema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    password = fields.String(required=True, validate=validate.Length(max=256))
