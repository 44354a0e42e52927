from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .page import OrganizationPage
from .schemas import (
    CitySchema,
    OrganizationCreateSchema,
    OrganizationDetailSchema,
    OrganizationListArgs,
    OrganizationSchema,
)

blp = Blueprint("organizations_api", __name__, description="Employers and intermediaries")


@blp.route("/organizations")
class Organizations(MethodView):
    @blp.arguments(OrganizationListArgs, location="query")
    @blp.response(200, page_schema(OrganizationSchema))
    def get(self, args):
        """Organisations the caller may see (employers and intermediaries: their own)."""
        stmt = operations.visible_organizations(current_actor(), kind=args["kind"], search=args["q"])
        return paginate(stmt, args["page"], args["per_page"])

    @blp.arguments(OrganizationCreateSchema)
    @blp.response(201, OrganizationSchema)
    @blp.alt_response(409, description="The credit code is already registered")
    def post(self, data):
        """Register an employer or intermediary (HR, administrators)."""
        return operations.create_organization(current_actor(), **data)


@blp.route("/organizations/<int:organization_id>")
class OrganizationById(MethodView):
    @blp.response(200, OrganizationDetailSchema)
    def get(self, organization_id):
        """One organisation; another organisation's answers 404 to employers and intermediaries.
        Staff who read inspections also get its spot checks (``inspections``).
        ``bank_account_no`` is the account in effect; ``pending_bank_account`` a change waiting
        for HR."""
        actor = current_actor()
        return OrganizationPage.of(actor, operations.get_organization(actor, organization_id))


@blp.route("/cities")
class Cities(MethodView):
    @blp.response(200, CitySchema(many=True))
    def get(self):
        """The province's prefecture-level cities."""
        return operations.list_cities()
