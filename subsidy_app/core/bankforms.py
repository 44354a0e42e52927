from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class BankAccountForm(FlaskForm):
    """Where a payee is paid (talents and organisations alike)."""

    bank_name = StringField(_l("Bank"), validators=[DataRequired(), Length(max=100)])
    account_no = StringField(_l("Account number"), validators=[DataRequired(), Length(max=40)])
