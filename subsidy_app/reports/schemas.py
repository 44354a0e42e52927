from marshmallow import fields, validate

from ..core.schemas import BaseSchema, Money, Text


class BudgetReportArgs(BaseSchema):
    fiscal_year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx", "pdf"]))


class QuarterlyReportArgs(BaseSchema):
    quarter = Text(10, required=True)  # YYYYQn, checked by Quarter.parse
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "pdf"]))


class BudgetFiguresSchema(BaseSchema):
    allocated = Money(allow_zero=True)
    committed = Money(allow_zero=True)
    paid = Money(allow_zero=True)
    available = Money(allow_zero=True, allow_negative=True)
    claims = fields.Integer()
    persons = fields.Integer()


class BudgetProgramSchema(BudgetFiguresSchema):
    program_code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    clause = fields.String()


class BudgetReportSchema(BaseSchema):
    fiscal_year = fields.Integer()
    generated_at = fields.DateTime()
    budgets_match_ledger = fields.Boolean()
    programs = fields.List(fields.Nested(BudgetProgramSchema))
    total = fields.Nested(BudgetFiguresSchema)


class QuarterFiguresSchema(BaseSchema):
    claims = fields.Integer()
    persons = fields.Integer()
    amount = Money(allow_zero=True, allow_negative=True)


class ByProgramSchema(QuarterFiguresSchema):
    program_code = fields.String()
    name_zh = fields.String()
    name_en = fields.String()


class ByClassSchema(QuarterFiguresSchema):
    talent_class = fields.String()


class ByKindSchema(QuarterFiguresSchema):
    talent_kind = fields.String()


class ByCitySchema(QuarterFiguresSchema):
    city = fields.String()


class ActivitySchema(BaseSchema):
    submitted = fields.Integer()
    rejected = fields.Integer()


class InspectionSummarySchema(BaseSchema):
    draws = fields.Integer()
    objects_drawn = fields.Integer()
    results = fields.Dict(keys=fields.String(), values=fields.Integer())


class QuarterlyReportSchema(BaseSchema):
    quarter = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    due_date = fields.Date()
    generated_at = fields.DateTime()
    total = fields.Nested(QuarterFiguresSchema)
    by_program = fields.List(fields.Nested(ByProgramSchema))
    by_talent_class = fields.List(fields.Nested(ByClassSchema))
    by_talent_kind = fields.List(fields.Nested(ByKindSchema))
    by_city = fields.List(fields.Nested(ByCitySchema))
    activity = fields.Nested(ActivitySchema)
    inspections = fields.Nested(InspectionSummarySchema)
