"""User administration: the list (search, filters, sort), disabling and enabling, password
resets, unlocking, changing role or organisation, and a user's history. Every change is on the
audit trail (what a user is before and after, never a password or its hash). The user's own
side (creation, passwords, logins, tokens) is in ``operations``."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from ..core import audit
from ..core.audit import AuditEvent
from ..core.errors import Conflict, Forbidden, NotFound, invalid
from ..core.permissions import Actor, Role, require
from ..core.timeutil import utcnow
from ..extensions import db
from ..organizations.models import Organization
from .models import ApiToken, User
from .operations import check_role_and_organization, get_user, hash_password, password_errors

#: The list's sort keys (query argument → column); each is followed by the id for a stable order.
SORTS = {
    "username": User.username,
    "display_name": User.display_name,
    "role": User.role,
    "organization": Organization.name,
    "last_login": User.last_login_at,
    "created": User.created_at,
}
#: What an audit snapshot of a user holds (never a password or its hash).
AUDITED = ("username", "role", "organization_id", "is_active", "is_senior", "email", "must_change_password")


def users_query(
    actor: Actor,
    *,
    search: str | None = None,
    role: Role | str | None = None,
    active: bool | None = None,
    locked: bool | None = None,
    sort: str = "username",
    descending: bool = False,
):
    """Users as administrators and auditors look for them: ``search`` in the user name,
    the display name and the organisation's name; by role, active or disabled, locked."""
    require(actor, "user.list")
    stmt = (
        select(User)
        .outerjoin(Organization, User.organization_id == Organization.id)
        .options(contains_eager(User.organization))
    )
    if search and search.strip():
        pattern = f"%{search.strip()[:100]}%"
        stmt = stmt.where(
            User.username.ilike(pattern) | User.display_name.ilike(pattern) | Organization.name.ilike(pattern)
        )
    if role:
        stmt = stmt.where(User.role == Role(role))
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    if locked is not None:
        now = utcnow()
        is_locked = User.locked_until.is_not(None) & (User.locked_until > now)
        stmt = stmt.where(is_locked if locked else ~is_locked)
    column = SORTS.get(sort, User.username)
    first = column.desc() if descending else column.asc()
    return stmt.order_by(first.nulls_last(), User.id)


def read_user(actor: Actor, user_id: int) -> User:
    """A user, for administrators and auditors (404 for an id that does not exist)."""
    require(actor, "user.list")
    return get_user(user_id)


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def _managed(actor: Actor, user_id: int) -> User:
    require(actor, "user.manage")
    # Read again under a row lock where there is one: two administrators changing the same
    # user, or the last two administrators demoting each other, are taken one after the other.
    user = db.session.execute(select(User).where(User.id == user_id).with_for_update()).scalar_one_or_none()
    if user is None:
        raise NotFound(_("Not found."))
    return user


def _reason(reason: str | None, *, required: bool = False) -> str | None:
    reason = (reason or "").strip()
    if not reason and required:
        raise invalid({"reason": [_("Give a reason: it is kept on the audit trail.")]})
    return reason[:2000] or None


def _keep_an_administrator(actor: Actor, user: User, *, role: Role, active: bool) -> None:
    """Nobody disables or demotes themself, and the last active administrator stays one."""
    if user.role != Role.ADMIN or (role == Role.ADMIN and active):
        return
    if user.id == actor.id:
        raise Forbidden(_("You cannot disable yourself or take away your own administrator role."))
    others = db.session.execute(
        select(User.id)
        .where(User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise Conflict(
            _("This is the last active administrator: there must always be one."), code="last_admin"
        )


def _revoke_tokens(user: User) -> int:
    """End every API token of the user (they stop working at once)."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def set_active(actor: Actor, user_id: int, active: bool, *, reason: str | None) -> User:
    """Disable a user (no login, and every API token stops working) or enable them again."""
    user = _managed(actor, user_id)
    reason = _reason(reason, required=not active)
    if user.is_active == active:
        return user
    _keep_an_administrator(actor, user, role=user.role, active=active)
    before = audit.snapshot(user, *AUDITED)
    user.is_active = active
    revoked = 0 if active else _revoke_tokens(user)
    audit.record(
        actor,
        "user.enable" if active else "user.disable",
        "user",
        user.id,
        before=before,
        after={**audit.snapshot(user, *AUDITED), **({"tokens_revoked": revoked} if revoked else {})},
        reason=reason,
    )
    return user


#: Letters and digits that cannot be mistaken for each other when read out or copied by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_password(username: str) -> str:
    """A random password of 4 groups of 5 (about 115 bits), that the policy accepts."""
    while True:
        password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))
        if not password_errors(password, username):
            return password


def reset_password(actor: Actor, user_id: int, *, reason: str | None) -> tuple[User, str]:
    """Give the user a new random password, returned to show once to the administrator (only
    its hash is kept; the audit trail records that it was reset, not what to). The user must
    change it at next login; their API tokens stop working, and a lock is lifted."""
    user = _managed(actor, user_id)
    reason = _reason(reason)
    before = audit.snapshot(user, *AUDITED)
    password = new_password(user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    revoked = _revoke_tokens(user)
    audit.record(
        actor,
        "user.reset_password",
        "user",
        user.id,
        before=before,
        after={**audit.snapshot(user, *AUDITED), "tokens_revoked": revoked},
        reason=reason,
    )
    return user, password


def unlock(actor: Actor, user_id: int, *, reason: str | None = None) -> User:
    """Lift a lock after failed logins: the count starts again from zero. (The caller also
    clears the login limiter's count for the name, :func:`limits.forget_failures`.)"""
    user = _managed(actor, user_id)
    reason = _reason(reason)
    before = {"failed_logins": user.failed_logins, "locked_until": user.locked_until}
    user.failed_logins = 0
    user.locked_until = None
    audit.record(
        actor,
        "user.unlock",
        "user",
        user.id,
        before=before,
        after={"failed_logins": 0, "locked_until": None},
        reason=reason,
    )
    return user


def change_role(
    actor: Actor,
    user_id: int,
    *,
    role: Role | str,
    organization_id: int | None,
    is_senior: bool | None = None,
    reason: str | None,
) -> User:
    """Change what a user is: the role, and the organisation an employer or intermediary
    user belongs to (one of that kind; staff belong to none)."""
    user = _managed(actor, user_id)
    reason = _reason(reason)
    role = Role(role)
    fields = check_role_and_organization(role, organization_id)
    senior = user.is_senior if is_senior is None else is_senior
    if role != Role.HR:
        senior = False
    if fields:
        raise invalid(fields)
    if (role, organization_id, senior) == (user.role, user.organization_id, user.is_senior):
        return user
    _keep_an_administrator(actor, user, role=role, active=user.is_active)
    before = audit.snapshot(user, *AUDITED)
    user.role, user.organization_id, user.is_senior = role, organization_id, senior
    audit.record(
        actor,
        "user.change_role",
        "user",
        user.id,
        before=before,
        after=audit.snapshot(user, *AUDITED),
        reason=reason,
    )
    return user


def organization_choices() -> dict[str, list[Organization]]:
    """Every organisation by kind, by name: what a user may be given."""
    rows = db.session.execute(select(Organization).order_by(Organization.name, Organization.id)).scalars()
    grouped: dict[str, list[Organization]] = {"employer": [], "intermediary": []}
    for organization in rows:
        grouped.setdefault(organization.kind.value, []).append(organization)
    return grouped


def user_history(actor: Actor, user_id: int, limit: int = 20) -> list[AuditEvent]:
    """The latest changes to a user, from the audit trail (newest first)."""
    require(actor, "audit.read")
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())
