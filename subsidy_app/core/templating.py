"""What every template can use: money and time formatting, the acting user, languages."""

from __future__ import annotations

from flask_babel import format_date, format_datetime, get_locale

from ..users.auth import current_actor
from . import audit_labels, labels
from .i18n import format_money


def localized(obj, attr: str) -> str:
    """``obj.<attr>_zh`` or ``obj.<attr>_en`` for the current language."""
    lang = str(get_locale() or "zh")
    return getattr(obj, f"{attr}_en" if lang.startswith("en") else f"{attr}_zh")


def init_app(app) -> None:

    labels.init_app(app)
    audit_labels.init_app(app)
    app.jinja_env.filters["money"] = format_money
    # Stored in UTC, shown in Asia/Shanghai (BABEL_DEFAULT_TIMEZONE).
    app.jinja_env.filters["localtime"] = lambda value: (
        format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""
    )
    app.jinja_env.filters["localdate"] = lambda value: format_date(value, "yyyy-MM-dd") if value else ""
    app.jinja_env.globals["localized"] = localized

    @app.context_processor
    def _globals():
        return {
            "actor": current_actor(),
            "current_lang": str(get_locale() or "zh"),
            "languages": app.config["LANGUAGES"],
        }
