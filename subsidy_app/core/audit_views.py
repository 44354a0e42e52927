"""The audit trail for auditors and administrators: every state change, newest first."""

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select

from ..users.auth import current_actor
from .audit import AuditEvent
from .pagination import paginate_html
from .permissions import require

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@login_required
def index():
    require(current_actor(), "audit.read")
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()[:60]
    actor_name = (request.args.get("actor") or "").strip()[:64]
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action}%"))
    if actor_name:
        stmt = stmt.where(AuditEvent.actor_name == actor_name)
    return render_template(
        "audit/index.html",
        page=paginate_html(stmt, request.args, per_page=50),
        action=action,
        actor_name=actor_name,
    )
