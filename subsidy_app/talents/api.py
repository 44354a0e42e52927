from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import (
    PassportRenewalSchema,
    TalentCreateSchema,
    TalentDetailSchema,
    TalentListArgs,
    TalentSchema,
)

blp = Blueprint("talents_api", __name__, description="Foreign talent, one code per person for life")


@blp.route("/talents")
class Talents(MethodView):
    @blp.arguments(TalentListArgs, location="query")
    @blp.response(200, page_schema(TalentSchema))
    def get(self, args):
        """Talent the caller may see (employers: their own staff)."""
        stmt = operations.visible_talents(current_actor(), search=args["q"], employer_id=args["employer_id"])
        return paginate(stmt, args["page"], args["per_page"])

    @blp.arguments(TalentCreateSchema)
    @blp.response(201, TalentSchema)
    @blp.alt_response(409, description="The same person is registered: the error names the code")
    def post(self, data):
        """Register a person and issue the lifelong talent code (HR; employers for their staff)."""
        return operations.register_talent(current_actor(), **data)


@blp.route("/talents/<string:talent_code>")
class TalentByCode(MethodView):
    @blp.response(200, TalentDetailSchema)
    def get(self, talent_code):
        """One talent by code; a talent who is not yours answers 404. ``bank_account_no`` is
        the account in effect; ``pending_bank_account`` a change waiting for HR (the
        ``bank-account`` calls are under "Where payees are paid")."""
        return operations.get_talent(current_actor(), talent_code)


@blp.route("/talents/<string:talent_code>/passports")
class TalentPassports(MethodView):
    @blp.arguments(PassportRenewalSchema)
    @blp.response(201, TalentSchema)
    def post(self, data, talent_code):
        """Record a renewed passport; the talent code stays the same."""
        return operations.renew_passport(current_actor(), talent_code, **data)
