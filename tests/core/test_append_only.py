"""Tables that record decisions refuse UPDATE and DELETE in the database itself."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from subsidy_app.extensions import db


@pytest.mark.parametrize(
    "table, change",
    [
        ("audit_events", "UPDATE audit_events SET reason = 'rewritten'"),
        ("audit_events", "DELETE FROM audit_events"),
        ("program_rates", "UPDATE program_rates SET amount = 1"),
        ("program_rates", "DELETE FROM program_rates"),
        ("talent_passports", "UPDATE talent_passports SET passport_no = 'X'"),
        ("talent_passports", "DELETE FROM talent_passports"),
    ],
)
def test_append_only_tables_refuse_changes(app, make_talent, table, change):
    make_talent()  # a passport row and audit events exist
    with app.app_context():
        before = db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        assert before > 0
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(change))
            db.session.commit()
        db.session.rollback()
        assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == before


def test_append_only_tables_accept_inserts(app, make_talent):
    make_talent()
    make_talent()
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM talent_passports")).scalar_one() == 2
