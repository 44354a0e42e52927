import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, pre_dump, validate

from ..core.pagination import PageArgs
from ..core.schemas import BaseSchema, EnumValue, Id, RequiredText, Text, Year
from .models import Outcome, Population
from .operations import describe_objects


class InspectorCreateSchema(BaseSchema):
    user_id = Id(required=True, strict=True)
    field = RequiredText(100)


class InspectorSchema(BaseSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    username = fields.String()
    field = fields.String()
    active = fields.Boolean()
    added_at = fields.DateTime()


class InspectorRemoveSchema(BaseSchema):
    reason = RequiredText(1000)


class PlanCreateSchema(BaseSchema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    matters = fields.List(RequiredText(300), required=True, validate=validate.Length(min=1, max=100))


class Seed(fields.Field):
    """A caller's seed: an integer (kept as its decimal text) or a string (stripped, at most
    100 characters); empty or null means none."""

    def _deserialize(self, value, attr, data, **kwargs) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ma.ValidationError(_("Give the seed as an integer or a string."))
        return Text(100).deserialize(str(value)) or None


class DrawCreateSchema(BaseSchema):
    population = EnumValue(Population, required=True)
    ratio = fields.Decimal(
        required=True,
        places=None,
        allow_nan=False,
        metadata={"description": "share of the registry to draw, at least 0.05"},
    )
    seed = Seed(
        load_default=None,
        allow_none=True,
        metadata={
            "oneOf": [{"type": "string", "maxLength": 100}, {"type": "integer"}],
            "description": "Leave out for an official draw: its seed is made by the server and "
            "recorded before anything is drawn. A seed given here (an integer or a "
            "string) makes a rehearsal (演练), never an official draw.",
        },
    )
    plan_year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


class DrawnObjectSchema(BaseSchema):
    item_id = fields.Integer(attribute="id")
    kind = fields.String(attribute="object_kind", metadata={"enum": ["organization", "claim", "talent"]})
    id = fields.Integer(attribute="object_id")
    code = fields.Function(
        lambda item: item.subject["code"],
        metadata={"description": "an organisation's credit code, a talent's code; null for a claim"},
    )
    name = fields.Function(lambda item: item.subject["name"])
    inspectors = fields.List(fields.Integer())
    outcome = fields.Function(lambda item: item.latest_result.outcome.value if item.latest_result else None)


class DrawSchema(BaseSchema):
    id = fields.Integer()
    population = EnumValue(Population)
    ratio = fields.Decimal(as_string=True, metadata={"type": "string", "description": 'e.g. "0.0500"'})
    seed = fields.String()
    rehearsal = fields.Boolean(
        metadata={"description": "true: a rehearsal (演练) from a caller's seed, never an official draw"}
    )
    seed_event_id = fields.Integer(
        allow_none=True, metadata={"description": "the audit event that recorded the seed before the draw"}
    )
    algorithm = fields.String()
    fingerprint = fields.String()
    plan_id = fields.Integer(allow_none=True)
    population_size = fields.Function(lambda d: len(d.population_snapshot))
    drawn_at = fields.DateTime()
    objects = fields.List(fields.Nested(DrawnObjectSchema), attribute="items")

    @pre_dump
    def describe_objects(self, draw, **kwargs):
        """Name the drawn objects (one query per kind of object, per draw)."""
        described = describe_objects((item.object_kind, item.object_id) for item in draw.items)
        for item in draw.items:
            item.subject = described[(item.object_kind, item.object_id)]
        return draw


class DrawDetailSchema(DrawSchema):
    population_snapshot = fields.List(fields.Dict())
    roster_snapshot = fields.List(fields.Integer())


class DrawListArgs(PageArgs):
    population = EnumValue(Population, load_default=None)
    year = Year(load_default=None)
    rehearsal = fields.Boolean(
        load_default=False, metadata={"description": "true: list rehearsals (演练) instead of official draws"}
    )


class PlanSchema(BaseSchema):
    id = fields.Integer()
    year = fields.Integer()
    matters = fields.List(fields.String())
    created_at = fields.DateTime()


class PlanDetailSchema(PlanSchema):
    draws = fields.List(fields.Nested(DrawSchema))


class ResultCreateSchema(BaseSchema):
    outcome = EnumValue(Outcome, required=True)
    findings = RequiredText(5000)
    propose_listing = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["red", "black"])
    )


class ResultSchema(BaseSchema):
    id = fields.Integer()
    item_id = fields.Integer()
    outcome = EnumValue(Outcome)
    findings = fields.String()
    proposed_listing = fields.String(allow_none=True)
    recorded_at = fields.DateTime()


class ObjectInspectionSchema(BaseSchema):
    item_id = fields.Integer()
    draw_id = fields.Integer()
    drawn_at = fields.DateTime()
    inspectors = fields.List(fields.Integer())
    outcome = fields.String(allow_none=True)
    findings = fields.String(allow_none=True)
    proposed_listing = fields.String(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)


class ProposalSchema(BaseSchema):
    result_id = fields.Integer()
    object_kind = fields.String()
    object_id = fields.Integer()
    list = fields.String()
    findings = fields.String()
    recorded_at = fields.DateTime()


class VerifySchema(BaseSchema):
    draw_id = fields.Integer()
    ok = fields.Boolean()
    checks = fields.Dict(keys=fields.String(), values=fields.Boolean())
    rehearsal = fields.Boolean()
    seed_event_id = fields.Integer(allow_none=True)
    fingerprint = fields.String()
    sample_size = fields.Integer()
    population_size = fields.Integer()
