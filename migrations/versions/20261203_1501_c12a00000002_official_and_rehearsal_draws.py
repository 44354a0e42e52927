"""official and rehearsal draws (issue 12)

An official draw's seed is made by the server and put on record (an audit event) before
anything is drawn; the draw points at that event (``seed_event_id``). A draw made from a
caller's seed is a rehearsal (``rehearsal``), kept apart from the official record. The
registry of inspection objects gains the foreign persons themselves (``talents``).

On SQLite, widening the CHECK constraint of ``population`` rebuilds the table; the rebuild
drops the table's append-only triggers, so they are dropped first and made again after.

Revision ID: c12a00000002
Revises: c12a00000001
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa

from subsidy_app.core.append_only import drop_append_only, make_append_only

revision = 'c12a00000002'
down_revision = 'c12a00000001'
branch_labels = None
depends_on = None

TABLE = "inspection_draws"
CHECK = "ck_inspection_draws_population"
OLD_POPULATIONS = ("employers", "intermediaries", "paid_claims")
NEW_POPULATIONS = OLD_POPULATIONS + ("talents",)
SEED_EVENT_FK = "fk_inspection_draws_seed_event_id_audit_events"


def _population_check(values) -> str:
    return "population IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _rebuild_sqlite(values, *, add: bool) -> None:
    """Recreate the table with the population CHECK over ``values`` and, if ``add``, the
    new columns (else without them). SQLite cannot alter a CHECK constraint in place."""
    drop_append_only(op, TABLE)
    with op.batch_alter_table(TABLE, recreate="always") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint("population", _population_check(values))
        if add:
            batch_op.add_column(sa.Column("rehearsal", sa.Boolean(), server_default=sa.false(), nullable=False))
            batch_op.add_column(sa.Column("seed_event_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(op.f(SEED_EVENT_FK), "audit_events", ["seed_event_id"], ["id"])
        else:
            batch_op.drop_constraint(op.f(SEED_EVENT_FK), type_="foreignkey")
            batch_op.drop_column("seed_event_id")
            batch_op.drop_column("rehearsal")
    make_append_only(op, TABLE)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(NEW_POPULATIONS, add=True)
        return
    # PostgreSQL alters in place: no row is updated, so the append-only triggers stay.
    op.add_column(TABLE, sa.Column("rehearsal", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column(TABLE, sa.Column("seed_event_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f(SEED_EVENT_FK), TABLE, "audit_events", ["seed_event_id"], ["id"])
    op.drop_constraint(op.f(CHECK), TABLE, type_="check")
    op.create_check_constraint("population", TABLE, _population_check(NEW_POPULATIONS))


def downgrade():
    # Going back would turn rehearsals into official draws and leave draws of talents outside
    # the CHECK: refuse rather than lose what the record means.
    bind = op.get_bind()
    kept = bind.execute(sa.text(
        f"SELECT count(*) FROM {TABLE} WHERE rehearsal OR population = 'talents'")).scalar_one()
    if kept:
        raise RuntimeError(f"{kept} rehearsal or talent draws are on record; the schema before "
                           "revision c12a00000002 cannot hold them")
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite(OLD_POPULATIONS, add=False)
        return
    op.drop_constraint(op.f(CHECK), TABLE, type_="check")
    op.create_check_constraint("population", TABLE, _population_check(OLD_POPULATIONS))
    op.drop_constraint(op.f(SEED_EVENT_FK), TABLE, type_="foreignkey")
    op.drop_column(TABLE, "seed_event_id")
    op.drop_column(TABLE, "rehearsal")
