from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import PageArgs, page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import (
    DrawCreateSchema,
    DrawDetailSchema,
    DrawListArgs,
    DrawSchema,
    InspectorCreateSchema,
    InspectorRemoveSchema,
    InspectorSchema,
    ObjectInspectionSchema,
    PlanCreateSchema,
    PlanDetailSchema,
    PlanSchema,
    ProposalSchema,
    ResultCreateSchema,
    ResultSchema,
    VerifySchema,
)

blp = Blueprint(
    "inspections_api",
    __name__,
    description="Double-random spot checks (双随机): inspectors, plans, draws, results",
)


@blp.route("/inspectors")
class Inspectors(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(InspectorSchema))
    def get(self, args):
        """The inspector roster (active inspectors)."""
        return paginate(operations.list_inspectors(current_actor()), args["page"], args["per_page"])

    @blp.arguments(InspectorCreateSchema)
    @blp.response(201, InspectorSchema)
    def post(self, data):
        """Put an HR user on the roster with their field (HR, administrators)."""
        return operations.add_inspector(current_actor(), **data)


@blp.route("/inspectors/<int:inspector_id>")
class InspectorById(MethodView):
    @blp.arguments(InspectorRemoveSchema)
    @blp.response(200, InspectorSchema)
    def delete(self, data, inspector_id):
        """Take an inspector off the roster, with the reason."""
        return operations.remove_inspector(current_actor(), inspector_id, reason=data["reason"])


@blp.route("/inspection-plans")
class Plans(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(PlanSchema))
    def get(self, args):
        """Annual inspection plans, newest first."""
        return paginate(operations.list_plans(current_actor()), args["page"], args["per_page"])

    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    def post(self, data):
        """The year's plan with its matters to check (抽查事项清单); one per year."""
        return operations.create_plan(current_actor(), **data)


@blp.route("/inspection-plans/<int:year>")
class PlanByYear(MethodView):
    @blp.response(200, PlanDetailSchema)
    def get(self, year):
        """A year's plan with the draws made under it."""
        return operations.get_plan(current_actor(), year)


@blp.route("/inspections/draws")
class Draws(MethodView):
    @blp.arguments(DrawListArgs, location="query")
    @blp.response(200, page_schema(DrawSchema))
    def get(self, args):
        """Official draws, newest first; ``?rehearsal=true`` lists rehearsals (演练) instead."""
        return paginate(
            operations.list_draws(
                current_actor(), population=args["population"], year=args["year"], rehearsal=args["rehearsal"]
            ),
            args["page"],
            args["per_page"],
        )

    @blp.arguments(DrawCreateSchema)
    @blp.response(201, DrawSchema)
    def post(self, data):
        """Draw at least 5 % of a registry (rounded up) and assign two inspectors per object
        at random, never one with a declared conflict. Without ``seed``: an official draw,
        its seed made by the server and recorded before anything is drawn. With ``seed``
        (an integer or a string): a rehearsal (``rehearsal: true``), never official."""
        return operations.make_draw(current_actor(), **data)


@blp.route("/inspections/draws/<int:draw_id>")
class DrawById(MethodView):
    @blp.response(200, DrawDetailSchema)
    def get(self, draw_id):
        """A draw with its seed, algorithm and the snapshots it was made from."""
        return operations.get_draw(current_actor(), draw_id)


@blp.route("/inspections/draws/<int:draw_id>/verify")
class DrawVerify(MethodView):
    @blp.response(200, VerifySchema)
    def get(self, draw_id):
        """Re-run the draw from its record and compare."""
        return operations.verify_draw(operations.get_draw(current_actor(), draw_id))


@blp.route("/inspections/items/<int:item_id>/results")
class Results(MethodView):
    @blp.arguments(ResultCreateSchema)
    @blp.response(201, ResultSchema)
    def post(self, data, item_id):
        """Record what the inspection of a drawn object found (its assigned inspectors);
        409 ``rehearsal`` for an object of a rehearsal."""
        return operations.record_result(current_actor(), item_id, **data)


@blp.route("/inspections/objects/<any(organization, claim, talent):kind>/<int:object_id>")
class ObjectInspections(MethodView):
    @blp.response(200, ObjectInspectionSchema(many=True))
    def get(self, kind, object_id):
        """The inspections of an organisation, a paid claim or a talent (by its id) in
        official draws, newest first; rehearsals never appear."""
        return operations.object_inspections(current_actor(), kind, object_id)


@blp.route("/inspections/proposals")
class Proposals(MethodView):
    @blp.response(200, ProposalSchema(many=True))
    def get(self):
        """Credit listings proposed by spot checks, not yet decided by HR."""
        return operations.open_proposals(current_actor())
