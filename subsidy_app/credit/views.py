"""Red and black lists (十七): current and past listings, listing, lifting."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.htmlforms import attempt
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..inspections import operations as inspections
from ..users.auth import current_actor
from . import operations
from .forms import LiftForm, ListingForm

bp = Blueprint("credit", __name__, template_folder="templates", url_prefix="/credit-list")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    form = ListingForm()
    status = 200
    if form.validate_on_submit():
        done = attempt(
            form,
            lambda: operations.list_subject(
                actor,
                subject_kind=form.subject_kind.data,
                subject_id=form.subject_id.data.strip(),
                list=form.list.data,
                reason=form.reason.data,
                inspection_result_id=form.inspection_result_id.data,
            ),
            _("Listed."),
        )
        if done:
            return redirect(url_for("credit.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    page = paginate_html(operations.listings(actor), request.args)
    proposals = inspections.open_proposals(actor) if can(actor, "inspection.read") else []
    return render_template(
        "credit/index.html",
        page=page,
        form=form,
        lift=LiftForm(formdata=None),
        may_list=can(actor, "credit.list"),
        proposals=proposals,
    ), status


@bp.route("/<int:listing_id>/lift", methods=["POST"])
@login_required
def lift(listing_id):
    form = LiftForm()
    if form.validate_on_submit():
        attempt(
            form, lambda: operations.lift(current_actor(), listing_id, reason=form.reason.data), _("Lifted.")
        )
    else:
        flash(_("Say why the listing is lifted."), "error")
    return redirect(url_for("credit.index"))
