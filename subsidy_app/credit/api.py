from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import LiftSchema, ListingCreateSchema, ListingListArgs, ListingSchema

blp = Blueprint("credit_api", __name__, description="Red and black credit lists (十七)")


@blp.route("/credit-list")
class CreditListings(MethodView):
    @blp.arguments(ListingListArgs, location="query")
    @blp.response(200, page_schema(ListingSchema))
    def get(self, args):
        """Current and past listings."""
        stmt = operations.listings(
            current_actor(), active=args["active"], which=args["list"], subject_kind=args["subject_kind"]
        )
        return paginate(stmt, args["page"], args["per_page"])

    @blp.arguments(ListingCreateSchema)
    @blp.response(201, ListingSchema)
    def post(self, data):
        """Put an organisation or talent on the red or black list (HR)."""
        return operations.list_subject(current_actor(), **data)


@blp.route("/credit-list/<int:listing_id>")
class CreditListingById(MethodView):
    @blp.arguments(LiftSchema)
    @blp.response(200, ListingSchema)
    def delete(self, data, listing_id):
        """Lift a listing, with a reason; it stays on record as past."""
        return operations.lift(current_actor(), listing_id, reason=data["reason"])
