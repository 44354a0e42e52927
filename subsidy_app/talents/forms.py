from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import options
from .countries import nationality_choices
from .models import TalentKind

#: The kinds of talent of 晋发〔2017〕47号 (一)–(四): the clause and the plan's words.
TALENT_KINDS = (
    (TalentKind.RESEARCH, "(一)", "高端科研人才", _l("High-end research talent")),
    (TalentKind.PROFESSIONAL, "(二)", "高级专业人才", _l("Senior professional talent")),
    (TalentKind.MANAGEMENT, "(三)", "高层次管理人才", _l("High-level management talent")),
    (TalentKind.URGENT, "(四)", "紧缺急需人才", _l("Urgently needed talent")),
)
KIND_HELP = _l(
    "The kind of talent in 晋发〔2017〕47号 (一)–(四): high-end research (doctorate and 5 years), "
    "senior professional, high-level management, or urgently needed. The quarterly report counts by it."
)


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def talent_kind_label(kind, lang: str) -> str:
    """ "(一) 高端科研人才" in Chinese, "(一) High-end research talent" in English."""
    for value, clause, zh, en in TALENT_KINDS:
        if kind == value:
            return f"{clause} {en if lang == 'en' else zh}"
    return ""


def kind_choices(lang: str, blank: str | None = None):
    pairs = [("", blank)] if blank is not None else []
    return options(pairs + [(k.value, talent_kind_label(k, lang)) for k, *_rest in TALENT_KINDS])


def nationality_options(blank: str | None = None):
    return options_grouped(nationality_choices(blank))


def options_grouped(triples):
    return [SelectChoice(value, label, optgroup=group) for value, label, group in triples]


class TalentForm(FlaskForm):
    name = StringField(_l("Name (as in the passport)"), validators=[DataRequired(), Length(max=200)])
    nationality = SelectField(
        _l("Nationality"),
        validators=[DataRequired()],
        filters=[_upper],
        description=_l("As in the passport. Hong Kong, Macao and Taiwan residents are listed first."),
    )
    passport_no = StringField(_l("Passport number"), validators=[DataRequired(), Length(max=32)])
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired()])
    talent_kind = SelectField(_l("Kind of talent"), validators=[DataRequired()], description=KIND_HELP)
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
    nationality = SelectField(
        _l("Nationality, if it changed"), validators=[Optional()], filters=[_upper], validate_choice=True
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class TalentKindForm(FlaskForm):
    talent_kind = SelectField(_l("Kind of talent"), validators=[DataRequired()], description=KIND_HELP)
