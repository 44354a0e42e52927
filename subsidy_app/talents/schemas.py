from marshmallow import fields, validate

from ..bankaccounts.schemas import pending_bank_account
from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, Date, EnumValue, Id, RequiredText, Text
from .models import Degree, PermitClass, TalentKind


class TalentCreateSchema(BaseSchema):
    name = RequiredText(200)
    nationality = RequiredText(3, metadata={"description": "ISO 3166-1 alpha-3 (DEU, USA, HKG…)"})
    passport_no = RequiredText(32)
    birth_date = Date(required=True)
    degree = EnumValue(Degree, required=True)
    years_experience = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=80))
    work_permit_no = Text(
        32, allow_none=True, load_default=None, validate=validate.Regexp(r"^[A-Za-z0-9-]*$")
    )
    permit_class = EnumValue(PermitClass, allow_none=True, load_default=None)
    employer_id = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**31 - 1)
    )
    shanxi_start_date = Date(required=True)
    graduated_in_china = fields.Boolean(
        load_default=False,
        metadata={"description": "Bachelor or higher from a Chinese university (晋发〔2017〕47号 (十))"},
    )
    talent_kind = EnumValue(
        TalentKind,
        allow_none=True,
        load_default=None,
        metadata={"description": "Kind of talent, 晋发〔2017〕47号 (一)–(四)"},
    )


class PassportRenewalSchema(BaseSchema):
    passport_no = RequiredText(32)
    nationality = Text(3, allow_none=True, load_default=None)
    reason = Text(500, allow_none=True, load_default=None)


class PassportSchema(BaseSchema):
    nationality = fields.String()
    passport_no = fields.String()
    recorded_at = fields.DateTime()


class TalentSchema(BaseSchema):
    talent_code = fields.String()
    name = fields.String()
    nationality = fields.String()
    passport_no = fields.String()
    birth_date = fields.Date()
    degree = EnumValue(Degree)
    years_experience = fields.Integer()
    work_permit_no = fields.String(allow_none=True)
    permit_class = EnumValue(PermitClass, allow_none=True)
    employer_id = fields.Integer()
    shanxi_start_date = fields.Date()
    graduated_in_china = fields.Boolean()
    talent_kind = EnumValue(TalentKind, allow_none=True)
    created_at = fields.DateTime()
    passports = fields.List(fields.Nested(PassportSchema))
    bank_name = fields.String(allow_none=True)
    bank_account_no = fields.String(allow_none=True)


class TalentDetailSchema(TalentSchema):
    """One talent: ``bank_account_no`` is the account in effect; a change that waits for HR's
    confirmation is shown beside it."""

    pending_bank_account = fields.Method(
        "_pending_bank_account",
        allow_none=True,
        metadata={"description": "The proposed change of the account waiting for HR, or null"},
    )

    def _pending_bank_account(self, talent):
        return pending_bank_account(talent)


class TalentListArgs(PageArgs):
    q = Text(100, load_default=None, metadata={"description": "Part of the name, code or passport"})
    employer_id = Id(load_default=None)
