"""Operations on users: creation, passwords, authentication and API tokens."""

from __future__ import annotations

import difflib
import hashlib
import re
import secrets
import threading
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager
from zxcvbn import zxcvbn

from ..core import audit, sqlite
from ..core.audit import AuditEvent
from ..core.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized, invalid
from ..core.labels import ROLE, label
from ..core.permissions import ORGANIZATION_ROLES, Actor, Role, require
from ..core.timeutil import utcnow
from ..extensions import db
from ..organizations import operations as organizations
from ..organizations.models import Organization
from .models import ApiToken, User

_hashers: dict[tuple, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters, or the lighter ones a test run
    configures (PASSWORD_HASH_PARAMS)."""
    params = tuple(sorted(current_app.config.get("PASSWORD_HASH_PARAMS", {}).items()))
    if params not in _hashers:
        _hashers[params] = PasswordHasher(**dict(params))
    return _hashers[params]


_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so that timing does not reveal it."""
    hasher = _hasher()
    if id(hasher) not in _dummy_hashes:
        _dummy_hashes[id(hasher)] = hasher.hash("not-a-real-password")
    return _dummy_hashes[id(hasher)]


USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def normalize_username(username: str) -> str:
    return username.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


#: zxcvbn (Dropbox's estimator, maintained in Python as ``zxcvbn`` on PyPI) ships the 30,000
#: most used passwords of the public leak corpora with English words, names and keyboard
#: patterns, and rates what is left of a password once those, dates, repeats and sequences
#: are taken out. It is chosen over a bare list because a bare list misses ``88888888``,
#: ``P@ssw0rd2024`` or ``summer2025``; it runs offline (no password leaves the server) in
#: milliseconds, in pure Python. Its matcher keeps the user's own words (user_inputs) in a
#: module global: calls are serialised.
_zxcvbn_lock = threading.Lock()
#: zxcvbn reads at most this many characters; a longer password is rated by its start.
_ZXCVBN_MAX = 72


def _similar(password: str, word: str) -> bool:
    """Like Django's UserAttributeSimilarityValidator: 0.7 of the characters in common."""
    return difflib.SequenceMatcher(a=password, b=word).quick_ratio() >= 0.7


def _name_errors(password: str, username: str) -> list[str]:
    """The whole user name (of 3 characters or more) may not be in the password, with or
    without its separators; nor may the password look like the name or one of its parts."""
    name = normalize_username(username)
    lowered = password.lower()
    whole = {w for w in (name, re.sub(r"[._-]", "", name)) if len(w) >= 3}
    if any(w in lowered or w in re.sub(r"[._\-\s]", "", lowered) for w in whole):
        return [_("The password must not contain the user name.")]
    parts = whole | {w for w in re.split(r"[._-]", name) if len(w) >= 3}
    if any(_similar(lowered, w) for w in parts):
        return [_("The password is too similar to the user name.")]
    return []


def _guessability_errors(password: str, username: str) -> list[str]:
    with _zxcvbn_lock:
        result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[normalize_username(username)])
    whole = [m for m in result["sequence"] if len(m["token"]) == len(password[:_ZXCVBN_MAX])]
    if any(m.get("dictionary_name") == "passwords" for m in whole):
        return [_("This password is one of the most commonly used passwords: choose another.")]
    if result["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        return [
            _(
                "This password is too easy to guess: it is made of common words, names, dates, "
                "repeated characters or sequences (such as 12345678 or qwerty). Use a longer "
                "one, for example three or four unrelated words."
            )
        ]
    return []


def password_errors(password: str, username: str) -> list[str]:
    """Why a password may not be set, in the user's language (empty when it may).

    At least PASSWORD_MIN_LENGTH characters; not the user name, nor containing it, nor too
    similar; not one of the most common passwords; and not easy to guess (zxcvbn's score at
    least PASSWORD_MIN_SCORE, of 0 to 4; 3 resists an offline attack on a slow hash).
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return [_("The password must have at least %(n)d characters.", n=minimum)]
    if len(password) > 256:
        return [_("The password must have at most %(n)d characters.", n=256)]
    return _name_errors(password, username) or _guessability_errors(password, username)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Not found."))
    return user


def find_user(username: str) -> User | None:
    return db.session.execute(
        select(User).where(User.username == normalize_username(username))
    ).scalar_one_or_none()


def _check_role_and_organization(role: Role, organization_id: int | None) -> dict:
    role_name = label(ROLE, role)
    if role in ORGANIZATION_ROLES:
        if organization_id is None:
            return {
                "organization_id": [
                    _("A user with the role %(role)s must belong to an organisation.", role=role_name)
                ]
            }
        organization = organizations.find_organization(organization_id)
        if organization is None:
            return {"organization_id": [_("No organisation has this id.")]}
        if organization.kind.value != role.value:
            return {
                "organization_id": [
                    _(
                        "A user with the role %(role)s must belong to an organisation of that kind.",
                        role=role_name,
                    )
                ]
            }
    elif organization_id is not None:
        return {"organization_id": [_("Only employer and intermediary users belong to an organisation.")]}
    return {}


def create_user(
    actor: Actor | None,
    *,
    username: str,
    password: str,
    role: Role | str,
    organization_id: int | None = None,
    display_name: str | None = None,
    is_senior: bool = False,
    email: str | None = None,
) -> User:
    """Create a user. ``actor`` None is the command line (an operator on the server)."""
    if actor is not None:
        require(actor, "user.create")
    username = normalize_username(username)
    role = Role(role)
    fields: dict[str, list[str]] = {}
    if not USERNAME_RE.match(username):
        fields["username"] = [
            _("2 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.")
        ]
    if errors := password_errors(password, username):
        fields["password"] = errors
    fields.update(_check_role_and_organization(role, organization_id))
    if is_senior and role != Role.HR:
        fields["is_senior"] = [_("Only HR reviewers can be senior reviewers.")]
    if fields:
        raise invalid(fields)
    if find_user(username) is not None:
        raise Conflict(
            _("The user name %(name)s is taken.", name=username),
            fields={"username": [_("This user name is taken.")]},
        )
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        organization_id=organization_id,
        display_name=display_name,
        is_senior=is_senior,
        email=email,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user.create",
        "user",
        user.id,
        after=audit.snapshot(
            user, "username", "role", "organization_id", "display_name", "is_senior", "email"
        ),
    )
    return user


def set_password(actor: Actor, user: User, password: str, *, reason: str) -> None:
    if errors := password_errors(password, user.username):
        raise invalid({"password": errors})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.must_change_password = False
    audit.record(actor, "user.set_password", "user", user.id, reason=reason)


def change_own_password(user: User, current: str, new: str) -> None:
    """A user chooses a new password (required after an administrator reset theirs)."""
    if not _verify(user.password_hash, current):
        raise invalid({"current_password": [_("The current password is wrong.")]})
    if new == current:
        raise invalid({"password": [_("Choose a password other than the current one.")]})
    set_password(user, user, new, reason="changed by the user")


def _record_failure(user: User) -> None:
    """Count a failed login, and lock the account after too many in a row.

    Committed on its own: the request that failed is answered with an error and would be
    rolled back, but the count must stay. Nothing else has been done in this transaction
    (authentication comes first), so rolling it back first loses nothing.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    user_id, username, role = user.id, user.username, user.role.value
    db.session.rollback()
    values: dict = {"failed_logins": User.failed_logins + 1}
    failures = db.session.execute(
        update(User).where(User.id == user_id).values(**values).returning(User.failed_logins)
    ).scalar_one()
    if failures >= limit:
        locked_until = utcnow() + current_app.config["LOGIN_LOCK_DURATION"]
        db.session.execute(
            update(User).where(User.id == user_id).values(locked_until=locked_until, failed_logins=0)
        )
        audit.record(
            None,
            "user.locked",
            "user",
            user_id,
            after={"username": username, "role": role, "locked_until": locked_until},
            reason=f"{limit} failed logins in a row",
        )
    db.session.commit()


def authenticate(username: str, password: str) -> User:
    """The user with these credentials, or Unauthorized (401) / TooManyRequests (429).

    The password is checked between two transactions, not inside one: argon2 takes about
    half a second by design, and on SQLite a login's transaction would hold the one write
    lock (BEGIN IMMEDIATE) all that time, with every other writer (other logins, a running
    job's next chunk) queued behind it. Authentication comes first in its request, so
    there is nothing to keep open; the user is read again, and the hash compared, after.
    """
    with sqlite.reading():
        found = find_user(username) if username else None
        stored = found.password_hash if found is not None and found.is_active else None
        db.session.commit()  # ends the read transaction (no lock is held while argon2 runs)
    matches = _verify(stored or _dummy_hash(), password)
    user = found if stored is not None else None
    if user is None or not user.is_active:
        raise Unauthorized(_("Wrong user name or password."))
    if user.locked_until is not None and user.locked_until > utcnow():
        raise TooManyRequests(
            _(
                "Too many failed logins. The account is locked until %(time)s.",
                time=_format_time(user.locked_until),
            )
        )
    if matches and user.password_hash != stored:  # changed meanwhile (a rehash, a new password)
        matches = _verify(user.password_hash, password)
    if not matches:
        _record_failure(user)
        raise Unauthorized(_("Wrong user name or password."))
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
    user.last_login_at = utcnow()
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _format_time(moment: datetime) -> str:
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def _token_digest(token: str) -> str:
    # Tokens are 256 random bits: a fast hash is enough to keep them unusable if the
    # table leaks, and lets us find the row by its hash.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=_token_digest(token),
        expires_at=utcnow() + current_app.config["API_TOKEN_TTL"],
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for_token(token: str) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to."""
    if not token or len(token) > 200:
        return None
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _token_digest(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.user if row.user.is_active else None


def list_users_query(actor: Actor):
    require(actor, "user.list")
    return select(User).order_by(User.id)


# --- administration: the list, disabling, password resets, unlocking, roles ---------------------

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
    fields = _check_role_and_organization(role, organization_id)
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
