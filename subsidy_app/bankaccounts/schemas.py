from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue, RequiredText, Text
from ..subjects.kinds import SubjectKind
from .models import ChangeStatus
from .operations import pending_change


def _change_id():
    return fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The pending change as the caller saw it: if a newer one replaced it, 409"},
    )


class BankAccountChangeRequestSchema(BaseSchema):
    bank_name = RequiredText(100)
    account_no = RequiredText(40, metadata={"description": "6 to 40 digits or capital letters"})
    reason = Text(500, allow_none=True, load_default=None)
    four_eyes = fields.Boolean(
        load_default=False,
        metadata={
            "description": "HR and administrators: ask another HR user to confirm instead of "
            "setting the account at once (the organisation's own users always do)"
        },
    )


class BankAccountConfirmSchema(BaseSchema):
    change_id = _change_id()


class BankAccountRejectSchema(BaseSchema):
    reason = RequiredText(2000)
    change_id = _change_id()


class BankAccountChangeSchema(BaseSchema):
    id = fields.Integer()
    subject_kind = EnumValue(SubjectKind)
    subject_id = fields.Raw(metadata={"description": "The organisation's id or the talent's code"})
    subject_name = fields.String()
    status = EnumValue(ChangeStatus)
    bank_name = fields.String()
    account_no = fields.String()
    previous_bank_name = fields.String(allow_none=True)
    previous_account_no = fields.String(allow_none=True)
    proposed_by_id = fields.Integer(allow_none=True)
    proposed_by = fields.String(attribute="proposed_by_name", allow_none=True)
    proposed_at = fields.DateTime()
    decided_by_id = fields.Integer(allow_none=True)
    decided_by = fields.String(attribute="decided_by_name", allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class BankAccountChangeListArgs(PageArgs):
    status = EnumValue(ChangeStatus, load_default=None)
    subject_kind = EnumValue(SubjectKind, load_default=None)


def pending_bank_account(subject) -> dict | None:
    """The change of a payee's account that waits for HR, as the API shows it beside the
    account in effect (``pending_bank_account`` of a talent or an organisation)."""
    change = pending_change(subject)
    return BankAccountChangeSchema().dump(change) if change is not None else None
