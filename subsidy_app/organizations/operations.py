"""Operations on organisations and cities."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from ..core import audit
from ..core.errors import Conflict, NotFound, invalid
from ..core.permissions import Actor, is_confined, require, require_own_organization
from ..extensions import db
from . import credit_code as uscc
from .models import City, Organization, OrganizationKind

_CREDIT_CODE_PROBLEMS = {
    "length": lambda: _("A unified social credit code has 18 characters."),
    "characters": lambda: _(
        "A unified social credit code uses digits and capital letters other than I, O, Z, S and V."
    ),
    "check": lambda: _("The check character is wrong: this is not a valid unified social credit code."),
}


# --- cities -----------------------------------------------------------------------------


def list_cities() -> list[City]:
    return list(db.session.execute(select(City).order_by(City.division_code)).scalars())


def find_city(name: str) -> City | None:
    """A city by its Chinese name (``太原市``; ``太原`` is accepted too) or English name."""
    name = name.strip()
    candidates = {name, name if name.endswith("市") else name + "市"}
    return (
        db.session.execute(select(City).where(City.name_zh.in_(candidates) | (City.name_en == name)))
        .scalars()
        .first()
    )


def ensure_city(name_zh: str, name_en: str, division_code: str) -> bool:
    """Add a city if absent (loading a plan). Returns True if it was added."""
    if db.session.execute(select(City).where(City.name_zh == name_zh)).scalar_one_or_none():
        return False
    db.session.add(City(name_zh=name_zh, name_en=name_en, division_code=division_code))
    db.session.flush()
    return True


# --- organisations -------------------------------------------------------------------------


def find_organization(organization_id: int) -> Organization | None:
    return db.session.get(Organization, organization_id)


def find_by_credit_code(code: str) -> Organization | None:
    return db.session.execute(
        select(Organization).where(Organization.credit_code == uscc.normalize(code))
    ).scalar_one_or_none()


def get_organization(actor: Actor, organization_id: int) -> Organization:
    """An organisation the actor may see; any other answers "not found"."""
    require(actor, "organization.read")
    require_own_organization(actor, organization_id)
    organization = find_organization(organization_id)
    if organization is None:
        raise NotFound(_("Not found."))
    return organization


def visible_organizations(actor: Actor, *, kind: OrganizationKind | None = None, search: str | None = None):
    require(actor, "organization.list")
    stmt = select(Organization).order_by(Organization.id)
    if is_confined(actor):
        stmt = stmt.where(Organization.id == actor.organization_id)
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if search:
        pattern = f"%{search.strip()}%"
        stmt = stmt.where(Organization.name.ilike(pattern) | Organization.credit_code.ilike(pattern))
    return stmt


def create_organization(
    actor: Actor | None,
    *,
    kind: OrganizationKind | str,
    name: str,
    credit_code: str,
    city: str,
    bank_name: str | None = None,
    bank_account_no: str | None = None,
) -> Organization:
    if actor is not None:
        require(actor, "organization.create")
    kind = OrganizationKind(kind)
    code = uscc.normalize(credit_code)
    fields: dict[str, list[str]] = {}
    if (problem := uscc.problem(code)) is not None:
        fields["credit_code"] = [_CREDIT_CODE_PROBLEMS[problem]()]
    found_city = find_city(city)
    if found_city is None:
        names = "、".join(c.name_zh for c in list_cities())
        fields["city"] = [_("Not a prefecture-level city of the province: one of %(names)s.", names=names)]
    if not name.strip():
        fields["name"] = [_("Missing data for required field.")]
    if bank_name or bank_account_no:
        fields.update(
            {
                ("bank_account_no" if k == "account_no" else k): v
                for k, v in bank_account_errors(bank_name or "", bank_account_no or "").items()
            }
        )
    if fields:
        raise invalid(fields)
    existing = find_by_credit_code(code)
    if existing is not None:
        raise Conflict(
            _("An organisation with this credit code is already registered (id %(id)s).", id=existing.id),
            fields={"credit_code": [_("Already registered.")]},
            organization_id=existing.id,
        )
    organization = Organization(
        kind=kind,
        name=name.strip(),
        credit_code=code,
        city=found_city,
        bank_name=(bank_name or "").strip() or None,
        bank_account_no=normalize_account(bank_account_no) or None,
    )
    db.session.add(organization)
    db.session.flush()
    audit.record(
        actor,
        "organization.create",
        "organization",
        organization.id,
        after={"kind": kind, "name": organization.name, "credit_code": code, "city": found_city.name_zh},
    )
    return organization


BANK_ACCOUNT_RE = re.compile(r"^[0-9A-Z]{6,40}$")


def normalize_account(account_no: str | None) -> str:
    """An account number as the bank file carries it: digits and capital letters only (the
    spaces and dashes people type to group digits are dropped)."""
    return re.sub(r"[\s-]+", "", account_no or "").upper()


def bank_account_errors(bank_name: str, account_no: str) -> dict[str, list[str]]:
    fields = {}
    if not bank_name or not bank_name.strip():
        fields["bank_name"] = [_("Missing data for required field.")]
    if not BANK_ACCOUNT_RE.match(normalize_account(account_no)):
        fields["account_no"] = [_("6 to 40 digits or capital letters (spaces and dashes allowed).")]
    return fields
