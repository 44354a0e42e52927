"""Registering talent under one lifelong code, and renewing passports."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, or_, select

from ..core import audit
from ..core.errors import Conflict, NotFound, invalid
from ..core.permissions import Actor, Role, is_confined, require
from ..core.sequences import iso7064_mod11_2, next_value
from ..core.timeutil import local_today
from ..extensions import db
from ..organizations import operations as organizations
from ..organizations.models import OrganizationKind
from ..subjects import naming
from . import identity
from .models import Degree, PermitClass, Talent, TalentKind, TalentPassport

AUDITED_FIELDS = (
    "talent_code",
    "name",
    "nationality",
    "birth_date",
    "degree",
    "years_experience",
    "work_permit_no",
    "permit_class",
    "employer_id",
    "shanxi_start_date",
    "graduated_in_china",
    "talent_kind",
)


def new_talent_code() -> str:
    """``SX`` + an 8-digit serial + an ISO 7064 check character: issued once, never reused."""
    serial = f"{next_value('talent_code'):08d}"
    prefix = current_app.config.get("TALENT_CODE_PREFIX", "SX")
    return f"{prefix}{serial}{iso7064_mod11_2(serial)}"


def find_talent(talent_code: str) -> Talent | None:
    return db.session.execute(
        select(Talent).where(Talent.talent_code == talent_code.strip().upper())
    ).scalar_one_or_none()


def can_see_talent(actor: Actor, talent: Talent) -> bool:
    """The talent record: staff, and the talent's own employer; never an intermediary (who
    sees a talent's name and code on its commission claim only)."""
    return naming.may_read_talent(actor, talent)


def get_talent(actor: Actor, talent_code: str) -> Talent:
    """A talent the actor may see; "not found" otherwise (even if it exists)."""
    require(actor, "talent.read")
    talent = find_talent(talent_code)
    if talent is None or not can_see_talent(actor, talent):
        raise NotFound(_("Not found."))
    return talent


def visible_talents(actor: Actor, *, search: str | None = None, employer_id: int | None = None):
    require(actor, "talent.list")
    stmt = select(Talent).order_by(Talent.id)
    if is_confined(actor):
        # an employer lists its staff; an intermediary gets no talent records at all
        stmt = stmt.where(
            Talent.employer_id == actor.organization_id if actor.role == Role.EMPLOYER else false()
        )
    if employer_id is not None:
        stmt = stmt.where(Talent.employer_id == employer_id)
    if search:
        pattern = f"%{search.strip()}%"
        stmt = stmt.where(
            or_(
                Talent.name.ilike(pattern),
                Talent.talent_code.ilike(pattern),
                exists().where(
                    TalentPassport.talent_id == Talent.id, TalentPassport.passport_no.ilike(pattern)
                ),
            )
        )
    return stmt


def _holder_of_passport(nationality: str, passport_no: str) -> Talent | None:
    return (
        db.session.execute(
            select(Talent)
            .join(TalentPassport)
            .where(TalentPassport.nationality == nationality, TalentPassport.passport_no == passport_no)
        )
        .scalars()
        .first()
    )


def _duplicate_of(
    name_key: str, birth_date: date, nationality: str, passport_no: str, work_permit_no: str | None
):
    """The already registered talent this person is, and the field that shows it (seed 003,
    一人一码): the same passport; the same work permit; or the same name and birth date with
    a nationality the registered person holds or has held (a change of nationality does not
    make a new person)."""
    holder = _holder_of_passport(nationality, passport_no)
    if holder is not None:
        return holder, "passport_no"
    if work_permit_no:
        holder = (
            db.session.execute(select(Talent).where(Talent.work_permit_no == work_permit_no))
            .scalars()
            .first()
        )
        if holder is not None:
            return holder, "work_permit_no"
    held_before = exists().where(
        TalentPassport.talent_id == Talent.id, TalentPassport.nationality == nationality
    )
    same = (
        db.session.execute(
            select(Talent)
            .where(
                Talent.name_key == name_key,
                Talent.birth_date == birth_date,
                or_(Talent.nationality == nationality, held_before),
            )
            .order_by(Talent.id)
        )
        .scalars()
        .first()
    )
    return (same, "name") if same is not None else (None, None)


DUPLICATE_MESSAGES = {
    "passport_no": _l("This passport is already registered: talent code %(code)s."),
    "work_permit_no": _l("This work permit is already registered: talent code %(code)s."),
    "name": _l(
        "A person with the same name, birth date and nationality is already registered: talent code %(code)s."
    ),
}


def duplicate_talent(existing: Talent, field: str) -> Conflict:
    """409 naming the code already issued, on the field that shows it."""
    message = str(DUPLICATE_MESSAGES[field]) % {"code": existing.talent_code}
    return Conflict(
        message, code="duplicate_talent", fields={field: [message]}, talent_code=existing.talent_code
    )


def _field_errors(data: dict) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    today = local_today()
    nationality = data["nationality"]
    if not identity.is_iso_alpha3(nationality):
        fields["nationality"] = [_("Not an ISO 3166-1 alpha-3 country code (e.g. DEU, USA, HKG).")]
    elif nationality in identity.NOT_FOREIGN:
        fields["nationality"] = [_("Citizens of the mainland are not foreign talent under this plan.")]
    birth = data["birth_date"]
    if birth > today - timedelta(days=16 * 365) or birth < today - timedelta(days=100 * 366):
        fields["birth_date"] = [_("The birth date must make the person 16 to 100 years old.")]
    start = data["shanxi_start_date"]
    if start <= birth:
        fields["shanxi_start_date"] = [_("The start date must be after the birth date.")]
    elif start > today + timedelta(days=366):
        fields["shanxi_start_date"] = [_("The start date is more than a year ahead.")]
    if not identity.normalize_passport(data["passport_no"]):
        fields["passport_no"] = [_("Missing data for required field.")]
    if not identity.normalize_name(data["name"]):
        fields["name"] = [_("Missing data for required field.")]
    if nationality not in identity.HK_MACAO_TAIWAN:
        # Hong Kong, Macao and Taiwan residents need no work permit since 2018; everyone
        # else holds one with its class (seed 002).
        for name in ("work_permit_no", "permit_class"):
            if not data.get(name):
                fields[name] = [_("Required for talent holding a foreign passport.")]
    return fields


def _check_employer(actor: Actor | None, employer_id: int | None) -> int:
    if actor is not None and actor.role == Role.EMPLOYER:
        if employer_id is None:
            return actor.organization_id
        if employer_id != actor.organization_id:  # answered as an unknown employer
            raise invalid("employer_id", _("No employer has this id."))
    if employer_id is None:
        raise invalid("employer_id", _("Missing data for required field."))
    organization = organizations.find_organization(employer_id)
    if organization is None or organization.kind != OrganizationKind.EMPLOYER:
        raise invalid("employer_id", _("No employer has this id."))
    return employer_id


def register_talent(
    actor: Actor | None,
    *,
    name: str,
    nationality: str,
    passport_no: str,
    birth_date: date,
    degree: Degree | str,
    years_experience: int,
    shanxi_start_date: date,
    employer_id: int | None = None,
    work_permit_no: str | None = None,
    permit_class: PermitClass | str | None = None,
    graduated_in_china: bool = False,
    talent_kind: TalentKind | str | None = None,
) -> Talent:
    """Register a person and issue their lifelong talent code.

    The same person again (same passport, or same normalised name, birth date and
    nationality) is refused with 409 naming the code already issued (seed 003, 一人一码).
    """
    if actor is not None:
        require(actor, "talent.create")
    nationality = nationality.strip().upper()
    passport = identity.normalize_passport(passport_no)
    data = dict(
        name=name.strip(),
        nationality=nationality,
        passport_no=passport,
        birth_date=birth_date,
        shanxi_start_date=shanxi_start_date,
        work_permit_no=identity.normalize_permit(work_permit_no),
        permit_class=permit_class or None,
    )
    if fields := _field_errors(data):
        raise invalid(fields)
    employer_id = _check_employer(actor, employer_id)
    name_key = identity.normalize_name(name)
    existing, reason = _duplicate_of(name_key, birth_date, nationality, passport, data["work_permit_no"])
    if existing is not None:
        raise duplicate_talent(existing, reason)
    talent = Talent(
        talent_code=new_talent_code(),
        name=data["name"],
        name_key=name_key,
        nationality=nationality,
        birth_date=birth_date,
        degree=Degree(degree),
        years_experience=years_experience,
        work_permit_no=data["work_permit_no"],
        permit_class=PermitClass(permit_class) if permit_class else None,
        employer_id=employer_id,
        shanxi_start_date=shanxi_start_date,
        graduated_in_china=graduated_in_china,
        talent_kind=TalentKind(talent_kind) if talent_kind else None,
    )
    talent.passports.append(TalentPassport(nationality=nationality, passport_no=passport))
    db.session.add(talent)
    db.session.flush()
    audit.record(
        actor,
        "talent.create",
        "talent",
        talent.talent_code,
        after=audit.snapshot(talent, *AUDITED_FIELDS) | {"passport_no": passport},
    )
    return talent


def renew_passport(
    actor: Actor,
    talent_code: str,
    *,
    passport_no: str,
    nationality: str | None = None,
    reason: str | None = None,
) -> Talent:
    """Record a new passport; the talent keeps the code, the old passport stays on record."""
    require(actor, "talent.renew_passport")
    talent = get_talent(actor, talent_code)
    nationality = (nationality or talent.nationality).strip().upper()
    if not identity.is_iso_alpha3(nationality) or nationality in identity.NOT_FOREIGN:
        raise invalid("nationality", _("Not an ISO 3166-1 alpha-3 country code (e.g. DEU, USA, HKG)."))
    passport = identity.normalize_passport(passport_no)
    if not passport:
        raise invalid("passport_no", _("Missing data for required field."))
    holder = _holder_of_passport(nationality, passport)
    if holder is not None:
        raise duplicate_talent(holder, "passport_no")
    before = {"passport_no": talent.passport_no, "nationality": talent.nationality}
    talent.passports.append(TalentPassport(nationality=nationality, passport_no=passport))
    if nationality != talent.nationality:
        talent.nationality = nationality
    db.session.flush()
    audit.record(
        actor,
        "talent.renew_passport",
        "talent",
        talent.talent_code,
        before=before,
        after={"passport_no": passport, "nationality": nationality},
        reason=reason,
    )
    return talent


# --- choosing a talent on a claim (the talent picker) -----------------------------------------

#: The most talents the picker answers at once.
PICKER_LIMIT = 20


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pick_talents(actor: Actor, query: str | None, program=None, limit: int = PICKER_LIMIT) -> list[Talent]:
    """Talents ``actor`` may name on a claim of ``program`` whose name or code contains
    ``query`` (at most ``limit``; name and code only are shown). The same rule as naming a
    talent on the claim (subjects/naming.py): another organisation's talent never appears."""
    require(actor, "claim.create")
    stmt = select(Talent).where(naming.namable_talents_where(actor, program))
    text = (query or "").strip()[:100]
    if text:
        pattern = f"%{_escape_like(text)}%"
        stmt = stmt.where(
            or_(Talent.name.ilike(pattern, escape="\\"), Talent.talent_code.ilike(pattern, escape="\\"))
        )
    stmt = stmt.order_by(Talent.name, Talent.id).limit(max(1, min(limit, PICKER_LIMIT)))
    return list(db.session.execute(stmt).scalars())


def resolve_pick(actor: Actor, text: str | None, program=None) -> tuple[str | None, str | None]:
    """What was typed in the claim form's talent field: a talent code, or the exact name of
    one talent the actor may name. Returns (code, None), (None, None) when nothing was
    typed, or (None, message). A code the actor may not name is answered as one that was
    never issued, as the claim itself answers it."""
    text = (text or "").strip()
    if not text:
        return None, None
    if not text.isprintable():
        return None, _("No talent has this code or name.")
    if _looks_like_code(text):
        # the same answer as the claim gives: a talent that may not be named does not exist
        if naming.may_name_talent(actor, find_talent(text), program):
            return text.upper(), None
        return None, _("No talent has this code.")
    key = identity.normalize_name(text)
    same = (
        list(
            db.session.execute(
                select(Talent.talent_code)
                .where(naming.namable_talents_where(actor, program), Talent.name_key == key)
                .order_by(Talent.id)
                .limit(2)
            ).scalars()
        )
        if key
        else []
    )
    if len(same) == 1:
        return same[0], None
    if same:
        return None, _("Several talents have this name: choose one from the list, or type the code.")
    return None, _("No talent has this code or name.")


def _looks_like_code(text: str) -> bool:
    prefix = current_app.config.get("TALENT_CODE_PREFIX", "SX")
    return text.upper().startswith(prefix) and any(ch.isdigit() for ch in text)


def set_talent_kind(actor: Actor, talent_code: str, talent_kind: TalentKind | str | None) -> Talent:
    """Record a talent's kind, 晋发〔2017〕47号 (一)–(四) (who registers talent keeps it:
    HR for anyone, an employer for its own staff)."""
    require(actor, "talent.create")
    talent = get_talent(actor, talent_code)
    try:
        kind = TalentKind(talent_kind) if talent_kind else None
    except ValueError:
        raise invalid("talent_kind", _("Not a valid choice.")) from None
    if kind is None:
        raise invalid("talent_kind", _("Missing data for required field."))
    if kind == talent.talent_kind:
        return talent
    before = {"talent_kind": talent.talent_kind}
    talent.talent_kind = kind
    db.session.flush()
    audit.record(
        actor, "talent.update", "talent", talent.talent_code, before=before, after={"talent_kind": kind}
    )
    return talent
