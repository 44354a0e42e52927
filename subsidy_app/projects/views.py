"""Recruitment projects: the list, and registering one (HR)."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from ..core.htmlforms import attempt, options
from ..core.pagination import paginate_html
from ..core.permissions import can
from ..users.auth import current_actor
from . import operations

bp = Blueprint("projects", __name__, template_folder="templates", url_prefix="/projects")


class ProjectForm(FlaskForm):
    name = StringField(_l("Project name"), validators=[DataRequired(), Length(max=200)])
    level = SelectField(
        _l("Level"),
        choices=options(
            [("key", _l("provincial key project")), ("regular", _l("provincial regular project"))]
        ),
    )
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    form = ProjectForm()
    status = 200
    if form.validate_on_submit():
        if attempt(
            form,
            lambda: operations.create_project(
                actor, name=form.name.data, level=form.level.data, year=form.year.data
            ),
            _("Registered."),
        ):
            return redirect(url_for("projects.index"))
        status = 422
    elif request.method == "POST":
        status = 422
    page = paginate_html(operations.list_projects(actor), request.args)
    return render_template(
        "projects/index.html", page=page, form=form, may_create=can(actor, "project.create")
    ), status
