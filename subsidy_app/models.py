"""Every model of the application, imported in one place for SQLAlchemy and Alembic."""

from .awards.models import Award, DemonstrationBase  # noqa: F401
from .bankaccounts.models import BankAccountChange  # noqa: F401
from .budgets.models import BudgetAdjustment, BudgetLine  # noqa: F401
from .claims.models import Claim, ClaimDocument, DocumentDeferral  # noqa: F401
from .conflicts.models import ReviewerConflict  # noqa: F401
from .core.audit import AuditEvent  # noqa: F401
from .core.idempotency import IdempotencyRecord  # noqa: F401
from .core.sequences import CodeSequence  # noqa: F401
from .credit.models import CreditListing  # noqa: F401
from .deadlines.models import CalendarDay, StageTimeLimit  # noqa: F401
from .inspections.models import InspectionDraw, InspectionItem, InspectionPlan, InspectionResult, Inspector  # noqa: F401
from .jobs.models import Job, JobChunk  # noqa: F401
from .ledger.models import LedgerEntry, LedgerHead, LedgerTransaction  # noqa: F401
from .notifications.models import Notification, OutgoingEmail  # noqa: F401
from .organizations.models import City, Organization  # noqa: F401
from .payments.models import PaymentBatch, PaymentItem  # noqa: F401
from .programs.models import (  # noqa: F401
    Benchmark,  # noqa: F401
    DocumentKind,
    Program,
    ProgramDocument,
    ProgramRate,
)
from .projects.models import RecruitmentProject  # noqa: F401
from .recoveries.models import RecoveryOrder, RecoverySettlement  # noqa: F401
from .talents.models import Talent, TalentPassport  # noqa: F401
from .users.models import ApiToken, User  # noqa: F401
