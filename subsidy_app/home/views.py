from flask import Blueprint, render_template
from flask_login import login_required

from ..core.permissions import Role, can
from ..jobs.schemas import kind_label
from ..notifications import operations as notifications
from ..notifications.messages import render
from ..users.auth import current_actor
from . import operations

bp = Blueprint("home", __name__, template_folder="templates")


@bp.app_context_processor
def _unread_notices():
    """``unread_notices()`` for the navigation: counted when a page shows it (one COUNT)."""

    def unread_notices() -> int:
        actor = current_actor()
        if actor is None or not can(actor, "notification.read"):
            return 0
        return notifications.unread_count(actor)

    return {"unread_notices": unread_notices}


@bp.route("/")
@login_required
def index():
    actor = current_actor()
    return render_template(
        f"home/{Role(actor.role).value}.html",
        kind_label=kind_label,
        render_notice=render,
        **operations.landing_data(actor),
    )
