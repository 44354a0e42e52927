"""Claims over JSON: thin shells over operations, actions and documents."""

from flask import send_file
from flask.views import MethodView
from flask_smorest.fields import Upload

from ..core.api import PDF, Blueprint
from ..core.pagination import page_schema
from ..core.schemas import BaseSchema
from ..jobs import operations as jobs
from ..jobs.api import accepted
from ..jobs.schemas import JobSchema
from ..users.auth import acting_user, current_actor
from . import actions, documents, operations
from .presentation import describe
from .schemas import (
    ActionSchema,
    BulkActionSchema,
    ClaimCreateSchema,
    ClaimListArgs,
    ClaimSchema,
    ClaimUpdateSchema,
    DocumentDownloadArgs,
    DocumentFormSchema,
    DocumentSchema,
)

blp = Blueprint("claims_api", __name__, description="Claims: eligibility, evidence and decisions")


class FileSchema(BaseSchema):
    file = Upload(required=True)


@blp.route("/claims")
class Claims(MethodView):
    @blp.arguments(ClaimListArgs, location="query")
    @blp.response(200, page_schema(ClaimSchema))
    def get(self, args):
        """Claims the caller may see: applicants their own; reviewers their queue (red-listed
        applicants first, then the nearest deadline), without claims they are recused from.
        ``q`` searches (claim number, talent name or code, organisation, incentive);
        ``awaiting`` keeps what awaits HR or finance; ``sort``/``direction`` order otherwise."""
        actor = current_actor()
        filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
        page = operations.claim_page(actor, args["page"], args["per_page"], **filters)
        red_ids = page.pop("red_ids")
        page["items"] = [describe(actor, claim, full=False, red_ids=red_ids) for claim in page["items"]]
        return page

    @blp.arguments(ClaimCreateSchema)
    @blp.response(201, ClaimSchema)
    def post(self, data):
        """File a claim (saved as a draft) and get the verdict of every eligibility rule."""
        actor = current_actor()
        return describe(actor, operations.create_claim(actor, **data))


@blp.route("/claims/<int:claim_id>")
class ClaimById(MethodView):
    @blp.response(200, ClaimSchema)
    def get(self, claim_id):
        """A claim with its current stage and deadline, eligibility, evidence and history."""
        actor = current_actor()
        return describe(actor, operations.get_claim(actor, claim_id))

    @blp.arguments(ClaimUpdateSchema)
    @blp.response(200, ClaimSchema)
    def patch(self, data, claim_id):
        """Correct a draft or returned claim (the applicant)."""
        actor = current_actor()
        clear = "amount_requested" in data and data["amount_requested"] is None
        claim = operations.update_claim(
            actor,
            claim_id,
            amount_requested=data.get("amount_requested"),
            details=data.get("details"),
            clear_amount=clear,
        )
        return describe(actor, claim)


@blp.route("/claims/<int:claim_id>/actions")
class ClaimActions(MethodView):
    @blp.arguments(ActionSchema)
    @blp.response(200, ClaimSchema)
    @blp.alt_response(403, description="Not this actor: role, segregation of duties, recusal")
    @blp.alt_response(409, description="Not from this status, not eligible, documents missing")
    def post(self, data, claim_id):
        """Submit, withdraw, return, approve, reject, defer documents (容缺), appeal."""
        actor = current_actor()
        return describe(actor, actions.act(actor, claim_id, **data))


@blp.route("/claims/<int:claim_id>/documents")
class ClaimDocuments(MethodView):
    @blp.arguments(DocumentFormSchema, location="form")
    @blp.arguments(FileSchema, location="files")
    @blp.response(201, DocumentSchema)
    def post(self, form, files, claim_id):
        """Attach evidence (multipart: ``file``, ``kind``): PDF, PNG or JPEG, by content."""
        return documents.upload(current_actor(), claim_id, kind=form["kind"], file=files["file"])


@blp.route("/claims/<int:claim_id>/documents/<int:document_id>")
class ClaimDocumentFile(MethodView):
    @blp.arguments(DocumentDownloadArgs, location="query")
    @blp.file_response(PDF, "image/png", "image/jpeg", description="The file, to those who may see the claim")
    def get(self, args, claim_id, document_id):
        """Download a document (``?inline=true`` to view it in the browser)."""
        document, path = documents.open_document(current_actor(), claim_id, document_id)
        response = send_file(
            path,
            mimetype=document.content_type,
            as_attachment=not args["inline"],
            download_name=document.filename,
            etag=document.sha256,
            max_age=0,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/claims/bulk-actions")
class BulkActions(MethodView):
    @blp.arguments(BulkActionSchema)
    @blp.response(202, JobSchema, headers={"Location": {"schema": {"type": "string"}}})
    def post(self, data):
        """Approve many claims as a job (``hr_approve`` by HR, ``finance_approve`` by finance),
        named by ``claim_ids`` or all those ``filters`` find. Each claim meets the same rules as
        one approved alone; the job's result lists ``succeeded`` and ``failed`` with why."""
        return accepted(jobs.submit(acting_user(), "bulk_action", BulkActionSchema().dump(data)))
