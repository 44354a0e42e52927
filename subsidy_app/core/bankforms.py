from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional


class BankAccountForm(FlaskForm):
    """Where a payee is paid (talents and organisations alike)."""

    bank_name = StringField(_l("Bank"), validators=[DataRequired(), Length(max=100)])
    account_no = StringField(_l("Account number"), validators=[DataRequired(), Length(max=40)])
    #: HR and administrators: ask another HR user to confirm instead of setting it at once.
    four_eyes = BooleanField(_l("Ask another HR user to confirm the change"))


class BankAccountDecisionForm(FlaskForm):
    """HR confirms or refuses a proposed change of a payee's account."""

    action = HiddenField(validators=[AnyOf(["confirm", "reject"])])
    change_id = IntegerField(validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
