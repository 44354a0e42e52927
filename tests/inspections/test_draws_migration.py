"""Migration c12a00000002 (official and rehearsal draws), both ways, on each backend: draws
made before it stay, official and verifiable; the table stays append-only (SQLite rebuilds
it, which drops its triggers); going back is refused while a rehearsal or a draw of talents
is on record."""

import json
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from subsidy_app.extensions import db
from subsidy_app.inspections import draw as drawing
from subsidy_app.inspections import operations

BEFORE = "c12a00000001"


def _insert_draw(draw_id: int, *, population: str = "employers", extra: dict | None = None) -> None:
    """A draw and its items as a draw made before this migration would have recorded them."""
    snapshot = [{"kind": "organization", "id": i, "excluded": []} for i in range(1, 11)]
    result = [
        {"kind": d.kind, "id": d.id, "inspectors": list(d.inspectors)}
        for d in drawing.draw("legacy", Decimal("0.2"), operations._candidates(snapshot), [7, 8])
    ]
    values = {
        "id": draw_id,
        "population": population,
        "ratio": "0.2",
        "seed": "legacy",
        "algorithm": drawing.ALGORITHM,
        "population_snapshot": json.dumps(snapshot),
        "roster_snapshot": json.dumps([7, 8]),
        "result": json.dumps(result),
        "fingerprint": operations.fingerprint(
            algorithm=drawing.ALGORITHM,
            seed="legacy",
            ratio=Decimal("0.2"),
            population=snapshot,
            roster_ids=[7, 8],
            result=result,
        ),
        "drawn_at": "2026-06-01 08:00:00+00:00",
        **(extra or {}),
    }
    db.session.execute(
        text(
            f"INSERT INTO inspection_draws ({', '.join(values)}) "
            f"VALUES ({', '.join(':' + k for k in values)})"
        ),
        values,
    )
    for n, item in enumerate(result):
        db.session.execute(
            text(
                "INSERT INTO inspection_items (id, draw_id, object_kind, object_id, inspectors) "
                "VALUES (:id, :draw, :kind, :object, :inspectors)"
            ),
            {
                "id": draw_id * 100 + n,
                "draw": draw_id,
                "kind": item["kind"],
                "object": item["id"],
                "inspectors": json.dumps(item["inspectors"]),
            },
        )
    db.session.commit()


def _refuses_update(draw_id: int) -> bool:
    try:
        with db.session.begin_nested():
            db.session.execute(text("UPDATE inspection_draws SET seed = 'x' WHERE id = :d"), {"d": draw_id})
    except DatabaseError:
        return True
    return False


def _columns() -> set[str]:
    with db.engine.connect() as connection:
        return {c["name"] for c in db.inspect(connection).get_columns("inspection_draws")}


def test_the_draws_migration_both_ways_keeps_the_draws(isolated_app):
    with isolated_app.app_context():
        downgrade(revision=BEFORE)
        assert "rehearsal" not in _columns()
        _insert_draw(1)
        upgrade()
        assert {"rehearsal", "seed_event_id"} <= _columns()
        record = operations.get_draw(None, 1)
        assert record.rehearsal is False and record.seed_event_id is None and len(record.items) == 2
        verified = operations.verify_draw(record)  # made before seeds were recorded first
        assert verified["ok"] is True and "seed_recorded_before_draw" not in verified["checks"]
        db.session.rollback()
        assert _refuses_update(1)  # the rebuilt table is still append-only
        db.session.rollback()
        with pytest.raises(DatabaseError):  # the population's CHECK is still there
            _insert_draw(2, population="everyone")
        db.session.rollback()
        db.session.remove()

        downgrade(revision=BEFORE)  # only official draws of the old registries: allowed
        assert "rehearsal" not in _columns() and "seed_event_id" not in _columns()
        assert (
            db.session.execute(text("SELECT count(*) FROM inspection_items WHERE draw_id = 1")).scalar_one()
            == 2
        )
        assert _refuses_update(1)
        db.session.rollback()
        with pytest.raises(DatabaseError):  # the old CHECK is back
            _insert_draw(3, population="talents")
        db.session.rollback()
        db.session.remove()

        upgrade()
        _insert_draw(4, population="talents", extra={"rehearsal": True})
        db.session.remove()
        with pytest.raises(SystemExit):  # a rehearsal would become official: refused
            downgrade(revision=BEFORE)
        db.session.remove()
        assert "rehearsal" in _columns()
        kept = db.session.execute(text("SELECT id, population FROM inspection_draws ORDER BY id")).all()
        assert [tuple(row) for row in kept] == [(1, "employers"), (4, "talents")]
        db.session.remove()
