from flask import Response
from flask.views import MethodView
from flask_smorest.fields import Upload

from ..claims.presentation import describe
from ..claims.schemas import ClaimSchema
from ..core.api import CSV, Blueprint
from ..core.errors import ValidationFailed
from ..core.pagination import page_schema, paginate
from ..core.schemas import BaseSchema
from ..users.auth import current_actor
from . import corrections, operations
from .schemas import (
    BankResultSchema,
    BatchActionSchema,
    BatchCreateSchema,
    BatchDetailSchema,
    BatchListArgs,
    BatchSchema,
    CorrectionSchema,
)

blp = Blueprint("payments_api", __name__, description="Payment batches, bank files and corrections")


class ResultFileSchema(BaseSchema):
    file = Upload(required=True)


@blp.route("/payment-batches")
class Batches(MethodView):
    @blp.arguments(BatchListArgs, location="query")
    @blp.response(200, page_schema(BatchSchema))
    def get(self, args):
        """Payment batches, newest first."""
        return paginate(
            operations.list_batches(current_actor(), status=args["status"]), args["page"], args["per_page"]
        )

    @blp.arguments(BatchCreateSchema)
    @blp.response(201, BatchDetailSchema)
    @blp.alt_response(409, description="Some claims cannot be paid now (listed, with why)")
    def post(self, data):
        """Build a batch from finance-approved claims (finance)."""
        return operations.create_batch(current_actor(), **data)


@blp.route("/payment-batches/<int:batch_id>")
class BatchById(MethodView):
    @blp.response(200, BatchDetailSchema)
    def get(self, batch_id):
        """A batch with its items."""
        return operations.get_batch(current_actor(), batch_id)


@blp.route("/payment-batches/<int:batch_id>/actions")
class BatchActions(MethodView):
    @blp.arguments(BatchActionSchema)
    @blp.response(200, BatchDetailSchema)
    @blp.alt_response(403, description="Who built the batch cannot approve it")
    @blp.alt_response(409, description="Not from this status")
    def post(self, data, batch_id):
        """``approve`` (another finance user), or ``disburse`` with the bank reference."""
        actor = current_actor()
        if data["action"] == "approve":
            return operations.approve_batch(actor, batch_id)
        return operations.disburse_batch(actor, batch_id, bank_reference=data["bank_reference"])


@blp.route("/payment-batches/<int:batch_id>/bank-file")
class BankFile(MethodView):
    @blp.file_response(CSV, description="CSV: reference, payee, bank, account, amount, currency, purpose")
    def get(self, batch_id):
        """The payment file for the bank."""
        content = operations.bank_file(current_actor(), batch_id)
        response = Response("\ufeff" + content, mimetype="text/csv")
        response.headers["Content-Disposition"] = f"attachment; filename=batch-{batch_id}.csv"
        return response


@blp.route("/payment-batches/<int:batch_id>/bank-result")
class BankResult(MethodView):
    @blp.arguments(ResultFileSchema, location="files")
    @blp.response(200, BankResultSchema)
    def post(self, files, batch_id):
        """Import the bank's result file (CSV: reference, status SUCCESS|FAILED, bank_reference,
        message): failed payments are reversed and their claims wait for payment again."""
        raw = files["file"].stream.read(5 * 1024 * 1024 + 1)
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed("", fields={"file": ["UTF-8 CSV"]}) from None
        return operations.import_bank_result(current_actor(), batch_id, content)


@blp.route("/claims/<int:claim_id>/corrections")
class Corrections(MethodView):
    @blp.arguments(CorrectionSchema)
    @blp.response(200, ClaimSchema)
    def post(self, data, claim_id):
        """Correct a paid amount booked wrong: a reversal and a new entry (finance)."""
        actor = current_actor()
        return describe(actor, corrections.correct_payment(actor, claim_id, **data))
