"""The organisation registry: search, and one organisation's page with its spot checks."""
from flask import Blueprint, render_template, request
from flask_login import login_required

from ..core.pagination import paginate_html
from ..users.auth import current_actor
from . import operations
from .models import OrganizationKind

bp = Blueprint("organizations", __name__, template_folder="templates", url_prefix="/organizations")


@bp.route("/")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    kind = request.args.get("kind")
    kind = OrganizationKind(kind) if kind in set(OrganizationKind) else None
    page = paginate_html(operations.visible_organizations(current_actor(), kind=kind, search=q or None),
                         request.args)
    return render_template("organizations/index.html", page=page, q=q, kind=kind)


@bp.route("/<int:organization_id>")
@login_required
def detail(organization_id):
    return render_template("organizations/detail.html",
                           org=operations.organization_page(current_actor(), organization_id))
