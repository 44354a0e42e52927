from flask_babel import get_locale
from marshmallow import fields

from ..core.money import money_str
from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, Date, EnumValue, Money, RequiredText
from . import operations
from .models import TAX_EXEMPT_CLAUSE, AmountRule, DocumentRequirement, PayeeKind, RateKind


def _localized(obj, attr: str) -> str:
    lang = str(get_locale() or "zh")
    return getattr(obj, f"{attr}_en" if lang.startswith("en") else f"{attr}_zh")


class RateSchema(BaseSchema):
    kind = EnumValue(RateKind)
    amount = Money()
    effective_from = fields.Date()
    is_default = fields.Boolean(metadata={"description": "A labelled default the policy leaves open"})
    note_zh = fields.String(allow_none=True)
    note_en = fields.String(allow_none=True)
    reason = fields.String()
    created_at = fields.DateTime()


class RateCreateSchema(BaseSchema):
    kind = EnumValue(RateKind, required=True)
    amount = Money(required=True)
    effective_from = Date(required=True)
    reason = RequiredText(1000)


class DocumentKindSchema(BaseSchema):
    code = fields.String(attribute="kind_code")
    name_zh = fields.Function(lambda d: d.kind.name_zh)
    name_en = fields.Function(lambda d: d.kind.name_en)
    requirement = EnumValue(DocumentRequirement)


class ProgramSchema(BaseSchema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    name = fields.Function(lambda p: _localized(p, "name"))
    clause = fields.String(metadata={"description": "Clause of the plan, e.g. (六)"})
    source_document = fields.String()
    payee_kind = EnumValue(PayeeKind)
    amount_rule = EnumValue(AmountRule)
    current_rate = fields.Function(
        lambda p: money_str(operations.current_rate(p)),
        metadata={"description": "Fixed amount in force, or null"},
    )
    ceiling = fields.Function(lambda p: money_str(c.amount) if (c := operations.current_ceiling(p)) else None)
    ceiling_is_default = fields.Function(
        lambda p: c.is_default if (c := operations.current_ceiling(p)) else None
    )
    tax_exempt = fields.Boolean()
    tax_exempt_clause = fields.Function(lambda p: TAX_EXEMPT_CLAUSE if p.tax_exempt else None)
    needs_senior_approval = fields.Boolean()
    summary_zh = fields.String()
    summary_en = fields.String()
    required_documents = fields.Function(
        lambda p: (
            p.documents_by(DocumentRequirement.ESSENTIAL) + p.documents_by(DocumentRequirement.DEFERRABLE)
        )
    )
    deferrable_documents = fields.Function(lambda p: p.documents_by(DocumentRequirement.DEFERRABLE))
    optional_documents = fields.Function(lambda p: p.documents_by(DocumentRequirement.OPTIONAL))
    documents = fields.List(fields.Nested(DocumentKindSchema))
    rules = fields.List(fields.Dict(), metadata={"description": "Eligibility rules and their clauses"})
    benchmark_categories = fields.List(fields.String())


class ProgramDetailSchema(ProgramSchema):
    rates = fields.List(fields.Nested(RateSchema))


class BenchmarkCreateSchema(BaseSchema):
    program_code = RequiredText(40)
    category = RequiredText(40)
    province = RequiredText(40)
    amount = Money(required=True)
    effective_from = Date(required=True)
    source = RequiredText(1000, metadata={"description": "Where the standard is published"})


class BenchmarkSchema(BaseSchema):
    id = fields.Integer()
    program_code = fields.Function(lambda b: b.program.code)
    category = fields.String()
    province = fields.String()
    amount = Money()
    effective_from = fields.Date()
    source = fields.String()
    is_sample = fields.Boolean()
    recorded_at = fields.DateTime()


class BenchmarkListArgs(PageArgs):
    program_code = fields.String(load_default=None)
