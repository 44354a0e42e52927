"""The audit trail for auditors and administrators: every state change, newest first."""

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import select

from ..users.auth import current_actor
from .audit import AuditEvent
from .pagination import order_by_sort, paginate_html, parse_sort
from .permissions import require

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: The trail's orders: by when (newest first unless asked), by who, by what.
AUDIT_SORTS = {"when": AuditEvent.id, "who": AuditEvent.actor_name, "what": AuditEvent.action}


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
    sort, direction = parse_sort(request.args, AUDIT_SORTS, "when", "desc")
    stmt = order_by_sort(stmt, AUDIT_SORTS, sort, direction, AuditEvent.id)
    return render_template(
        "audit/index.html",
        page=paginate_html(stmt, request.args, per_page=50, sort=sort, direction=direction),
        action=action,
        actor_name=actor_name,
    )
