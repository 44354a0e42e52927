"""Friendship Awards and demonstration bases: the lists, and recording one (HR)."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..core.htmlforms import attempt
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..core.requests import year_arg
from ..users.auth import current_actor
from . import operations
from .forms import AwardForm, BaseForm

bp = Blueprint("awards", __name__, template_folder="templates", url_prefix="/awards")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    award_form, base_form = AwardForm(prefix="award"), BaseForm(prefix="base")
    status = 200
    if request.method == "POST":
        if "award-kind" in request.form and award_form.validate_on_submit():
            award = attempt(
                award_form,
                lambda: operations.record_award(
                    actor,
                    kind=award_form.kind.data,
                    talent_code=award_form.talent_code.data.strip(),
                    year=award_form.year.data,
                ),
                _("Award recorded; its bonus claim is a draft: attach the certificate and submit it."),
            )
            if award:
                return redirect(url_for("claims.detail", claim_id=award.claim_id))
        elif "base-level" in request.form and base_form.validate_on_submit():
            base = attempt(
                base_form,
                lambda: operations.record_base(
                    actor,
                    level=base_form.level.data,
                    organization_id=base_form.organization_id.data,
                    designated_on=base_form.designated_on.data,
                ),
                _("Designation recorded; its reward claim is a draft."),
            )
            if base:
                return redirect(url_for("claims.detail", claim_id=base.claim_id))
        status = 422
    year = request.args.get("year", type=year_arg)
    return render_template(
        "awards/index.html",
        awards=paginate_html(operations.list_awards(actor), request.args),
        bases=paginate_html(operations.list_bases(actor, year=year), request.args),
        year=year,
        award_form=award_form,
        base_form=base_form,
        may_record=can(actor, "award.record"),
    ), status
