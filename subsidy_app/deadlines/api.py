from flask.views import MethodView

from ..core.api import Blueprint
from ..users.auth import current_actor
from . import operations
from .schemas import CalendarArgs, CalendarDaySchema, TimeLimitCreateSchema, TimeLimitSchema

blp = Blueprint(
    "deadlines_api", __name__, description="Time limits of stages (限时办结) and the working calendar"
)


@blp.route("/stage-limits")
class StageLimits(MethodView):
    @blp.response(200, TimeLimitSchema(many=True))
    def get(self):
        """Working days each stage may take, with their history."""
        return operations.list_time_limits(current_actor())

    @blp.arguments(TimeLimitCreateSchema)
    @blp.response(201, TimeLimitSchema)
    def post(self, data):
        """A new time limit for a stage, from a date (administrators)."""
        return operations.change_time_limit(current_actor(), **data)


@blp.route("/calendar")
class Calendar(MethodView):
    @blp.arguments(CalendarArgs, location="query")
    @blp.response(200, CalendarDaySchema(many=True))
    def get(self, args):
        """Public holidays and worked weekend days of a year."""
        return operations.list_calendar(current_actor(), args["year"])

    @blp.arguments(CalendarDaySchema)
    @blp.response(201, CalendarDaySchema)
    def post(self, data):
        """Add a holiday or a worked weekend day (administrators)."""
        return operations.set_calendar_day(current_actor(), **data)
