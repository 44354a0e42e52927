from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional


class BatchForm(FlaskForm):
    claim_ids = SelectMultipleField(_l("Claims"), coerce=int, validators=[DataRequired()])


class BatchActionForm(FlaskForm):
    """Approve or disburse a batch: made only with ``confirm`` "yes" (the confirmation page)."""

    action = HiddenField(validators=[DataRequired()])
    confirm = HiddenField(validators=[Optional()])
    bank_reference = StringField(_l("Bank reference"), validators=[Optional(), Length(max=80)])


class BankResultForm(FlaskForm):
    file = FileField(_l("The bank's result file (CSV)"), validators=[FileRequired()])


class BankResultConfirmForm(FlaskForm):
    """The bank's result file as read on the confirmation page, sent again with its name
    (a file input cannot be filled in again by the page)."""

    content = HiddenField(validators=[DataRequired(), Length(max=5_000_000)])
    filename = HiddenField(validators=[Optional(), Length(max=255)])
