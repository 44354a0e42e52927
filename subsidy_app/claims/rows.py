"""Claims read as plain rows, with what checks read about them loaded once: the set-based
paths (bulk approval, payment batches) work on thousands of claims without ORM objects."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ..core.db import in_ids
from ..extensions import db
from ..organizations.models import Organization
from ..programs import operations as programs
from ..programs.models import DocumentRequirement
from ..talents.models import Talent
from ..users.models import User
from .facts import Subject, filed_on
from .models import Claim, ClaimDocument, ClaimStatus, DocumentDeferral
from .moves import ClaimState

CHUNK = 20000  # rows per IN list or executemany

C = Claim.__table__.c


@dataclass
class Row:
    """A claim as the bulk path needs it."""

    id: int
    program_id: int
    status: ClaimStatus
    stage: str
    organization_id: int | None
    talent_id: int | None
    filed_by_id: int
    amount_requested: Decimal | None
    amount_approved: Decimal | None
    details: dict
    rejected_by_id: int | None
    version: int
    fiscal_year: int | None = None
    amount_committed: Decimal | None = None
    created_at: datetime | None = None
    #: The verdict of the rules, as stored with the claim (set when they are run again).
    checks: list | None = None


COLUMNS = (
    C.id,
    C.program_id,
    C.status,
    C.stage,
    C.organization_id,
    C.talent_id,
    C.filed_by_id,
    C.amount_requested,
    C.amount_approved,
    C.details,
    C.rejected_by_id,
    C.version,
    C.fiscal_year,
    C.amount_committed,
    C.created_at,
)


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read(claim_ids) -> dict[int, Row]:
    """The rows of these claims, by id."""
    found = {}
    for chunk in chunks(list(dict.fromkeys(claim_ids))):
        found.update((r.id, Row(*r)) for r in db.session.execute(select(*COLUMNS).where(in_ids(C.id, chunk))))
    return found


class Context:
    """Everything the checks read, loaded once for all the rows."""

    def __init__(self, rows: list[Row]):
        self.programs = {p.id: p for p in programs.all_programs()}
        self.talents = self._by_id(Talent.__table__, {r.talent_id for r in rows} - {None})
        organization_ids = {r.organization_id for r in rows} | {t.employer_id for t in self.talents.values()}
        self.organizations = self._by_id(Organization.__table__, organization_ids - {None})
        self.roles = (
            dict(
                db.session.execute(
                    select(User.id, User.role).where(User.id.in_({r.filed_by_id for r in rows}))
                )
                .tuples()
                .all()
            )
            if rows
            else {}
        )
        ids = [r.id for r in rows]
        self.documents: dict[int, set[str]] = defaultdict(set)
        self.deferrals: dict[int, list[str]] = defaultdict(list)
        for chunk in chunks(ids):
            for claim_id, kind in db.session.execute(
                select(ClaimDocument.claim_id, ClaimDocument.kind).where(
                    in_ids(ClaimDocument.claim_id, chunk)
                )
            ):
                self.documents[claim_id].add(kind)
            for claim_id, kind in db.session.execute(
                select(DocumentDeferral.claim_id, DocumentDeferral.kind).where(
                    in_ids(DocumentDeferral.claim_id, chunk)
                )
            ):
                self.deferrals[claim_id].append(kind)

    @staticmethod
    def _by_id(table, ids: set[int]) -> dict:
        """Rows of a table by id (Core rows: attribute access, no ORM objects)."""
        found = {}
        for chunk in chunks(sorted(ids)):
            found.update(
                (row.id, row) for row in db.session.execute(select(table).where(in_ids(table.c.id, chunk)))
            )
        return found

    def subject(self, row: Row) -> Subject:
        return Subject(
            self.programs[row.program_id],
            self.talents.get(row.talent_id),
            self.organizations.get(row.organization_id),
            row.details or {},
            row.id,
            filed_on(row.created_at),
        )

    def state(self, row: Row) -> ClaimState:
        """The guards' view of a row (moves.py), as ``moves.state_of`` gives of a claim."""
        talent = self.talents.get(row.talent_id)
        organizations = {row.organization_id, talent.employer_id if talent else None} - {None}
        return ClaimState(
            row.id,
            row.status,
            row.filed_by_id,
            row.rejected_by_id,
            self.programs[row.program_id],
            frozenset(organizations),
            row.talent_id,
            frozenset(self.documents[row.id]),
            frozenset(self.deferrals[row.id]),
        )

    def missing(self, row: Row, *requirements: DocumentRequirement) -> list[str]:
        program, present = self.programs[row.program_id], self.documents[row.id]
        return [k for r in requirements for k in program.documents_by(r) if k not in present]

    def outstanding(self, row: Row) -> list[str]:
        return [k for k in self.deferrals[row.id] if k not in self.documents[row.id]]
