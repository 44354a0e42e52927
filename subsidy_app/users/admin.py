"""Administrators' pages of users: the list (search, filters, sort), creating one, and a
user's page with what they are and what may be done: disable or enable, reset the password
(shown once), unlock, change role or organisation. Auditors read the list and the pages.
Thin: every rule is in operations; what is not undone is asked first (POST with confirm=yes)."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.errors import AppError
from ..core.htmlforms import attempt, flash_field_errors
from ..core.labels import ROLE, label
from ..core.pagination import paginate_html, parse_sort
from ..core.permissions import Role, can
from ..extensions import db
from ..inspections import operations as inspections
from ..inspections.models import Inspector
from . import administration, limits, operations
from .auth import acting_user
from .forms import OrganizationSelect, OwnPasswordForm, ReasonForm, RoleForm, UserForm

bp = Blueprint("users_admin", __name__, template_folder="templates", url_prefix="/users")

FLAGS = {"1": True, "0": False}
#: The session key holding, per user, the one confirmation of a password reset that may run.
RESET_ONCE = "password_reset_once"


def _list_args(args) -> dict:
    """The list's search and filters from the query string (what does not parse is
    ignored); the sort, direction and page size are read as on every list (pagination)."""
    role = args.get("role") or None
    sort, direction = parse_sort(args, administration.SORTS, "username")
    return {
        "q": (args.get("q") or "").strip()[:100],
        "role": role if role in {r.value for r in Role} else None,
        "active": FLAGS.get(args.get("active", "")),
        "locked": FLAGS.get(args.get("locked", "")),
        "sort": sort,
        "direction": direction,
    }


def _organization_choices() -> dict:
    return OrganizationSelect.choices(administration.organization_choices())


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = acting_user()
    given = _list_args(request.args)
    query = administration.users_query(
        actor,
        search=given["q"],
        role=given["role"],
        active=given["active"],
        locked=given["locked"],
        sort=given["sort"],
        descending=given["direction"] == "desc",
    )
    may_manage = can(actor, "user.manage")
    form = UserForm()
    status = 200
    if may_manage:
        form.organization_id.choices = _organization_choices()
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and attempt(
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
    page = paginate_html(query, request.args, sort=given["sort"], direction=given["direction"])
    return render_template(
        "users/admin.html",
        page=page,
        form=form,
        given=given,
        roles=list(Role),
        may_create=may_manage,
        is_locked=administration.is_locked,
    ), status


def _facts(user) -> list[tuple[str, str]]:
    return [
        (_("User name"), user.username),
        (_("Display name"), user.display_name or "—"),
        (_("Role"), str(label(ROLE, user.role))),
        (_("Organisation"), user.organization.name if user.organization_id else "—"),
        (_("State"), _("active") if user.is_active else _("disabled")),
    ]


def _is_inspector(actor, user) -> bool | None:
    if not can(actor, "inspection.read"):
        return None
    stmt = inspections.list_inspectors(actor).where(Inspector.user_id == user.id)
    return db.session.execute(stmt.limit(1)).first() is not None


@bp.route("/<int:user_id>")
@login_required
def detail(user_id):
    actor = acting_user()
    user = administration.read_user(actor, user_id)
    role_form = RoleForm(formdata=None, role=user.role.value, organization_id=user.organization_id)
    role_form.is_senior.data = user.is_senior
    may_manage = can(actor, "user.manage")
    if may_manage:
        role_form.organization_id.choices = _organization_choices()
    return render_template(
        "users/admin_user.html",
        user=user,
        locked=administration.is_locked(user),
        inspector=_is_inspector(actor, user),
        history=administration.user_history(actor, user.id) if can(actor, "audit.read") else [],
        may_manage=may_manage,
        is_self=user.id == actor.id,
        reason_form=ReasonForm(formdata=None),
        role_form=role_form,
    )


def _confirm_page(user, *, title, question, action, form, facts, confirm_label, danger=False, hidden=()):
    """What the change will do, asked first (the shared confirmation page), with the reason."""
    reason = form.reason.data or ""
    return render_template(
        "_confirm.html",
        title=title,
        question=question,
        facts=[*facts, (_("Reason"), reason or "—")],
        warnings=[],
        hidden=[*hidden, ("reason", reason)],
        action_url=url_for(action, user_id=user.id),
        confirm_label=confirm_label,
        danger=danger,
        back_url=url_for("users_admin.detail", user_id=user.id),
        back_label=_("No, go back"),
    )


def _back(user_id: int):
    return redirect(url_for("users_admin.detail", user_id=user_id))


def _confirmed(form) -> bool:
    return form.confirm.data == "yes"


@bp.route("/<int:user_id>/disable", methods=["POST"])
@login_required
def disable(user_id):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/enable", methods=["POST"])
@login_required
def enable(user_id):
    return _set_active(user_id, True)


def _run(operation, success: str | None):
    """Run an operation whose page is left by a redirect: what refuses it is flashed (the
    messages only, never a field's internal name)."""
    try:
        result = operation()
    except AppError as exc:
        messages = [m for ms in exc.fields.values() for m in ms] or [exc.message]
        for message in messages:
            flash(message, "error")
        return None
    if success:
        flash(success, "info")
    return result


def _expired(user_id: int):
    flash(_("The form has expired: please try again."), "error")
    return _back(user_id)


def _set_active(user_id: int, active: bool):
    actor = acting_user()
    user = administration.read_user(actor, user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _expired(user_id)
    if active or _confirmed(form):
        _run(
            lambda: administration.set_active(actor, user_id, active, reason=form.reason.data),
            _("The user is enabled again.") if active else _("The user is disabled."),
        )
        return _back(user_id)
    if not (form.reason.data or "").strip():
        flash(_("Give a reason: it is kept on the audit trail."), "error")
        return _back(user_id)
    return _confirm_page(
        user,
        title=_("Disable %(name)s?", name=user.username),
        question=_(
            "%(name)s will no longer be able to log in, and every API token of theirs stops "
            "working at once. You can enable the user again later; their tokens stay revoked.",
            name=user.username,
        ),
        action="users_admin.disable",
        form=form,
        facts=_facts(user),
        confirm_label=_("Yes, disable the user"),
        danger=True,
    )


@bp.route("/<int:user_id>/password-reset", methods=["POST"])
@login_required
def password_reset(user_id):
    actor = acting_user()
    user = administration.read_user(actor, user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _expired(user_id)
    if _confirmed(form):
        # The confirmation is good once: the page of the new password, refreshed (the
        # browser posts the form again), must not reset it a second time.
        once = session.get(RESET_ONCE, {}) if isinstance(session.get(RESET_ONCE), dict) else {}
        if not request.form.get("once") or once.pop(str(user_id), None) != request.form.get("once"):
            flash(
                _(
                    "This password reset was already done and its password shown once. Reset again for a new one."
                ),
                "error",
            )
            return _back(user_id)
        session[RESET_ONCE] = once
        result = _run(lambda: administration.reset_password(actor, user_id, reason=form.reason.data), None)
        if result:
            user, password = result
            response = render_template("users/admin_password.html", user=user, password=password)
            return response, 200, {"Cache-Control": "no-store"}
        return _back(user_id)
    nonce = secrets.token_urlsafe(16)
    session[RESET_ONCE] = {**(session.get(RESET_ONCE) or {}), str(user_id): nonce}
    return _confirm_page(
        user,
        hidden=[("once", nonce)],
        title=_("Reset the password of %(name)s?", name=user.username),
        question=_(
            "A new random password replaces the current one, which stops working, as do the "
            "user's API tokens. The new password is shown to you once, on the next page: give "
            "it to the user in person or by telephone. They must choose their own at next login."
        ),
        action="users_admin.password_reset",
        form=form,
        facts=_facts(user),
        confirm_label=_("Yes, reset the password"),
        danger=True,
    )


@bp.route("/<int:user_id>/unlock", methods=["POST"])
@login_required
def unlock(user_id):
    actor = acting_user()
    form = ReasonForm()
    administration.read_user(actor, user_id)
    if not form.validate_on_submit():
        return _expired(user_id)
    user = _run(
        lambda: administration.unlock(actor, user_id, reason=form.reason.data),
        _("The account is unlocked: the user may log in again."),
    )
    if user:
        limits.forget_failures(user.username)
    return _back(user_id)


@bp.route("/<int:user_id>/role", methods=["POST"])
@login_required
def role(user_id):
    actor = acting_user()
    user = administration.read_user(actor, user_id)
    form = RoleForm()
    form.organization_id.choices = _organization_choices()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _expired(user_id)
        flash_field_errors(form)
        return _back(user_id)

    def change():
        return administration.change_role(
            actor,
            user_id,
            role=form.role.data,
            organization_id=form.organization_id.data,
            is_senior=form.is_senior.data,
            reason=form.reason.data,
        )

    if _confirmed(form):
        _run(change, _("The role is changed."))
        return _back(user_id)
    organization = operations.organizations.find_organization(form.organization_id.data or 0)
    new_role = Role(form.role.data)
    facts = [
        (_("User name"), user.username),
        (_("Role"), f"{label(ROLE, user.role)} → {label(ROLE, new_role)}"),
        (
            _("Organisation"),
            f"{user.organization.name if user.organization_id else '—'} → "
            f"{organization.name if organization else '—'}",
        ),
        (
            _("Senior HR reviewer"),
            f"{_('yes') if user.is_senior else _('no')} → "
            f"{_('yes') if form.is_senior.data and new_role == Role.HR else _('no')}",
        ),
    ]
    hidden = [
        ("role", form.role.data),
        ("organization_id", "" if form.organization_id.data is None else form.organization_id.data),
    ]
    if form.is_senior.data:
        hidden.append(("is_senior", "y"))
    return _confirm_page(
        user,
        title=_("Change the role of %(name)s?", name=user.username),
        question=_(
            "What the user may see and do changes at their next request: an employer or "
            "intermediary user sees only their organisation's records."
        ),
        action="users_admin.role",
        form=form,
        facts=facts,
        confirm_label=_("Yes, change the role"),
        hidden=hidden,
    )


# --- one's own password (required after an administrator reset it) -----------------------------

#: What a user who must change their password may still reach.
OPEN_WHILE_CHANGING = {"users_admin.own_password", "users.logout", "users.language", "static"}


@bp.before_app_request
def require_a_new_password():
    if (
        current_user.is_authenticated
        and getattr(current_user, "must_change_password", False)
        and request.endpoint not in OPEN_WHILE_CHANGING
        and not request.path.startswith("/api/")
    ):
        return redirect(url_for("users_admin.own_password"))
    return None


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def own_password():
    actor = acting_user()
    form = OwnPasswordForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and attempt(
            form,
            lambda: operations.change_own_password(actor, form.current_password.data, form.password.data),
            _("Your password is changed."),
        ):
            return redirect(url_for("home.index"))
    return render_template(
        "users/admin_own_password.html", form=form, required=actor.must_change_password
    ), status
