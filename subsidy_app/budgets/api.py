from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import (
    AdjustmentCreateSchema,
    AdjustmentSchema,
    BudgetCreateSchema,
    BudgetLineDetailSchema,
    BudgetLineSchema,
    BudgetListArgs,
)

blp = Blueprint(
    "budgets_api", __name__, description="The dedicated budget per fiscal year and program (二十)"
)


@blp.route("/budgets")
class Budgets(MethodView):
    @blp.arguments(BudgetListArgs, location="query")
    @blp.response(200, page_schema(BudgetLineSchema))
    def get(self, args):
        """Lines with allocated, committed (approved, not yet paid), paid and available."""
        return paginate(
            operations.list_lines(current_actor(), fiscal_year=args["fiscal_year"]),
            args["page"],
            args["per_page"],
        )

    @blp.arguments(BudgetCreateSchema)
    @blp.response(201, BudgetLineSchema)
    @blp.alt_response(409, description="This program already has a budget for the year")
    def post(self, data):
        """Allocate a program's budget for a fiscal year (finance, administrators)."""
        return operations.allocate(current_actor(), **data)


@blp.route("/budgets/<int:line_id>")
class BudgetById(MethodView):
    @blp.response(200, BudgetLineDetailSchema)
    def get(self, line_id):
        """A line with its allocation and every adjustment."""
        line = operations.get_line(current_actor(), line_id)
        line.adjustments = operations.adjustments(line)
        return line


@blp.route("/budgets/<int:line_id>/adjustments")
class BudgetAdjustments(MethodView):
    @blp.arguments(AdjustmentCreateSchema)
    @blp.response(201, AdjustmentSchema)
    def post(self, data, line_id):
        """Raise (positive) or cut (negative) an allocation, with a reason."""
        return operations.adjust(current_actor(), line_id, **data)
