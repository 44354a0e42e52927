"""HTML forms of claims (WTForms with CSRF). They parse; the operations decide."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from ..core.htmlforms import options


class ClaimForm(FlaskForm):
    program_code = SelectField(_l("Incentive"), validators=[DataRequired()])
    talent_code = StringField(
        _l("Talent code"),
        validators=[Optional(), Length(max=16)],
        description=_l("The talent's code (一人一码), e.g. SX00000001X"),
    )
    organization_id = IntegerField(
        _l("Organisation id"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("Only for HR filing for an organisation"),
    )
    project_id = SelectField(_l("Recruitment project"), validators=[Optional()], choices=[])
    amount_requested = DecimalField(
        _l("Amount requested (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)]
    )
    justification = TextAreaField(_l("Justification"), validators=[Optional(), Length(max=2000)])
    contract_signed_on = DateField(_l("Contract signed on"), validators=[Optional()])
    commission = DecimalField(_l("Commission (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)])
    year = IntegerField(_l("Award year"), validators=[Optional(), NumberRange(min=1990, max=2100)])
    designated_on = DateField(_l("Designation date"), validators=[Optional()])
    visit_date = DateField(_l("Visit date"), validators=[Optional()])


class UploadForm(FlaskForm):
    kind = SelectField(_l("Kind of document"), validators=[DataRequired()])
    file = FileField(_l("File (PDF, JPEG or PNG)"), validators=[FileRequired()])


class ActionForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    documents = SelectMultipleField(choices=[], validate_choice=False)
    due_date = DateField(validators=[Optional()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    amount_approved = DecimalField(
        _l("Amount approved (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)]
    )


class BulkForm(FlaskForm):
    action = SelectField(
        _l("Decision"),
        choices=options(
            [("hr_approve", _l("Approve (HR)")), ("finance_approve", _l("Approve payment (finance)"))]
        ),
    )
    #: The ticked claims ("selected"), or nothing when the scope is "all" (every claim that the
    #: queue's filters, sent along as ``filter-<arg>``, find).
    claim_ids = SelectMultipleField(choices=[], validate_choice=False, validators=[Optional()])
    scope = HiddenField(default="selected", validators=[Optional(), AnyOf(["selected", "all"])])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class EditForm(FlaskForm):
    amount_requested = DecimalField(
        _l("Amount requested (yuan)"), places=2, validators=[Optional(), NumberRange(min=0)]
    )
    justification = TextAreaField(_l("Justification"), validators=[Optional(), Length(max=2000)])


class CorrectionForm(FlaskForm):
    amount = DecimalField(
        _l("Correct amount (yuan)"), places=2, validators=[DataRequired(), NumberRange(min=0)]
    )
    reason = TextAreaField(_l("Why the paid amount was wrong"), validators=[DataRequired(), Length(max=2000)])
    bank_reference = StringField(
        _l("Bank reference (if money moved)"), validators=[Optional(), Length(max=80)]
    )
