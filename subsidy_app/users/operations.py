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
from zxcvbn import zxcvbn

from ..core import audit, sqlite
from ..core.errors import Conflict, NotFound, TooManyRequests, Unauthorized, invalid
from ..core.labels import ROLE, label
from ..core.permissions import ORGANIZATION_ROLES, Actor, Role, require
from ..core.timeutil import utcnow
from ..extensions import db
from ..organizations import operations as organizations
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


def check_role_and_organization(role: Role, organization_id: int | None) -> dict:
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
    fields.update(check_role_and_organization(role, organization_id))
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
