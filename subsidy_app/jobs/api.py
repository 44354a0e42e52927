from flask import send_file
from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import acting_user
from . import operations
from .schemas import JobCreateSchema, JobListArgs, JobSchema

blp = Blueprint("jobs_api", __name__, description="Long work: progress, cancel, results")


def accepted(job):
    """``202 Accepted`` with the job and where to follow it (every endpoint that starts one)."""
    return job, 202, {"Location": f"/api/v1/jobs/{job.id}"}


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.arguments(JobListArgs, location="query")
    @blp.response(200, page_schema(JobSchema))
    def get(self, args):
        """Jobs: one's own; staff also those of the kinds they may see. Newest first."""
        stmt = operations.visible_jobs(
            acting_user(), status=args["status"], kind=args["kind"], mine=args["mine"]
        )
        return paginate(stmt, args["page"], args["per_page"])

    @blp.arguments(JobCreateSchema)
    @blp.response(202, JobSchema, headers={"Location": {"schema": {"type": "string"}}})
    def post(self, data):
        """Start long work of any kind (``bulk_action``, ``ledger_export``, ``ledger_verification``,
        ``budget_report``, ``quarterly_report``, ``audit_bundle``, ``inspection_draw``,
        ``payment_batch``) with its ``params``."""
        return accepted(operations.submit(acting_user(), data["kind"], data["params"]))


@blp.route("/jobs/<int:job_id>")
class JobById(MethodView):
    @blp.response(200, JobSchema)
    def get(self, job_id):
        """A job and its progress (404 to whoever may not see it)."""
        return operations.get_job(acting_user(), job_id)


@blp.route("/jobs/<int:job_id>/cancel")
class JobCancel(MethodView):
    @blp.response(200, JobSchema)
    def post(self, job_id):
        """Stop a job: a queued one at once, a running one after its current chunk."""
        return operations.cancel(acting_user(), job_id)


@blp.route("/jobs/<int:job_id>/result")
class JobResult(MethodView):
    @blp.response(
        200, description="The result: JSON (a summary, and for bulk work what each claim did) or the file"
    )
    def get(self, job_id):
        """A job's result, to whoever may see the job (409 while there is none)."""
        job, path, body = operations.result_of(acting_user(), job_id)
        if path is not None:
            response = send_file(path, as_attachment=True, download_name=path.name, max_age=0)
            response.headers["Cache-Control"] = "private, no-store"
            return response
        return body
