"""The talent registry: search, and one talent's page with their claims."""
from flask import Blueprint, render_template, request
from flask_login import login_required

from ..claims import operations as claims
from ..claims import presentation
from ..core.pagination import paginate_html
from ..users.auth import current_actor
from . import operations

bp = Blueprint("talents", __name__, template_folder="templates", url_prefix="/talents")


@bp.route("/")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    page = paginate_html(operations.visible_talents(current_actor(), search=q or None), request.args)
    return render_template("talents/index.html", page=page, q=q)


@bp.route("/<code>")
@login_required
def detail(code):
    actor = current_actor()
    talent = operations.get_talent(actor, code)
    their_claims = [presentation.describe(actor, c, full=False) for c in claims.db_list(
        claims.visible_claims(actor, talent_code=talent.talent_code, order="newest"), 100)]
    return render_template("talents/detail.html", talent=talent, claims=their_claims)
