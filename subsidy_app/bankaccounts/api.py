"""Payee bank accounts: set by HR, proposed by the organisation and confirmed by another HR
user (four eyes)."""

from flask import jsonify
from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..organizations.schemas import OrganizationDetailSchema
from ..talents.schemas import TalentDetailSchema
from ..users.auth import current_actor
from . import operations
from .models import ChangeStatus
from .schemas import (
    BankAccountChangeListArgs,
    BankAccountChangeRequestSchema,
    BankAccountChangeSchema,
    BankAccountConfirmSchema,
    BankAccountRejectSchema,
)

blp = Blueprint(
    "bankaccounts_api", __name__, description="Where payees are paid: account changes under four eyes"
)

ORGANIZATION, TALENT = "organization", "talent"


def _answer(change):
    """In effect: 200 with the payee. Waiting for HR: 202 with the pending change."""
    if change.status == ChangeStatus.PENDING:
        response = jsonify(BankAccountChangeSchema().dump(change))
        response.status_code = 202
        return response
    return change.subject


@blp.route("/organizations/<int:organization_id>/bank-account")
class OrganizationBankAccount(MethodView):
    @blp.arguments(BankAccountChangeRequestSchema)
    @blp.response(200, OrganizationDetailSchema)
    @blp.alt_response(
        202,
        schema=BankAccountChangeSchema,
        description="Proposed by the organisation: waits for an HR user's confirmation",
    )
    def put(self, data, organization_id):
        """Set where the organisation is paid: HR and administrators at once; the
        organisation's own users propose, and the last confirmed account stays in effect
        until another HR user confirms."""
        return _answer(operations.set_bank_account(current_actor(), ORGANIZATION, organization_id, **data))


@blp.route("/organizations/<int:organization_id>/bank-account/confirm")
class OrganizationBankAccountConfirm(MethodView):
    @blp.arguments(BankAccountConfirmSchema)
    @blp.response(200, OrganizationDetailSchema)
    @blp.alt_response(403, description="Who proposed the change cannot confirm it")
    @blp.alt_response(409, description="No change waits for confirmation")
    def post(self, data, organization_id):
        """Confirm the pending change (an HR user other than the proposer): it takes effect."""
        return operations.confirm(current_actor(), ORGANIZATION, organization_id, **data)


@blp.route("/organizations/<int:organization_id>/bank-account/reject")
class OrganizationBankAccountReject(MethodView):
    @blp.arguments(BankAccountRejectSchema)
    @blp.response(200, BankAccountChangeSchema)
    @blp.alt_response(409, description="No change waits for confirmation")
    def post(self, data, organization_id):
        """Refuse the pending change, with the reason (HR); the account in effect stays."""
        return operations.reject(current_actor(), ORGANIZATION, organization_id, **data)


@blp.route("/talents/<string:talent_code>/bank-account")
class TalentBankAccount(MethodView):
    @blp.arguments(BankAccountChangeRequestSchema)
    @blp.response(200, TalentDetailSchema)
    @blp.alt_response(
        202,
        schema=BankAccountChangeSchema,
        description="Proposed by the employer: waits for an HR user's confirmation",
    )
    def put(self, data, talent_code):
        """Set where the talent is paid: HR and administrators at once; the talent's
        employer proposes, and the last confirmed account stays in effect until an HR user
        confirms."""
        return _answer(operations.set_bank_account(current_actor(), TALENT, talent_code, **data))


@blp.route("/talents/<string:talent_code>/bank-account/confirm")
class TalentBankAccountConfirm(MethodView):
    @blp.arguments(BankAccountConfirmSchema)
    @blp.response(200, TalentDetailSchema)
    @blp.alt_response(403, description="Who proposed the change cannot confirm it")
    @blp.alt_response(409, description="No change waits for confirmation")
    def post(self, data, talent_code):
        """Confirm the pending change (an HR user other than the proposer): it takes effect."""
        return operations.confirm(current_actor(), TALENT, talent_code, **data)


@blp.route("/talents/<string:talent_code>/bank-account/reject")
class TalentBankAccountReject(MethodView):
    @blp.arguments(BankAccountRejectSchema)
    @blp.response(200, BankAccountChangeSchema)
    @blp.alt_response(409, description="No change waits for confirmation")
    def post(self, data, talent_code):
        """Refuse the pending change, with the reason (HR); the account in effect stays."""
        return operations.reject(current_actor(), TALENT, talent_code, **data)


@blp.route("/bank-account-changes")
class BankAccountChanges(MethodView):
    @blp.arguments(BankAccountChangeListArgs, location="query")
    @blp.response(200, page_schema(BankAccountChangeSchema))
    def get(self, args):
        """Account changes, newest first (``status=pending``: what waits for HR). An
        organisation's users see their own."""
        stmt = operations.visible_changes(
            current_actor(), status=args["status"], subject_kind=args["subject_kind"]
        )
        return paginate(stmt, args["page"], args["per_page"])


@blp.route("/bank-account-changes/<int:change_id>")
class BankAccountChangeById(MethodView):
    @blp.response(200, BankAccountChangeSchema)
    def get(self, change_id):
        """One account change."""
        return operations.get_change(current_actor(), change_id)
