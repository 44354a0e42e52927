"""Who may name whom: the one rule for every call that takes a talent code or an
organisation id (CONTRACT.md, "Who may name whom").

* Staff (HR, finance, auditors, administrators) name anyone their permissions let them act on;
  HR files claims naming anyone, on an applicant's behalf.
* An employer names only its own organisation and its own talents (its staff).
* An intermediary names only its own organisation, and a talent only on a claim of a program
  paid to an intermediary (the commission of (五), ``HEADHUNTER``); from such a claim it sees
  the talent's name and code, never the talent record.

Anything else is answered as if the talent or organisation did not exist: the same 404 (or
the same 422 on the field) as for a code that was never issued, so that codes cannot be
walked to learn who is registered.
"""

from __future__ import annotations

from sqlalchemy import exists, false, true

from ..claims.models import Claim
from ..core.permissions import Actor, Role, is_confined
from ..talents.models import Talent

#: Programs on which an intermediary may name a talent: those paid to the intermediary.
INTERMEDIARY_PAYEE = "intermediary"


def may_read_talent(actor: Actor, talent) -> bool:
    """The talent record (passport, birth date, permit, bank account)."""
    if talent is None:
        return False
    if not is_confined(actor):
        return True
    return actor.role == Role.EMPLOYER and talent.employer_id == actor.organization_id


def may_name_talent(actor: Actor, talent, program=None) -> bool:
    """May ``actor`` name ``talent`` on a claim of ``program``?"""
    if talent is None:
        return False
    if not is_confined(actor):
        return True
    if actor.role == Role.EMPLOYER:
        return talent.employer_id == actor.organization_id
    payee = getattr(getattr(program, "payee_kind", None), "value", None)
    return actor.role == Role.INTERMEDIARY and payee == INTERMEDIARY_PAYEE


def may_name_organization(actor: Actor, organization) -> bool:
    if organization is None:
        return False
    return not is_confined(actor) or organization.id == actor.organization_id


def namable_talents_where(actor: Actor, program=None):
    """The SQL condition on ``Talent`` for lists of talents ``actor`` may name on a claim of
    ``program`` (the claim form's talent picker): the same rule as ``may_name_talent``, but
    a list never walks the register. Staff: everyone; an employer: its own staff; an
    intermediary: on a program paid to it, only talents it has already named on its own
    organisation's claims (whose name and code it sees there), never anyone else; any other
    role or program: nobody."""
    if not is_confined(actor):
        return true()
    if actor.role == Role.EMPLOYER:
        return Talent.employer_id == actor.organization_id
    payee = getattr(getattr(program, "payee_kind", None), "value", None)
    if actor.role == Role.INTERMEDIARY and payee == INTERMEDIARY_PAYEE:
        return exists().where(Claim.talent_id == Talent.id, Claim.organization_id == actor.organization_id)
    return false()
