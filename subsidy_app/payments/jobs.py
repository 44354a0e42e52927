"""Building a payment batch from many claims, as a job: the same checks as
``POST /payment-batches`` (all the claims or none); the job's result names the batch."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..jobs.registry import job_kind
from . import operations
from .schemas import BatchCreateSchema


@job_kind(
    "payment_batch",
    start="payment.create",
    see="payment.read",
    schema=BatchCreateSchema,
    label=_l("Payment batch"),
)
def build_batch(context, *, claim_ids: list[int]) -> dict:
    context.set_total(len(claim_ids))
    batch = operations.create_batch(context.actor, claim_ids=claim_ids)
    context.progress(len(claim_ids), force=True)
    return {
        "batch_id": batch.id,
        "claims": len(claim_ids),
        "total_amount": batch.total,
        "message": _("Payment batch %(id)s built with %(n)s claims.", id=batch.id, n=len(claim_ids)),
    }
