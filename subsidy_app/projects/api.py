from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import ProjectCreateSchema, ProjectListArgs, ProjectSchema

blp = Blueprint("projects_api", __name__, description="Provincial recruitment projects")


@blp.route("/recruitment-projects")
class Projects(MethodView):
    @blp.arguments(ProjectListArgs, location="query")
    @blp.response(200, page_schema(ProjectSchema))
    def get(self, args):
        """Recruitment projects, newest year first."""
        stmt = operations.list_projects(current_actor(), year=args["year"], level=args["level"])
        return paginate(stmt, args["page"], args["per_page"])

    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, ProjectSchema)
    def post(self, data):
        """Register a key or regular recruitment project (HR)."""
        return operations.create_project(current_actor(), **data)
