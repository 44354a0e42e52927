from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue, RequiredText
from ..credit.schemas import SubjectId
from ..subjects.kinds import SubjectKind


class ConflictCreateSchema(BaseSchema):
    subject_kind = EnumValue(SubjectKind, required=True)
    subject_id = SubjectId(required=True, metadata={"description": "organization id or talent_code"})
    reason = RequiredText(2000)
    reviewer_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "HR records a conflict for another reviewer"},
    )


class ConflictEndSchema(BaseSchema):
    reason = RequiredText(2000)


class ConflictSchema(BaseSchema):
    id = fields.Integer()
    reviewer_id = fields.Integer()
    reviewer = fields.Function(lambda c: c.reviewer.username)
    subject_kind = EnumValue(SubjectKind)
    subject_id = fields.Raw()
    reason = fields.String()
    declared_by_id = fields.Integer()
    declared_at = fields.DateTime()
    active = fields.Boolean()
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


class ConflictListArgs(PageArgs):
    active = fields.Boolean(load_default=None)
