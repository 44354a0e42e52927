"""The organisation or talent a listing, a conflict or an inspection names."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import invalid
from ..extensions import db
from ..organizations.models import Organization
from ..talents.models import Talent
from .kinds import SubjectKind


def resolve_subject(subject_kind: SubjectKind, subject_id) -> dict:
    """``{"organization_id": id}`` or ``{"talent_id": id}`` for an organisation id or a talent
    code (422 on ``subject_id`` when there is none)."""
    if SubjectKind(subject_kind) == SubjectKind.ORGANIZATION:
        text = str(subject_id).strip()
        organization = (
            db.session.get(Organization, int(text)) if text.isdigit() and 0 < int(text) < 2**31 else None
        )
        if organization is None:
            raise invalid("subject_id", _("No organisation has this id."))
        return {"organization_id": organization.id}
    talent = db.session.execute(
        select(Talent).where(Talent.talent_code == str(subject_id).strip().upper())
    ).scalar_one_or_none()
    if talent is None:
        raise invalid("subject_id", _("No talent has this code."))
    return {"talent_id": talent.id}
