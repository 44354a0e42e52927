"""Who is asking: a bearer token on the API, the session cookie on HTML pages."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import Forbidden, Unauthorized
from ..core.permissions import require_may_write
from ..extensions import db, login_manager
from . import operations
from .models import User

#: API endpoints that answer without a token.
PUBLIC_ENDPOINTS = {"users_api.Token", "api-docs.openapi_json"}
#: Writing methods that only start reading work (an export, a report, a verification) or
#: stop one's own: open to read-only roles too. What each job kind may do is still checked
#: by its own permission (an auditor can start no kind of work that changes records).
READING_POSTS = {
    "ledger_api.LedgerExports",
    "jobs_api.Jobs",
    "jobs_api.JobCancel",
    "users_api.MyPassword",  # one's own password: an auditor's too
}
#: What a user whose password an administrator reset may still call until they change it
#: (the HTML pages send them to "change your password" the same way).
OPEN_WHILE_CHANGING = {"users_api.Me", "users_api.MyPassword"}


def current_actor() -> User | None:
    """The user acting in this request (API token or HTML session), or None."""
    if not has_request_context():
        return None
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def authenticate_api_request() -> None:
    """Before every request under the API prefix: require a valid bearer token.

    Cookies are ignored on the API, which is why it needs no CSRF token.
    """
    if not request.path.startswith(current_app.config["API_PREFIX"]):
        return
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("Authentication is required: send Authorization: Bearer <token>."))
    user = operations.user_for_token(token.strip())
    if user is None:
        raise Unauthorized(_("The token is invalid or has expired."))
    if user.must_change_password and request.endpoint not in OPEN_WHILE_CHANGING:
        raise Forbidden(
            _("An administrator reset your password: change it first (POST /me/password)."),
            code="password_change_required",
        )
    if request.endpoint not in READING_POSTS:
        require_may_write(user, request.method)
    g.api_user = user


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def init_app(app) -> None:
    app.before_request(authenticate_api_request)
    login_manager.login_view = "users.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"


def acting_user() -> User:
    """The user acting in a request that requires one (behind ``login_required`` or an API
    token): never None there; 401 if it somehow is."""
    actor = current_actor()
    if actor is None:
        raise Unauthorized(_("Authentication is required."))
    return actor
