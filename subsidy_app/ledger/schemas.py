from marshmallow import fields, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, Date, Id, Money, Text, Year


class EntrySchema(BaseSchema):
    seq = fields.Integer()
    transaction_id = fields.Integer()
    posted_at = fields.DateTime()
    kind = fields.String()
    fiscal_year = fields.Integer()
    program_code = fields.String()
    claim_id = fields.Integer(allow_none=True)
    account = fields.String()
    payee = fields.String()
    debit = Money(allow_zero=True)
    credit = Money(allow_zero=True)
    amount = Money()
    tax_exempt = fields.Boolean()
    clause = fields.String()
    reference = fields.String()
    prev_hash = fields.String()
    hash = fields.String()


class LedgerArgs(PageArgs):
    # "from" and "to" are Python keywords: data_key keeps the contract's names
    date_from = Date(data_key="from", load_default=None)
    date_to = Date(data_key="to", load_default=None)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx", "pdf"]))
    claim_id = Id(load_default=None)
    program_code = Text(40, load_default=None)
    fiscal_year = Year(load_default=None)
    account = Text(30, load_default=None)


class VerificationSchema(BaseSchema):
    ok = fields.Boolean()
    entries = fields.Integer()
    first_bad_entry = fields.Integer(allow_none=True)
    head_hash = fields.String()
    transactions_balanced = fields.Boolean()
    budgets_match = fields.Boolean()
    problems = fields.List(fields.String())
