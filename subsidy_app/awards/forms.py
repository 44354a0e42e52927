from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from ..core.htmlforms import options


class AwardForm(FlaskForm):
    kind = SelectField(
        _l("Award"),
        choices=options(
            [
                ("friendship_national", _l("Chinese Government Friendship Award")),
                ("friendship_provincial", _l("Shanxi Friendship Award")),
            ]
        ),
    )
    talent_code = StringField(_l("Talent code"), validators=[DataRequired(), Length(max=16)])
    year = IntegerField(_l("Award year"), validators=[DataRequired(), NumberRange(min=1990, max=2100)])


class BaseForm(FlaskForm):
    level = SelectField(
        _l("Level"), choices=options([("national", _l("National")), ("provincial", _l("Provincial"))])
    )
    organization_id = IntegerField(_l("Organisation id"), validators=[DataRequired(), NumberRange(min=1)])
    designated_on = DateField(_l("Designation date"), validators=[DataRequired()])
