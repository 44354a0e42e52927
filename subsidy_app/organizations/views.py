"""The organisation registry: search, and one organisation's page with its spot checks."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import selectinload

from ..bankaccounts import operations as bankaccounts
from ..bankaccounts import views as bank_views
from ..core.bankforms import BankAccountForm
from ..core.htmlforms import attempt, options
from ..core.pagination import order_by_sort, paginate_html, parse_sort
from ..core.permissions import can
from ..core.templating import localized
from ..users.auth import current_actor
from . import operations
from .forms import OrganizationForm
from .models import Organization, OrganizationKind
from .page import OrganizationPage

bp = Blueprint("organizations", __name__, template_folder="templates", url_prefix="/organizations")

#: The organisations list's orders (``?sort=``, ``?direction=``).
ORGANIZATION_SORTS = {
    "name": Organization.name,
    "kind": Organization.kind,
    "credit_code": Organization.credit_code,
    "registered": Organization.created_at,
}


@bp.route("/")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[:100]
    kind = request.args.get("kind")
    kind = OrganizationKind(kind) if kind in set(OrganizationKind) else None
    sort, direction = parse_sort(request.args, ORGANIZATION_SORTS, None)
    stmt = order_by_sort(
        operations.visible_organizations(current_actor(), kind=kind, search=q or None),
        ORGANIZATION_SORTS,
        sort,
        direction,
        Organization.id,
    ).options(selectinload(Organization.city))
    page = paginate_html(stmt, request.args, sort=sort, direction=direction)
    return render_template("organizations/index.html", page=page, q=q, kind=kind)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    actor = current_actor()
    form = OrganizationForm()
    form.city.choices = options([(c.name_zh, localized(c, "name")) for c in operations.list_cities()])
    status = 200
    if form.validate_on_submit():
        org = attempt(
            form,
            lambda: operations.create_organization(
                actor,
                kind=form.kind.data,
                name=form.name.data,
                credit_code=form.credit_code.data,
                city=form.city.data,
                bank_name=form.bank_name.data or None,
                bank_account_no=form.bank_account_no.data or None,
            ),
            _("Registered."),
        )
        if org:
            return redirect(url_for("organizations.detail", organization_id=org.id))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("organizations/new.html", form=form), status


@bp.route("/<int:organization_id>", methods=["GET", "POST"])
@login_required
def detail(organization_id):
    actor = current_actor()
    bank = BankAccountForm()
    status = 200
    if bank.validate_on_submit():
        change = attempt(
            bank,
            lambda: bankaccounts.set_bank_account(
                actor,
                "organization",
                organization_id,
                bank_name=bank.bank_name.data,
                account_no=bank.account_no.data,
                four_eyes=bank.four_eyes.data,
            ),
            None,
        )
        if change:
            flash(bank_views.saved_message(change), "info")
            return redirect(url_for("organizations.detail", organization_id=organization_id))
        status = 422
    elif request.method == "POST":
        status = 422
    org = OrganizationPage.of(actor, operations.get_organization(actor, organization_id))
    return render_template(
        "organizations/detail.html",
        org=org,
        bank=bank,
        may_bank=can(actor, "organization.bank_account"),
        can_set_directly=can(actor, "bank_account.set_directly"),
        **bank_views.account_context(actor, org.organization, "organization"),
    ), status
