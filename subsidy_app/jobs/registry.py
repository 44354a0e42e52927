"""The kinds of long work. Each domain registers its own (``claims/jobs.py``,
``ledger/jobs.py``…): what it is called, who may start it, who may see it, the schema of
what it is given, and the function that does it. The jobs package knows none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import marshmallow as ma

from ..core.schemas import BaseSchema


@dataclass(frozen=True)
class JobKind:
    name: str
    #: The permission needed to start it (``core.permissions``).
    start: str
    #: Staff holding this permission see one another's jobs of this kind (and their
    #: results); everyone sees their own.
    see: str
    #: Validates and loads ``params`` (field errors answered 422 before any job exists).
    schema: type[ma.Schema]
    #: ``run(context, **params) -> dict`` (the result summary).
    run: Callable
    #: Words for the kind, lazily translated.
    label: object = ""
    #: Work that only reads (exports, reports): on SQLite it holds no write lock.
    read_only: bool = False
    #: More checks on the parameters, with the acting user, before the job is created
    #: (e.g. a year that has no budget line: refused now rather than failed later).
    precheck: Callable | None = field(default=None)
    #: The summary of what committed chunks did, for a job stopped part-way
    #: (``partial(job_id, **params) -> dict``): cancelled, failed or lost.
    partial: Callable | None = field(default=None)


class NoParams(BaseSchema):
    """The schema of a kind of work that takes no parameters."""


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    if kind.name in KINDS and KINDS[kind.name].run is not kind.run:
        raise ValueError(f"job kind {kind.name!r} registered twice")
    KINDS[kind.name] = kind
    return kind


def job_kind(name: str, **options) -> Callable[[Callable], Callable]:
    """Decorator: register the function as the work of the job kind ``name``."""

    def decorate(func: Callable) -> Callable:
        register(JobKind(name=name, run=func, **options))
        return func

    return decorate
