from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import options


class TalentForm(FlaskForm):
    name = StringField(_l("Name (as in the passport)"), validators=[DataRequired(), Length(max=200)])
    nationality = StringField(
        _l("Nationality (ISO code: DEU, USA, HKG…)"), validators=[DataRequired(), Length(max=3)]
    )
    passport_no = StringField(_l("Passport number"), validators=[DataRequired(), Length(max=32)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired()])
    degree = SelectField(
        _l("Degree"),
        choices=options(
            [
                ("doctorate", _l("Doctorate")),
                ("master", _l("Master")),
                ("bachelor", _l("Bachelor")),
                ("none", _l("No degree")),
            ]
        ),
    )
    years_experience = IntegerField(
        _l("Years of experience"), validators=[DataRequired(), NumberRange(min=0, max=80)]
    )
    work_permit_no = StringField(_l("Work permit number"), validators=[Optional(), Length(max=32)])
    permit_class = SelectField(
        _l("Permit class"),
        choices=options([("", "—"), ("A", "A"), ("B", "B"), ("C", "C")]),
        validators=[Optional()],
    )
    employer_id = IntegerField(
        _l("Employer (organisation id; HR only)"), validators=[Optional(), NumberRange(min=1)]
    )
    shanxi_start_date = DateField(_l("Working in Shanxi since"), validators=[DataRequired()])
    graduated_in_china = BooleanField(_l("Graduated from a Chinese university"))


class PassportForm(FlaskForm):
    passport_no = StringField(_l("New passport number"), validators=[DataRequired(), Length(max=32)])
    nationality = StringField(
        _l("Nationality, if it changed (ISO code)"), validators=[Optional(), Length(max=3)]
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
