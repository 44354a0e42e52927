from marshmallow import fields

from ..core.pagination import PageArgs
from ..core.schemas import INT32_MAX, BaseSchema, Date, EnumValue, Id, RequiredText
from ..subjects.kinds import SubjectKind
from .models import CreditList


class SubjectId(fields.Field):
    """An organisation id (integer) or a talent code (string)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or len(str(value)) > 32:
            raise self.make_error("invalid")
        if isinstance(value, int) and not 1 <= value <= INT32_MAX:
            raise self.make_error("invalid")  # no organisation has such an id
        if isinstance(value, str) and not value.isprintable():
            raise self.make_error("invalid")
        return value

    default_error_messages = {"invalid": "Invalid value."}


class ListingCreateSchema(BaseSchema):
    subject_kind = EnumValue(SubjectKind, required=True)
    subject_id = SubjectId(required=True, metadata={"description": "organization id or talent_code"})
    list = EnumValue(CreditList, required=True)
    reason = RequiredText(2000)
    listed_on = Date(load_default=None)
    inspection_result_id = Id(
        load_default=None, metadata={"description": "a spot-check result that proposed this listing (双随机)"}
    )


class LiftSchema(BaseSchema):
    reason = RequiredText(2000)


class ListingSchema(BaseSchema):
    id = fields.Integer()
    subject_kind = EnumValue(SubjectKind)
    subject_id = fields.Raw()
    subject_name = fields.String()
    list = EnumValue(CreditList)
    reason = fields.String()
    listed_on = fields.Date()
    source = fields.String()
    listed_by_id = fields.Integer(allow_none=True)
    listed_at = fields.DateTime()
    active = fields.Boolean()
    lifted_at = fields.DateTime(allow_none=True)
    lifted_by_id = fields.Integer(allow_none=True)
    lift_reason = fields.String(allow_none=True)


class ListingListArgs(PageArgs):
    active = fields.Boolean(load_default=None)
    list = EnumValue(CreditList, load_default=None)
    subject_kind = EnumValue(SubjectKind, load_default=None)
