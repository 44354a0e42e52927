from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import PageArgs, page_schema, paginate, paginate_list
from ..users.auth import current_actor
from . import operations
from .schemas import (
    BenchmarkCreateSchema,
    BenchmarkListArgs,
    BenchmarkSchema,
    ProgramDetailSchema,
    ProgramSchema,
    RateCreateSchema,
    RateSchema,
)

blp = Blueprint("programs_api", __name__, description="The plan's incentives and their rates")


@blp.route("/programs")
class Programs(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(ProgramSchema))
    def get(self, args):
        """Every incentive of the plan, with its clause, payee, amount rule and evidence."""
        return paginate_list(operations.list_programs(current_actor()), args["page"], args["per_page"])


@blp.route("/programs/<string:code>")
class ProgramByCode(MethodView):
    @blp.response(200, ProgramDetailSchema)
    def get(self, code):
        """One program with the history of its rates."""
        return operations.get_program(current_actor(), code)


@blp.route("/programs/<string:code>/rates")
class ProgramRates(MethodView):
    @blp.arguments(RateCreateSchema)
    @blp.response(201, RateSchema)
    @blp.alt_response(409, description="A rate from that date is already recorded")
    def post(self, data, code):
        """A new rate from a date (administrators); earlier rates stay on record."""
        return operations.change_rate(current_actor(), code, **data)


@blp.route("/benchmarks")
class Benchmarks(MethodView):
    @blp.arguments(BenchmarkListArgs, location="query")
    @blp.response(200, page_schema(BenchmarkSchema))
    def get(self, args):
        """Other provinces' standards, each with its date and source."""
        stmt = operations.list_benchmarks(current_actor(), program_code=args["program_code"])
        return paginate(stmt, args["page"], args["per_page"])

    @blp.arguments(BenchmarkCreateSchema)
    @blp.response(201, BenchmarkSchema)
    def post(self, data):
        """Record another province's standard from a date (HR)."""
        return operations.record_benchmark(current_actor(), **data)
