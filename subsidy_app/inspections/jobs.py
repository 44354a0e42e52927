"""A spot-check draw over a large registry, as a job: the same draw, seed rules and record
as ``POST /inspections/draws``; the job's result names the draw."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..jobs.registry import job_kind
from . import operations
from .schemas import DrawCreateSchema


@job_kind(
    "inspection_draw",
    start="inspection.draw",
    see="inspection.read",
    schema=DrawCreateSchema,
    label=_l("Spot-check draw"),
)
def draw(context, **params) -> dict:
    context.set_total(1)
    made = operations.make_draw(context.actor, **params)
    context.progress(1, force=True)
    return {
        "draw_id": made.id,
        "rehearsal": made.rehearsal,
        "objects": len(made.items),
        "message": _("Draw %(id)s made: %(n)s objects drawn.", id=made.id, n=len(made.items)),
    }
