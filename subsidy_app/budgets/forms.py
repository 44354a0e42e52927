from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class AllocationForm(FlaskForm):
    program_code = SelectField(_l("Incentive"), choices=[])
    amount = DecimalField(_l("Amount (yuan)"), places=2, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (the budget document)"), validators=[Optional(), Length(max=2000)])


class AdjustmentForm(FlaskForm):
    program_code = SelectField(_l("Incentive"), choices=[])
    amount = DecimalField(_l("Change (yuan; negative to cut)"), places=2, validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
