from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..core.htmlforms import options


class OrganizationForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=options([("employer", _l("Employer")), ("intermediary", _l("Intermediary"))])
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    credit_code = StringField(
        _l("Unified social credit code (18 characters)"), validators=[DataRequired(), Length(max=22)]
    )
    city = SelectField(_l("City"), choices=[])
    bank_name = StringField(_l("Bank"), validators=[Optional(), Length(max=100)])
    bank_account_no = StringField(_l("Account number"), validators=[Optional(), Length(max=40)])
