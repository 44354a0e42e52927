"""Limits on failed logins, for the HTML login and the API token alike.

Two limits, both counting only failed logins (401) and both shared by the two ways in:

* per user name, whatever the address (``LOGIN_FAILURE_RATE``, 10 a minute): one password
  guessed from many places;
* per client address, whatever the name (``LOGIN_ADDRESS_FAILURE_RATE``, 20 a minute): one
  place trying many names (spraying).

The counts live in ``RATELIMIT_STORAGE_URI``: in a process's memory by default, in Redis
when several workers or servers must share them. Past a limit every login attempt of that
name, or from that address, is answered 429 until the last minute holds fewer failures; the
account lock (``LOGIN_MAX_FAILURES``) comes on top.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse_many

from ..extensions import limiter

SCOPE = "login-failures"


def _failed(response) -> bool:
    return response.status_code == 401


def posted_username() -> str:
    """The user name the request tries, as :func:`operations.authenticate` reads it."""
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return str(name or "").strip().lower()[:64]


def _key_for(username: str) -> str:
    # Hashed: any text a client sends (a lone surrogate, a slash) makes a valid storage key,
    # and Redis holds no user names.
    name = username.encode("utf-8", "surrogatepass")
    return f"name:{hashlib.sha256(name).hexdigest()[:32]}"


def _name_key() -> str:
    return _key_for(posted_username())


def _address_key() -> str:
    return f"address:{get_remote_address()}"


per_name = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURE_RATE"],
    scope=SCOPE,
    key_func=_name_key,
    methods=["POST"],
    deduct_when=_failed,
)
per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_ADDRESS_FAILURE_RATE"],
    scope=SCOPE,
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_failed,
)


def forget_failures(username: str) -> None:
    """Clear the failed logins counted for this user name (an administrator unlocks the
    account): the next login is not answered 429 for failures before the unlock. The counts
    per address stay (they are about a place, not a person)."""
    key = _key_for(str(username or "").strip().lower()[:64])
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    identifiers = [prefix, key, SCOPE] if prefix else [key, SCOPE]
    for item in parse_many(current_app.config["LOGIN_FAILURE_RATE"]):
        limiter.limiter.clear(item, *identifiers)


def message() -> str:
    return _(
        "Too many failed logins for this user name or from this address. Please wait a minute and try again."
    )
