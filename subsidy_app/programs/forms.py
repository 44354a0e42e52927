from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from ..core.htmlforms import options


class RateForm(FlaskForm):
    kind = SelectField(
        _l("Kind of rate"), choices=options([("amount", _l("fixed amount")), ("ceiling", _l("ceiling"))])
    )
    amount = DecimalField(_l("Amount (yuan)"), places=2, validators=[DataRequired(), NumberRange(min=0)])
    effective_from = DateField(_l("Effective from"), validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason (the decision or document)"), validators=[DataRequired(), Length(max=2000)]
    )


class BenchmarkForm(FlaskForm):
    category = SelectField(_l("Category"), choices=[])
    province = StringField(_l("Province"), validators=[DataRequired(), Length(max=40)])
    amount = DecimalField(_l("Amount (yuan)"), places=2, validators=[DataRequired(), NumberRange(min=0)])
    effective_from = DateField(_l("Effective from"), validators=[DataRequired()])
    source = StringField(_l("Source (the province's document)"), validators=[DataRequired(), Length(max=300)])
