"""Issue 15: user administration: a user who must change the password an administrator
reset, and when each user last logged in.

Revision ID: c15a00000002
Revises: c15a00000001
Create Date: 2026-12-03 19:01:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c15a00000002"
down_revision = "c15a00000001"
branch_labels = None
depends_on = None


def upgrade():
    # Adding columns is an ALTER TABLE … ADD COLUMN on both databases (batch mode does not
    # recreate the table for it on SQLite).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("must_change_password")
