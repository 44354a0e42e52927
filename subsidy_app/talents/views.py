"""The talent registry: search, and one talent's page with their claims."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from ..bankaccounts import operations as bankaccounts
from ..bankaccounts import views as bank_views
from ..claims import operations as claims
from ..claims import presentation
from ..core.bankforms import BankAccountForm
from ..core.htmlforms import attempt
from ..core.pagination import order_by_sort, paginate_html, parse_sort
from ..core.permissions import can
from ..programs import operations as programs
from ..users.auth import current_actor
from . import operations
from .countries import country_name
from .forms import (
    PassportForm,
    TalentForm,
    TalentKindForm,
    kind_choices,
    nationality_options,
    talent_kind_label,
)
from .models import Talent

bp = Blueprint("talents", __name__, template_folder="templates", url_prefix="/talents")

#: The talents list's orders (``?sort=``, ``?direction=``); the default is the order of registration.
TALENT_SORTS = {
    "code": Talent.talent_code,
    "name": Talent.name,
    "nationality": Talent.nationality,
    "registered": Talent.created_at,
}


def _lang() -> str:
    return "en" if str(get_locale() or "zh").startswith("en") else "zh"


@bp.app_template_global("country_name")
def _country_name(code) -> str:
    return country_name(code)


@bp.app_template_global("talent_kind_label")
def _talent_kind_label(kind) -> str:
    return talent_kind_label(kind, _lang()) if kind else ""


@bp.route("/picker.json")
@login_required
def picker():
    """The claim form's talent picker: at most 20 talents {code, name} whose name or code
    contains ``q``, among those the user may name on a claim of ``program`` (the rule of
    subjects/naming.py: another organisation's talent never appears)."""
    code = (request.args.get("program") or "").strip()[:40]
    program = programs.find_program(code) if code else None
    found = operations.pick_talents(current_actor(), request.args.get("q"), program)
    response = jsonify({"talents": [{"code": t.talent_code, "name": t.name} for t in found]})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    sort, direction = parse_sort(request.args, TALENT_SORTS, None)
    stmt = order_by_sort(
        operations.visible_talents(current_actor(), search=q or None),
        TALENT_SORTS,
        sort,
        direction,
        Talent.id,
    )
    page = paginate_html(stmt, request.args, sort=sort, direction=direction)
    return render_template("talents/index.html", page=page, q=q)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Register a person (employers for their own staff, HR for anyone): one code for life."""
    actor = current_actor()
    form = TalentForm()
    form.nationality.choices = nationality_options(_("Choose…"))
    form.talent_kind.choices = kind_choices(_lang(), _("Choose…"))
    status = 200
    if form.validate_on_submit():
        talent = attempt(
            form,
            lambda: operations.register_talent(
                actor,
                name=form.name.data,
                nationality=form.nationality.data,
                passport_no=form.passport_no.data,
                birth_date=form.birth_date.data,
                degree=form.degree.data,
                years_experience=form.years_experience.data,
                work_permit_no=form.work_permit_no.data or None,
                permit_class=form.permit_class.data or None,
                employer_id=form.employer_id.data,
                shanxi_start_date=form.shanxi_start_date.data,
                graduated_in_china=form.graduated_in_china.data,
                talent_kind=form.talent_kind.data,
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
    passport.nationality.choices = nationality_options(_("Unchanged"))
    kind = TalentKindForm(prefix="kind")
    kind.talent_kind.choices = kind_choices(_lang(), _("Choose…"))
    status = 200
    if "passport-passport_no" in request.form and passport.validate_on_submit():
        if attempt(
            passport,
            lambda: operations.renew_passport(
                actor,
                code,
                passport_no=passport.passport_no.data,
                nationality=passport.nationality.data or None,
                reason=passport.reason.data or None,
            ),
            _("New passport recorded; the talent code stays."),
        ):
            return redirect(url_for("talents.detail", code=code))
        status = 422
    elif "kind-talent_kind" in request.form and kind.validate_on_submit():
        if attempt(
            kind,
            lambda: operations.set_talent_kind(actor, code, kind.talent_kind.data),
            _("Kind of talent saved."),
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
    if request.method == "GET" and talent.talent_kind:
        kind.talent_kind.data = talent.talent_kind.value
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
        kind=kind,
        may_edit_kind=can(actor, "talent.create"),
        may_renew=can(actor, "talent.renew_passport"),
        may_bank=can(actor, "talent.bank_account"),
        can_set_directly=can(actor, "bank_account.set_directly"),
        **bank_views.account_context(actor, talent, "talent"),
    ), status
