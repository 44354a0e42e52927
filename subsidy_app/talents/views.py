"""The talent registry: search, and one talent's page with their claims."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..bankaccounts import operations as bankaccounts
from ..bankaccounts import views as bank_views
from ..claims import operations as claims
from ..claims import presentation
from ..core.bankforms import BankAccountForm
from ..core.htmlforms import attempt
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..users.auth import current_actor
from . import operations
from .forms import PassportForm, TalentForm

bp = Blueprint("talents", __name__, template_folder="templates", url_prefix="/talents")


@bp.route("/")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    page = paginate_html(operations.visible_talents(current_actor(), search=q or None), request.args)
    return render_template("talents/index.html", page=page, q=q)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Register a person (employers for their own staff, HR for anyone): one code for life."""
    actor = current_actor()
    form = TalentForm()
    status = 200
    if form.validate_on_submit():
        talent = attempt(
            form,
            lambda: operations.register_talent(
                actor,
                name=form.name.data,
                nationality=form.nationality.data.strip().upper(),
                passport_no=form.passport_no.data,
                birth_date=form.birth_date.data,
                degree=form.degree.data,
                years_experience=form.years_experience.data,
                work_permit_no=form.work_permit_no.data or None,
                permit_class=form.permit_class.data or None,
                employer_id=form.employer_id.data,
                shanxi_start_date=form.shanxi_start_date.data,
                graduated_in_china=form.graduated_in_china.data,
            ),
            _("Registered."),
        )
        if talent:
            return redirect(url_for("talents.detail", code=talent.talent_code))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("talents/new.html", form=form), status


@bp.route("/<code>", methods=["GET", "POST"])
@login_required
def detail(code):
    actor = current_actor()
    bank, passport = BankAccountForm(prefix="bank"), PassportForm(prefix="passport")
    status = 200
    if "passport-passport_no" in request.form and passport.validate_on_submit():
        if attempt(
            passport,
            lambda: operations.renew_passport(
                actor,
                code,
                passport_no=passport.passport_no.data,
                nationality=(passport.nationality.data or "").strip().upper() or None,
                reason=passport.reason.data or None,
            ),
            _("New passport recorded; the talent code stays."),
        ):
            return redirect(url_for("talents.detail", code=code))
        status = 422
    elif "bank-bank_name" in request.form and bank.validate_on_submit():
        change = attempt(
            bank,
            lambda: bankaccounts.set_bank_account(
                actor,
                "talent",
                code,
                bank_name=bank.bank_name.data,
                account_no=bank.account_no.data,
                four_eyes=bank.four_eyes.data,
            ),
            None,
        )
        if change:
            flash(bank_views.saved_message(change), "info")
            return redirect(url_for("talents.detail", code=code))
        status = 422
    elif request.method == "POST":
        status = 422
    talent = operations.get_talent(actor, code)
    their_claims = [
        presentation.describe(actor, c, full=False)
        for c in claims.db_list(
            claims.visible_claims(actor, talent_code=talent.talent_code, order="newest"), 100
        )
    ]
    return render_template(
        "talents/detail.html",
        talent=talent,
        claims=their_claims,
        bank=bank,
        passport=passport,
        may_renew=can(actor, "talent.renew_passport"),
        may_bank=can(actor, "talent.bank_account"),
        can_set_directly=can(actor, "bank_account.set_directly"),
        **bank_views.account_context(actor, talent, "talent"),
    ), status
