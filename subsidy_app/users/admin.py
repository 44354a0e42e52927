"""Administrators' page of users: the list, and creating one (passwords are set, not shown)."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import attempt, options
from ..core.pagination import paginate_html
from ..users.auth import current_actor
from . import operations

bp = Blueprint("users_admin", __name__, template_folder="templates", url_prefix="/users")


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    role = SelectField(
        _l("Role"),
        choices=options(
            [
                ("employer", _l("Employer")),
                ("intermediary", _l("Intermediary")),
                ("hr", _l("Provincial HR")),
                ("finance", _l("Finance reviewer")),
                ("auditor", _l("Auditor")),
                ("admin", _l("Administrator")),
            ]
        ),
    )
    organization_id = IntegerField(
        _l("Organisation id (employers and intermediaries)"), validators=[Optional(), NumberRange(min=1)]
    )
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    is_senior = BooleanField(_l("Senior HR reviewer (second approvals)"))


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    query = operations.list_users_query(actor)
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        if attempt(
            form,
            lambda: operations.create_user(
                actor,
                username=form.username.data,
                password=form.password.data,
                role=form.role.data,
                organization_id=form.organization_id.data,
                display_name=form.display_name.data or None,
                is_senior=form.is_senior.data,
                email=form.email.data or None,
            ),
            _("User created."),
        ):
            return redirect(url_for("users_admin.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    page = paginate_html(query, request.args)
    return render_template(
        "users/admin.html", page=page, form=form, may_create=actor.role.value == "admin"
    ), status
