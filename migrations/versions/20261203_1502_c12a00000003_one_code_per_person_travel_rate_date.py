"""one code per person: a work permit names one talent; TRAVEL takes the ceiling in force
on the day the claim is filed (issue 12)

Revision ID: c12a00000003
Revises: c12a00000002
Create Date: 2026-12-03

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = 'c12a00000003'
down_revision = 'c12a00000002'
branch_labels = None
depends_on = None

programs = sa.table("programs", sa.column("code", sa.String), sa.column("rate_date", sa.String))
audit_events = sa.table(
    "audit_events", sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("actor_name", sa.String), sa.column("action", sa.String),
    sa.column("object_type", sa.String), sa.column("object_id", sa.String),
    sa.column("before", sa.JSON), sa.column("after", sa.JSON), sa.column("reason", sa.Text))

REASON = ("(六) sets no arrival cut-off for the travel subsidy: the ceiling in force on the day "
          "the claim is filed applies")


def _travel_rate_date(old: str, new: str) -> None:
    bind = op.get_bind()
    changed = bind.execute(programs.update().where(programs.c.code == "TRAVEL",
                                                   programs.c.rate_date == old)
                           .values(rate_date=new)).rowcount
    if changed:
        now = datetime.now(timezone.utc)
        bind.execute(audit_events.insert().values(
            occurred_at=now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now,
            actor_name="system", action="program.rate_date", object_type="program",
            object_id="TRAVEL", before={"rate_date": old}, after={"rate_date": new},
            reason=REASON if new == "claim" else "downgrade"))


def upgrade():
    op.create_index("uq_talents_work_permit_no", "talents", ["work_permit_no"], unique=True)
    _travel_rate_date("talent_start", "claim")


def downgrade():
    _travel_rate_date("claim", "talent_start")
    op.drop_index("uq_talents_work_permit_no", table_name="talents")
