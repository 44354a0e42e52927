"""payee bank account changes four eyes (issue 12)

A payee's account changes are proposed, confirmed by another HR user, refused, superseded or
set directly (``bank_account_changes``); each payment item records when its payee's account
last changed, who changed it and who confirmed it.

Revision ID: c12a00000001
Revises: 0ddd80d9a6c7
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

revision = 'c12a00000001'
down_revision = '0ddd80d9a6c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_account_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.Enum('organization', 'talent', name='subject_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('talent_id', sa.Integer(), nullable=True),
    sa.Column('bank_name', sa.String(length=100), nullable=False),
    sa.Column('account_no', sa.String(length=40), nullable=False),
    sa.Column('previous_bank_name', sa.String(length=100), nullable=True),
    sa.Column('previous_account_no', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', 'superseded', 'direct', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("(subject_kind = 'organization' AND organization_id IS NOT NULL AND talent_id IS NULL) OR (subject_kind = 'talent' AND talent_id IS NOT NULL AND organization_id IS NULL)", name=op.f('ck_bank_account_changes_one_subject')),
    sa.CheckConstraint("(status = 'pending' AND decided_at IS NULL) OR (status <> 'pending' AND decided_at IS NOT NULL)", name=op.f('ck_bank_account_changes_decided')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_bank_account_changes_decided_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_bank_account_changes_organization_id_organizations')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_bank_account_changes_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['talent_id'], ['talents.id'], name=op.f('fk_bank_account_changes_talent_id_talents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_account_changes'))
    )
    with op.batch_alter_table('bank_account_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_account_changes_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_account_changes_talent_id'), ['talent_id'], unique=False)
        batch_op.create_index('uq_bank_account_changes_pending_organization', ['organization_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index('uq_bank_account_changes_pending_talent', ['talent_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('payment_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('account_changed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('account_confirmed_by', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('payment_items', schema=None) as batch_op:
        batch_op.drop_column('account_confirmed_by')
        batch_op.drop_column('account_changed_by')
        batch_op.drop_column('account_changed_at')

    with op.batch_alter_table('bank_account_changes', schema=None) as batch_op:
        batch_op.drop_index('uq_bank_account_changes_pending_talent', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index('uq_bank_account_changes_pending_organization', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_bank_account_changes_talent_id'))
        batch_op.drop_index(batch_op.f('ix_bank_account_changes_organization_id'))

    op.drop_table('bank_account_changes')
