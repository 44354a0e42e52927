from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import (
    AwardCreateSchema,
    AwardListArgs,
    AwardSchema,
    BaseCreateSchema,
    BaseListArgs,
    DemonstrationBaseSchema,
)

blp = Blueprint("awards_api", __name__, description="Friendship Awards (十四) and demonstration bases (十五)")


@blp.route("/awards")
class Awards(MethodView):
    @blp.arguments(AwardListArgs, location="query")
    @blp.response(200, page_schema(AwardSchema))
    def get(self, args):
        """Friendship Awards recorded, newest year first."""
        return paginate(
            operations.list_awards(current_actor(), year=args["year"], kind=args["kind"]),
            args["page"],
            args["per_page"],
        )

    @blp.arguments(AwardCreateSchema)
    @blp.response(201, AwardSchema)
    @blp.alt_response(409, description="This award is already recorded for this person")
    def post(self, data):
        """Record a national or provincial Friendship Award (HR); creates the bonus claim
        (``claim_id``), a draft to which the award certificate is attached."""
        return operations.record_award(current_actor(), **data)


@blp.route("/demonstration-bases")
class DemonstrationBases(MethodView):
    @blp.arguments(BaseListArgs, location="query")
    @blp.response(200, page_schema(DemonstrationBaseSchema))
    def get(self, args):
        """Demonstration bases by year of designation."""
        return paginate(
            operations.list_bases(current_actor(), year=args["year"], level=args["level"]),
            args["page"],
            args["per_page"],
        )

    @blp.arguments(BaseCreateSchema)
    @blp.response(201, DemonstrationBaseSchema)
    @blp.alt_response(409, description="Already designated at this level")
    def post(self, data):
        """Record a national or provincial designation (HR); creates the reward claim."""
        return operations.record_base(current_actor(), **data)
