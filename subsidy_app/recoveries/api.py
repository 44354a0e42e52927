from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import (
    DecisionSchema,
    RecoveryCreateSchema,
    RecoveryListArgs,
    RecoverySchema,
    RefundSchema,
    SettlementSchema,
)

blp = Blueprint("recoveries_api", __name__, description="Recovery orders for improper payments")


@blp.route("/recoveries")
class Recoveries(MethodView):
    @blp.arguments(RecoveryListArgs, location="query")
    @blp.response(200, page_schema(RecoverySchema))
    def get(self, args):
        """Recovery orders (``open=true``: those still owed)."""
        stmt = operations.list_orders(current_actor(), status=args["status"], open_only=args["open"])
        return paginate(stmt, args["page"], args["per_page"])

    @blp.arguments(RecoveryCreateSchema)
    @blp.response(201, RecoverySchema)
    def post(self, data):
        """Raise a recovery order against the payee of a paid claim (HR, finance)."""
        return operations.raise_order(current_actor(), **data)


@blp.route("/recoveries/<int:order_id>")
class RecoveryById(MethodView):
    @blp.response(200, RecoverySchema)
    def get(self, order_id):
        return operations.get_order(current_actor(), order_id)


@blp.route("/recoveries/<int:order_id>/decision")
class RecoveryDecision(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, RecoverySchema)
    def post(self, data, order_id):
        """HR decides: offset against the payee's next payments, refund, or write off."""
        return operations.decide(current_actor(), order_id, **data)


@blp.route("/recoveries/<int:order_id>/refunds")
class RecoveryRefunds(MethodView):
    @blp.arguments(RefundSchema)
    @blp.response(201, SettlementSchema)
    def post(self, data, order_id):
        """Record money the payee paid back (finance)."""
        return operations.record_refund(current_actor(), order_id, **data)
