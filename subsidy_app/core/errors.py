"""Errors raised by services, and the one place that turns them into responses.

Every API error has the contract's shape::

    {"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}

Services raise :class:`AppError` subclasses with messages already translated (they run
inside a request, so ``gettext`` answers in the user's language). HTML views catch
:class:`ValidationFailed` to show field errors on their form; everything else becomes an
error page.
"""

from __future__ import annotations

import logging

import psycopg
from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from .i18n import translate_validation_message
from .labels import field_label

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        self.extra = extra


class Malformed(AppError):
    status, code = 400, "bad_request"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class ValidationFailed(AppError):
    status, code = 422, "validation_error"


def invalid(field: str | dict, *messages: str) -> ValidationFailed:
    """422 "some fields are invalid": ``invalid("amount", msg)`` for one field, or
    ``invalid({"a": [msg], "b": [msg]})`` for several. The one way operations say it."""
    fields = field if isinstance(field, dict) else {field: list(messages)}
    return ValidationFailed(_("Some fields are invalid."), fields=fields)


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def _generic_message(status: int) -> str:
    messages = {
        400: _("The request is malformed."),
        401: _("Authentication is required."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("The request conflicts with the current state."),
        413: _("The request is too large."),
        415: _("This media type is not supported."),
        422: _("Some fields are invalid."),
        429: _("Too many requests. Please wait and try again."),
    }
    return messages.get(status, _("The request could not be processed."))


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    body = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def wants_json() -> bool:
    prefix = current_app.config.get("API_PREFIX", "/api/v1")
    return request.path.startswith(prefix)


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"a.b": ["..."]}``.

    webargs wraps them by location (``{"json": {...}}``); the location is dropped.
    """
    if (
        isinstance(messages, dict)
        and not prefix
        and set(messages) <= {"json", "query", "form", "files", "headers", "view_args", "json_or_form"}
    ):
        merged: dict[str, list[str]] = {}
        for part in messages.values():
            merged.update(flatten_messages(part))
        return merged
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema" and prefix:
                name = prefix  # a nested object's own error belongs to its field
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, name))
    elif isinstance(messages, (list, tuple)):
        strings = [m for m in messages if not isinstance(m, (dict, list, tuple))]
        if strings:
            out[prefix or "_schema"] = [translate_validation_message(str(m)) for m in strings]
        for item in messages:
            if isinstance(item, (dict, list, tuple)):
                out.update(flatten_messages(item, prefix))
    else:
        out[prefix or "_schema"] = [translate_validation_message(str(messages))]
    return out


def _respond(
    status: int, code: str, message: str, fields: dict | None = None, headers=None, extra: dict | None = None
):
    if wants_json():
        response = jsonify(error_body(code, message, fields, **(extra or {})))
        response.status_code = status
    else:
        response = current_app.make_response(
            (
                render_template(
                    "errors/error.html",
                    status=status,
                    message=message,
                    # a page names each field in words; the API keeps the keys
                    fields={field_label(name): texts for name, texts in (fields or {}).items()},
                ),
                status,
            )
        )
    if headers:
        response.headers.extend(headers)
    if status == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="subsidy"'
    return response


def handle_app_error(exc: AppError):
    return _respond(exc.status, exc.code, exc.message, exc.fields, extra=exc.extra)


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    fields = flatten_messages(data["messages"]) if data.get("messages") else None
    message = _generic_message(status)
    headers = [(k, v) for k, v in (exc.get_headers() or []) if k.lower() != "content-type"]
    if status == 405:
        headers = [(k, v) for k, v in headers if k.lower() == "allow"]
    return _respond(status, _HTTP_CODES.get(status, "error"), message, fields, headers=headers)


def handle_integrity_error(exc: IntegrityError):
    """A unique or check constraint caught what a service did not (a race): 409."""
    return _database_error(exc)


#: PostgreSQL's answers to two transactions that collide: serialization_failure,
#: deadlock_detected, lock_not_available ("could not obtain lock"); unique and foreign-key
#: violations are integrity errors, handled above.
_CONFLICT_SQLSTATES = {"40001", "40P01", "55P03"}
#: The same on SQLite (another writer held the database past the busy timeout).
_CONFLICT_TEXTS = ("database is locked", "database table is locked", "could not obtain lock")


def _sqlstate(exc) -> str | None:
    return getattr(getattr(exc, "orig", exc), "sqlstate", None)


def is_concurrency_conflict(exc) -> bool:
    """A failure caused by another transaction at the same moment (retrying may succeed)."""
    if _sqlstate(exc) in _CONFLICT_SQLSTATES:
        return True
    text = str(getattr(exc, "orig", exc)).lower()
    return any(phrase in text for phrase in _CONFLICT_TEXTS)


def _database_error(exc: Exception):
    """Turn a database (or driver) failure into the contract's answer:

    * a conflict with a concurrent transaction (PostgreSQL serialization failure, deadlock,
      lock not available; SQLite "database is locked") → 409;
    * a unique or check constraint (a race that a service did not see) → 409;
    * a value out of the column's range or not storable (PostgreSQL class 22, SQLite's
      integer overflow, a string that is not valid Unicode) → 422: input the schemas should
      have refused, logged so that the schema can be fixed;
    * anything else (the database is down) → 503.
    """
    db.session.rollback()
    if is_concurrency_conflict(exc):
        log.info("concurrency conflict turned into 409: %s", exc)
        return _respond(
            409, "conflict", _("Someone else changed this at the same time. Reload and try again.")
        )
    if isinstance(exc, (IntegrityError, psycopg.IntegrityError)):
        log.info("integrity error turned into 409: %s", getattr(exc, "orig", exc))
        return _respond(409, "conflict", _("The request conflicts with the current state."))
    if isinstance(exc, (DataError, psycopg.DataError, OverflowError, UnicodeError)) or (
        (_sqlstate(exc) or "").startswith("22")
    ):
        log.warning("value out of range on %s %s turned into 422", request.method, request.path, exc_info=exc)
        return _respond(422, "validation_error", _("A value is out of the range this system accepts."))
    log.exception("database error on %s %s", request.method, request.path)
    return _respond(503, "unavailable", _("The database is busy. Please try again."))


def handle_unexpected(exc: Exception):
    db.session.rollback()
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if isinstance(exc, (OperationalError, DataError, psycopg.Error, OverflowError, UnicodeError)):
        return _database_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _respond(500, "internal_error", _("An internal error occurred. It has been logged."))


def handle_stale_data(exc):
    """Two people moved the same record at once; the second is told to look again."""
    db.session.rollback()
    return _respond(409, "conflict", _("Someone else changed this at the same time. Reload and try again."))


def register_error_handlers(app) -> None:
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected)
