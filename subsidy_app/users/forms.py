from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..core.htmlforms import options


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


# --- administrators' forms (the choices of organisations are set by the view) -----------------

ROLE_CHOICES = [
    ("employer", _l("Employer")),
    ("intermediary", _l("Intermediary")),
    ("hr", _l("Provincial HR")),
    ("finance", _l("Finance reviewer")),
    ("auditor", _l("Auditor")),
    ("admin", _l("Administrator")),
]


def optional_id(value):
    """An organisation's id from a <select>, or None for "no organisation"."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # matches no choice: "Not a valid choice"


class OrganizationSelect:
    """Choices of the organisation <select>: by name and credit code, grouped by kind."""

    @staticmethod
    def choices(grouped: dict) -> dict:
        def named(rows):
            return [(o.id, f"{o.name} · {o.credit_code}") for o in rows]

        return {
            str(_l("No organisation")): [("", str(_l("None (provincial staff and administrators)")))],
            str(_l("Employers")): named(grouped.get("employer", [])),
            str(_l("Intermediaries")): named(grouped.get("intermediary", [])),
        }


class UserForm(FlaskForm):
    username = StringField(
        _l("User name"), validators=[DataRequired(), Length(max=64)], render_kw={"autocomplete": "off"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    role = SelectField(_l("Role"), choices=options(ROLE_CHOICES))
    organization_id = SelectField(
        _l("Organisation (employers and intermediaries)"), coerce=optional_id, validate_choice=True
    )
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=100)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    is_senior = BooleanField(_l("Senior HR reviewer (second approvals)"))


class ReasonForm(FlaskForm):
    """Disable, enable, reset a password, unlock: a reason, and ``confirm=yes`` once asked."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    confirm = HiddenField()


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=options(ROLE_CHOICES))
    organization_id = SelectField(
        _l("Organisation (employers and intermediaries)"), coerce=optional_id, validate_choice=True
    )
    is_senior = BooleanField(_l("Senior HR reviewer (second approvals)"))
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    confirm = HiddenField()


class OwnPasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    password_again = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
