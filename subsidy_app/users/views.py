"""HTML login, logout and the language switch (thin: forms, one operation, a redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import login_user, logout_user

from ..core.errors import TooManyRequests, Unauthorized
from . import limits, operations
from .forms import LanguageForm, LoginForm, LogoutForm

bp = Blueprint("users", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only redirect within this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limits.per_name
@limits.per_address
def login():
    form = LoginForm(next=request.args.get("next"))
    status = 200
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.username.data, form.password.data)
        except (Unauthorized, TooManyRequests) as exc:
            form.password.errors.append(exc.message)
            status = exc.status
        else:
            lang = session.get("lang")  # a new session (no fixation), in the language chosen
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(form.next.data))
    elif request.method == "POST":
        status = 400 if form.csrf_token.errors else 422
    return render_template("users/login.html", form=form), status


@bp.errorhandler(RateLimitExceeded)
def too_many_failed_logins(_exc):
    """The login page again, with the reason on the form (the limits are in limits.py)."""
    form = LoginForm(next=request.args.get("next"))
    form.password.errors = [limits.message()]
    return render_template("users/login.html", form=form), 429


@bp.route("/logout", methods=["POST"])
def logout():
    if LogoutForm().validate_on_submit():
        lang = session.get("lang")
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You have logged out."), "info")
    return redirect(url_for("users.login"))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    return redirect(_safe_next(form.next.data))
