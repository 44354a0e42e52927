from flask import Blueprint, render_template
from flask_login import login_required

from ..core.permissions import Role
from ..users.auth import current_actor
from . import operations

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    actor = current_actor()
    return render_template(f"home/{Role(actor.role).value}.html", **operations.landing_data(actor))
