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

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None,
                 **extra):
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


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
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
    from .i18n import translate_validation_message

    if isinstance(messages, dict) and not prefix and set(messages) <= {
            "json", "query", "form", "files", "headers", "view_args", "json_or_form"}:
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


def _respond(status: int, code: str, message: str, fields: dict | None = None, headers=None,
             extra: dict | None = None):
    if wants_json():
        response = jsonify(error_body(code, message, fields, **(extra or {})))
        response.status_code = status
    else:
        response = current_app.make_response((
            render_template("errors/error.html", status=status, message=message, fields=fields or {}),
            status,
        ))
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
    from ..extensions import db

    db.session.rollback()
    log.info("integrity error turned into 409: %s", exc.orig)
    return _respond(409, "conflict", _("The request conflicts with the current state."))


def handle_unexpected(exc: Exception):
    from ..extensions import db

    db.session.rollback()
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    if isinstance(exc, OperationalError):
        message = _("The database is busy. Please try again.")
        return _respond(503, "unavailable", message)
    return _respond(500, "internal_error", _("An internal error occurred. It has been logged."))


def handle_stale_data(exc):
    """Two people moved the same record at once; the second is told to look again."""
    from ..extensions import db

    db.session.rollback()
    return _respond(409, "conflict", _("Someone else changed this at the same time. Reload and "
                                       "try again."))


def register_error_handlers(app) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected)
