from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.htmlforms import options


class ListingForm(FlaskForm):
    subject_kind = SelectField(
        _l("Subject"), choices=options([("organization", _l("Organisation")), ("talent", _l("Talent"))])
    )
    subject_id = StringField(
        _l("Organisation id or talent code"), validators=[DataRequired(), Length(max=20)]
    )
    list = SelectField(_l("List"), choices=options([("black", _l("Black list")), ("red", _l("Red list"))]))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    inspection_result_id = IntegerField(
        _l("Spot-check result (if it proposed this)"), validators=[Optional()]
    )


class LiftForm(FlaskForm):
    reason = StringField(_l("Reason for lifting"), validators=[DataRequired(), Length(max=2000)])
