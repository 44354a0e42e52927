"""What every HTML form view does with an operation: run it, or show why not — field
messages on the form's fields, the rest as a message at the top (in the user's language)."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from wtforms.fields.choices import SelectChoice

from .errors import AppError


def attempt(form, operation: Callable[[], object], success: str | None):
    """Run ``operation`` for a validated form; returns its result, or None when refused.
    ``success`` is flashed when it worked (None: the caller says it)."""
    try:
        result = operation()
    except AppError as exc:
        shown = False
        for name, messages in exc.fields.items():
            field = getattr(form, name, None) if form is not None else None
            if field is not None and hasattr(field, "errors"):
                field.errors = list(field.errors) + list(messages)
                shown = True
            else:
                for message in messages:
                    flash(f"{name}: {message}", "error")
        if not shown or not exc.fields:
            flash(exc.message, "error")
        return None
    if success:
        flash(success, "info")
    return result if result is not None else True


def flash_field_errors(form) -> None:
    """The field messages of a form whose page is left by a redirect."""
    for field in form:
        if field.name != "csrf_token":
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "error")


def options(pairs) -> list:
    """Choices of a select field from (value, label) pairs, as WTForms 3.3 wants them."""

    return [SelectChoice(value, label) for value, label in pairs]
