from flask.views import MethodView

from ..core.api import Blueprint
from ..core.pagination import page_schema, paginate
from ..users.auth import current_actor
from . import operations
from .schemas import InboxArgs, NotificationSchema

blp = Blueprint("notifications_api", __name__, description="The caller's inbox")


@blp.route("/notifications")
class Inbox(MethodView):
    @blp.arguments(InboxArgs, location="query")
    @blp.response(200, page_schema(NotificationSchema))
    def get(self, args):
        """Messages for the caller, newest first, in the caller's language."""
        return paginate(
            operations.inbox(current_actor(), unread=args["unread"]), args["page"], args["per_page"]
        )


@blp.route("/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark a message read."""
        return operations.mark_read(current_actor(), notification_id)
