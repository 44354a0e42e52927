"""The inbox: messages about one's claims and stages, newest first."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf import FlaskForm

from ..core.pagination import paginate_html
from ..users.auth import current_actor
from . import operations
from .messages import render

bp = Blueprint("notifications", __name__, template_folder="templates", url_prefix="/inbox")


@bp.route("/")
@login_required
def index():
    page = paginate_html(operations.inbox(current_actor()), request.args)
    return render_template("notifications/index.html", page=page, render=render, form=FlaskForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    if FlaskForm().validate_on_submit():
        operations.mark_read(current_actor(), notification_id)
    return redirect(url_for("notifications.index"))
