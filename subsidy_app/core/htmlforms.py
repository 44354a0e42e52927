"""What every HTML form view does with an operation: run it, or show why not — field
messages on the form's fields, the rest as a message at the top (in the user's language)."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash
from wtforms.fields.choices import SelectChoice

from .errors import AppError
from .labels import field_label


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
                # a field the form does not show: named in words, never by its key
                named = _form_label(form, name) or field_label(name)
                for message in messages:
                    flash(f"{named}: {message}", "error")
        if not shown or not exc.fields:
            flash(exc.message, "error")
        return None
    if success:
        flash(success, "info")
    return result if result is not None else True


def _form_label(form, name: str) -> str | None:
    """The label of the form's field ``name`` (or of the field a dotted key ends in)."""
    if form is None:
        return None
    for key in (name, str(name).rsplit(".", 1)[-1]):
        field = getattr(form, key, None)
        text = getattr(getattr(field, "label", None), "text", None)
        if text:
            return str(text)
    return None


def flash_field_errors(form) -> None:
    """The field messages of a form whose page is left by a redirect (each named by the
    field's label, never by its key)."""
    for field in form:
        if field.name != "csrf_token":
            text = getattr(field.label, "text", "") or ""
            named = field_label(field.name) if not text or text == field.name else text
            for message in field.errors:
                flash(f"{named}: {message}", "error")


def options(pairs) -> list:
    """Choices of a select field from (value, label) pairs, as WTForms 3.3 wants them."""

    return [SelectChoice(value, label) for value, label in pairs]
