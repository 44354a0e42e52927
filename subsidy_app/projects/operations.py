from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..core import audit
from ..core.errors import Conflict
from ..core.permissions import Actor, require
from ..extensions import db
from .models import ProjectLevel, RecruitmentProject


def create_project(actor: Actor, *, name: str, level: ProjectLevel | str, year: int) -> RecruitmentProject:
    require(actor, "project.create")
    name = name.strip()
    if db.session.execute(
        select(RecruitmentProject.id).where(RecruitmentProject.name == name, RecruitmentProject.year == year)
    ).first():
        raise Conflict(
            _("A project of this name is already registered for %(year)s.", year=year),
            fields={"name": [_("Already registered.")]},
        )
    project = RecruitmentProject(name=name, level=ProjectLevel(level), year=year)
    db.session.add(project)
    db.session.flush()
    audit.record(
        actor,
        "project.create",
        "recruitment_project",
        project.id,
        after=audit.snapshot(project, "name", "level", "year"),
    )
    return project


def list_projects(actor: Actor, *, year: int | None = None, level: ProjectLevel | None = None):
    require(actor, "project.read")
    stmt = select(RecruitmentProject).order_by(RecruitmentProject.year.desc(), RecruitmentProject.id)
    if year is not None:
        stmt = stmt.where(RecruitmentProject.year == year)
    if level is not None:
        stmt = stmt.where(RecruitmentProject.level == level)
    return stmt


def all_projects(actor: Actor) -> list[RecruitmentProject]:
    """Every project, newest year first (for choosing one in a form)."""
    return list(db.session.execute(list_projects(actor)).scalars())
