from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import options


class InspectorForm(FlaskForm):
    user_id = IntegerField(_l("User id (an HR user)"), validators=[DataRequired(), NumberRange(min=1)])
    field = StringField(_l("Field"), validators=[DataRequired(), Length(max=100)])


class PlanForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    matters = TextAreaField(
        _l("Matters to check, one per line (抽查事项清单)"), validators=[DataRequired(), Length(max=10000)]
    )


class DrawForm(FlaskForm):
    population = SelectField(
        _l("Registry of inspection objects"),
        choices=options(
            [
                ("employers", _l("employers")),
                ("intermediaries", _l("intermediaries")),
                ("paid_claims", _l("paid claims")),
                ("talents", _l("foreign talents")),
            ]
        ),
    )
    ratio = DecimalField(_l("Ratio (at least 0.05)"), places=4, validators=[DataRequired()])
    seed = StringField(
        _l("Rehearsal seed (optional: a draw from your own seed is a rehearsal, 演练, never official)"),
        validators=[Optional(), Length(max=100)],
    )


class ResultForm(FlaskForm):
    item_id = IntegerField(validators=[DataRequired()])
    outcome = SelectField(
        _l("Outcome"),
        choices=options(
            [
                ("compliant", _l("compliant")),
                ("issues_found", _l("issues found")),
                ("violation", _l("violation")),
            ]
        ),
    )
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(), Length(max=5000)])
    propose_listing = SelectField(
        _l("Propose a listing"),
        choices=options([("", "—"), ("red", _l("Red list")), ("black", _l("Black list"))]),
        validators=[Optional()],
    )
