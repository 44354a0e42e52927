from marshmallow import fields, validate

from ..bankaccounts.schemas import pending_bank_account
from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue, RequiredText, Text
from .models import OrganizationKind


class OrganizationCreateSchema(BaseSchema):
    kind = EnumValue(OrganizationKind, required=True)
    name = RequiredText(200)
    credit_code = RequiredText(18 + 4)  # a few spaces around are forgiven, then checked
    city = RequiredText(20, metadata={"description": "Chinese name of a prefecture-level city, e.g. 太原市"})
    bank_name = Text(100, allow_none=True, load_default=None)
    bank_account_no = Text(40, allow_none=True, load_default=None)


class OrganizationSchema(BaseSchema):
    id = fields.Integer()
    kind = EnumValue(OrganizationKind)
    name = fields.String()
    credit_code = fields.String()
    city = fields.Function(lambda org: org.city.name_zh)
    city_en = fields.Function(lambda org: org.city.name_en)
    created_at = fields.DateTime()
    bank_name = fields.String(allow_none=True)
    bank_account_no = fields.String(allow_none=True)
    inspections = fields.List(
        fields.Dict(),
        allow_none=True,
        metadata={"description": "spot checks of this organisation (staff only)"},
    )


class OrganizationDetailSchema(OrganizationSchema):
    """One organisation: ``bank_account_no`` is the account in effect; a change that waits for
    HR's confirmation is shown beside it."""

    pending_bank_account = fields.Method(
        "_pending_bank_account",
        allow_none=True,
        metadata={"description": "The proposed change of the account waiting for HR, or null"},
    )

    def _pending_bank_account(self, organization):
        # the organisation itself, also when it comes in its page (organizations/page.py)
        return pending_bank_account(getattr(organization, "organization", organization))


class BankAccountSchema(BaseSchema):
    bank_name = RequiredText(100)
    account_no = RequiredText(40)


class OrganizationListArgs(PageArgs):
    kind = EnumValue(OrganizationKind, load_default=None)
    q = Text(100, load_default=None, metadata={"description": "Part of the name or credit code"})


class CitySchema(BaseSchema):
    name_zh = fields.String()
    name_en = fields.String()
    division_code = fields.String(validate=validate.Length(equal=6))
