"""Issue 15: indexes the queues and lists need at volume.

* ``ix_claims_stage_deadline`` (stage, stage_deadline, id): the reviewers' default queues
  (what awaits HR, what awaits finance) are a few stages; their count and their page of ids
  ordered by deadline read this index, not the table.
* ``ix_claims_deadline`` (stage_deadline, id): the queue order and the deadline sort over
  all statuses walk it instead of sorting every claim.

Revision ID: c15a00000001
Revises: c14a00000001
Create Date: 2026-12-03 19:00:00
"""

from alembic import op

revision = "c15a00000001"
down_revision = "c14a00000001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("claims") as batch:
        batch.create_index("ix_claims_stage_deadline", ["stage", "stage_deadline", "id"])
        batch.create_index("ix_claims_deadline", ["stage_deadline", "id"])


def downgrade():
    with op.batch_alter_table("claims") as batch:
        batch.drop_index("ix_claims_deadline")
        batch.drop_index("ix_claims_stage_deadline")
