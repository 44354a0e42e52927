"""Double-random spot checks (双随机, seed 003 §三): at least 5 % drawn, rounded up; two
inspectors per object where the roster allows, never a conflicted one; reproducible from
the record; results on the object's page, in the quarterly report, and proposing listings."""

import hashlib
import math
from decimal import Decimal

import pytest
from sqlalchemy import text

from subsidy_app.inspections import draw as drawing
from tests.core.test_api_shape import assert_error
from tests.inspections.conftest import INSPECTORS
from tests.world import paid_claim


def _draw(api, population="employers", ratio="0.05", **extra):
    return api.post("/inspections/draws", json={"population": population, "ratio": ratio, **extra})


# --- the algorithm, as a pure function -------------------------------------------------------


def test_the_draw_is_the_documented_sha256_ranking():
    population = [drawing.Candidate("organization", i) for i in range(1, 41)]
    result = drawing.draw("seed-2026", Decimal("0.05"), population, [7, 8, 9])
    rank = lambda *p: hashlib.sha256("|".join(map(str, p)).encode()).hexdigest()  # noqa: E731
    expected = sorted(sorted(range(1, 41), key=lambda i: rank("seed-2026", "organization", i))[:2])
    assert [d.id for d in result] == expected
    for drawn in result:
        assert (
            list(drawn.inspectors)
            == sorted([7, 8, 9], key=lambda u: rank("seed-2026", "organization", drawn.id, u))[:2]
        )


@pytest.mark.parametrize(
    "n, ratio, k", [(40, "0.05", 2), (41, "0.05", 3), (1, "0.05", 1), (25, "0.1", 3), (20, "1", 20)]
)
def test_the_sample_is_the_ratio_rounded_up(n, ratio, k):
    assert drawing.sample_size(n, Decimal(ratio)) == k == min(n, math.ceil(n * float(ratio) - 1e-9))


def test_a_conflicted_inspector_is_never_assigned():
    population = [drawing.Candidate("organization", i, frozenset({8})) for i in range(1, 11)]
    for seed in ("a", "b", "c", "d"):
        for drawn in drawing.draw(seed, Decimal("1"), population, [7, 8, 9]):
            assert 8 not in drawn.inspectors and len(drawn.inspectors) == 2


# --- through the API ------------------------------------------------------------------------


def test_a_draw_takes_at_least_five_percent_and_two_inspectors_each(world, roster):
    created = _draw(world.hr)
    assert created.status_code == 201, created.json
    draw = created.json
    n = draw["population_size"]
    assert n >= 27 and len(draw["objects"]) == math.ceil(n * 0.05)
    assert draw["rehearsal"] is False and draw["algorithm"] == drawing.ALGORITHM
    assert len(draw["seed"]) == 64 and int(draw["seed"], 16) >= 0  # the server made the seed, and kept it
    for obj in draw["objects"]:
        assert obj["kind"] == "organization" and len(set(obj["inspectors"])) == 2
        assert set(obj["inspectors"]) <= roster


@pytest.mark.parametrize("ratio", ["0.04", "0.0499", "1.5", "-1"])
def test_a_ratio_below_five_percent_or_above_one_is_422(world, roster, ratio):
    assert_error(_draw(world.hr, ratio=ratio), 422, "ratio")


def test_bad_draw_input_is_422_and_only_hr_draws(world, roster):
    assert_error(_draw(world.hr, population="everyone"), 422, "population")
    assert_error(_draw(world.hr, ratio="abc"), 422, "ratio")
    for role in ("employer", "finance", "auditor"):
        assert_error(_draw(getattr(world, role)), 403)


def test_the_same_rehearsal_seed_gives_the_same_draw_and_the_record_verifies(world, roster):
    first = _draw(world.hr, ratio="0.2", seed="2026-抽查-01").json
    second = _draw(world.hr2, ratio="0.2", seed="2026-抽查-01").json
    assert first["rehearsal"] is True and second["rehearsal"] is True
    assert [(o["id"], o["inspectors"]) for o in first["objects"]] == [
        (o["id"], o["inspectors"]) for o in second["objects"]
    ]
    other = _draw(world.hr, ratio="0.2", seed="another").json
    assert [o["id"] for o in other["objects"]] != [o["id"] for o in first["objects"]]
    verified = world.auditor.get(f"/inspections/draws/{first['id']}/verify").json
    assert verified["ok"] is True and all(verified["checks"].values())
    record = world.auditor.get(f"/inspections/draws/{first['id']}").json
    assert len(record["population_snapshot"]) == first["population_size"]
    assert sorted(record["roster_snapshot"]) == sorted(roster)


def test_an_official_draw_reruns_from_its_recorded_server_seed(world, roster):
    official = _draw(world.hr, ratio="0.2").json
    record = world.auditor.get(f"/inspections/draws/{official['id']}").json
    assert record["seed"] == official["seed"] and record["rehearsal"] is False
    verified = world.auditor.get(f"/inspections/draws/{official['id']}/verify").json
    assert verified["ok"] is True and verified["checks"]["result_reproduced"] is True
    # the recorded seed is all it takes: a rehearsal from it draws the same objects and inspectors
    again = _draw(world.hr2, ratio="0.2", seed=official["seed"]).json
    assert again["rehearsal"] is True
    assert [(o["id"], o["inspectors"]) for o in again["objects"]] == [
        (o["id"], o["inspectors"]) for o in official["objects"]
    ]
    assert again["fingerprint"] != official["fingerprint"]  # a rehearsal cannot pass for the official draw


def test_an_altered_draw_record_does_not_verify(app, world, roster):
    draw = _draw(world.hr, ratio="0.1").json
    target = draw["objects"][0]
    with app.app_context():
        from subsidy_app.extensions import db

        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for (name,) in connection.execute(
                text("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='inspection_items'")
            ):
                connection.execute(text(f'DROP TRIGGER "{name}"'))
        connection.execute(
            text("UPDATE inspection_items SET inspectors = '[]' WHERE draw_id = :d AND object_id = :o"),
            {"d": draw["id"], "o": target["id"]},
        )
        db.session.commit()
    verified = world.auditor.get(f"/inspections/draws/{draw['id']}/verify").json
    assert verified["ok"] is False and verified["checks"]["items_match_result"] is False


def test_draw_records_refuse_changes_in_the_database(app, world, roster):
    from sqlalchemy.exc import DatabaseError

    draw = _draw(world.hr).json
    with app.app_context():
        from subsidy_app.extensions import db

        for statement in (
            "UPDATE inspection_draws SET seed = 'x' WHERE id = :d",
            "DELETE FROM inspection_items WHERE draw_id = :d",
        ):
            with pytest.raises(DatabaseError):
                with db.session.begin_nested():
                    db.session.execute(text(statement), {"d": draw["id"]})


def test_inspectors_with_a_declared_conflict_are_not_assigned(world, roster):
    conflicted = world.hr2.user.id
    declared = world.hr.post(
        "/conflicts",
        json={
            "subject_kind": "organization",
            "subject_id": world.employer_org,
            "reason": "亲属任职",
            "reviewer_id": conflicted,
        },
    )
    assert declared.status_code == 201, declared.json
    draw = _draw(world.hr, ratio="1").json
    objects = {o["id"]: o for o in draw["objects"]}
    assert conflicted not in objects[world.employer_org]["inspectors"]
    assert len(objects[world.employer_org]["inspectors"]) == 2
    assert any(conflicted in o["inspectors"] for o in draw["objects"])  # elsewhere they are drawn


def test_one_inspector_per_object_when_the_roster_allows_no_more(world):
    assert (
        world.hr.post("/inspectors", json={"user_id": world.senior.user.id, "field": "综合"}).status_code
        == 201
    )
    draw = _draw(world.hr, ratio="1").json
    assert all(o["inspectors"] == [world.senior.user.id] for o in draw["objects"])


def test_who_acted_on_a_paid_claim_does_not_inspect_it(world, ready_claim, roster):
    claim_id, _ = paid_claim(world, ready_claim, "TRAVEL")
    draw = _draw(world.hr, population="paid_claims", ratio="1").json
    drawn = {o["id"]: o for o in draw["objects"]}[claim_id]
    assert world.hr.user.id not in drawn["inspectors"]  # world.hr approved it
    assert drawn["kind"] == "claim"


def test_the_roster_holds_hr_users_once(world):
    assert_error(
        world.hr.post("/inspectors", json={"user_id": world.finance.user.id, "field": "x"}), 422, "user_id"
    )
    assert world.hr.post("/inspectors", json={"user_id": world.hr2.user.id, "field": "x"}).status_code == 201
    assert_error(world.hr.post("/inspectors", json={"user_id": world.hr2.user.id, "field": "x"}), 409)
    assert [i["user_id"] for i in world.hr.get("/inspectors").json["items"]] == [world.hr2.user.id]


# --- results --------------------------------------------------------------------------------


def _assigned(world, draw):
    """An object of the draw and an API client of one of its inspectors."""
    by_id = {getattr(world, n).user.id: getattr(world, n) for n in INSPECTORS}
    obj = draw["objects"][0]
    return obj, by_id[obj["inspectors"][0]], [c for u, c in by_id.items() if u not in obj["inspectors"]]


def test_results_are_recorded_by_the_assigned_inspectors_and_shown_on_the_object(world, roster):
    draw = _draw(world.hr, ratio="0.1").json
    obj, inspector, others = _assigned(world, draw)
    body = {"outcome": "issues_found", "findings": "资助资金未专账核算，责令整改"}
    assert_error(others[0].post(f"/inspections/items/{obj['item_id']}/results", json=body), 403)
    recorded = inspector.post(f"/inspections/items/{obj['item_id']}/results", json=body)
    assert recorded.status_code == 201, recorded.json
    page = world.hr.get(f"/organizations/{obj['id']}").json
    assert page["inspections"][0]["outcome"] == "issues_found"
    assert page["inspections"][0]["findings"].startswith("资助资金")
    assert (
        world.auditor.get(f"/inspections/objects/organization/{obj['id']}").json[0]["draw_id"] == draw["id"]
    )
    from subsidy_app.core.timeutil import local_today
    from subsidy_app.reports.operations import Quarter

    quarter = str(Quarter.of(local_today()))
    summary = world.hr.get("/reports/quarterly", query_string={"quarter": quarter}).json["inspections"]
    assert summary["draws"] == 1 and summary["objects_drawn"] == len(draw["objects"])
    assert summary["results"]["issues_found"] == 1
    assert_error(
        inspector.post(
            f"/inspections/items/{obj['item_id']}/results", json={"outcome": "compliant", "findings": " "}
        ),
        422,
        "findings",
    )


def test_a_spot_check_proposes_a_listing_that_hr_takes_up(world, roster):
    draw = _draw(world.hr, ratio="0.1").json
    obj, inspector, _others = _assigned(world, draw)
    result = inspector.post(
        f"/inspections/items/{obj['item_id']}/results",
        json={"outcome": "violation", "findings": "虚报引才人数", "propose_listing": "black"},
    ).json
    proposals = world.hr.get("/inspections/proposals").json
    assert [(p["result_id"], p["list"], p["object_id"]) for p in proposals] == [
        (result["id"], "black", obj["id"])
    ]
    wrong = world.hr.post(
        "/credit-list",
        json={
            "subject_kind": "organization",
            "subject_id": obj["id"],
            "list": "red",
            "reason": "x",
            "inspection_result_id": result["id"],
        },
    )
    assert_error(wrong, 422, "inspection_result_id")
    listed = world.hr.post(
        "/credit-list",
        json={
            "subject_kind": "organization",
            "subject_id": obj["id"],
            "list": "black",
            "reason": "抽查发现虚报",
            "inspection_result_id": result["id"],
        },
    )
    assert listed.status_code == 201, listed.json
    assert listed.json["source"] == f"inspection_result:{result['id']}"
    assert world.hr.get("/inspections/proposals").json == []


def test_a_compliant_result_cannot_propose_a_black_listing(world, roster):
    draw = _draw(world.hr, ratio="0.1").json
    obj, inspector, _ = _assigned(world, draw)
    assert_error(
        inspector.post(
            f"/inspections/items/{obj['item_id']}/results",
            json={"outcome": "compliant", "findings": "未发现问题", "propose_listing": "black"},
        ),
        422,
        "propose_listing",
    )


# --- the annual plan ------------------------------------------------------------------------


def test_the_annual_plan_lists_its_matters_and_draws(world, roster):
    from subsidy_app.core.timeutil import local_today

    year = local_today().year
    plan = world.hr.post(
        "/inspection-plans",
        json={"year": year, "matters": ["引才资助资金使用情况", "引才中介佣金真实性", "示范基地建设情况"]},
    )
    assert plan.status_code == 201, plan.json
    assert_error(world.hr.post("/inspection-plans", json={"year": year, "matters": ["x"]}), 409)
    assert_error(world.hr.post("/inspection-plans", json={"year": year + 1, "matters": []}), 422, "matters")
    draw = _draw(world.hr).json
    assert draw["plan_id"] == plan.json["id"]
    detail = world.auditor.get(f"/inspection-plans/{year}").json
    assert detail["matters"][1] == "引才中介佣金真实性" and [d["id"] for d in detail["draws"]] == [draw["id"]]
