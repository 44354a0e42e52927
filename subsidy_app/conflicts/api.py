from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import ConflictCreateSchema, ConflictEndSchema, ConflictListArgs, ConflictSchema

blp = Blueprint("conflicts_api", __name__, description="Recusal: reviewers' conflicts of interest (回避)")


@blp.route("/conflicts")
class Conflicts(MethodView):
    @blp.arguments(ConflictListArgs, location="query")
    @blp.response(200, page_schema(ConflictSchema))
    def get(self, args):
        """Declared conflicts (finance reviewers see their own)."""
        return paginate(
            operations.list_conflicts(current_actor(), active=args["active"]), args["page"], args["per_page"]
        )

    @blp.arguments(ConflictCreateSchema)
    @blp.response(201, ConflictSchema)
    def post(self, data):
        """Declare a conflict with an organisation or talent (HR records one for others too)."""
        return operations.declare(current_actor(), **data)


@blp.route("/conflicts/<int:conflict_id>")
class ConflictById(MethodView):
    @blp.arguments(ConflictEndSchema)
    @blp.response(200, ConflictSchema)
    def delete(self, data, conflict_id):
        """End a conflict, with a reason; it stays on record."""
        return operations.end(current_actor(), conflict_id, reason=data["reason"])
