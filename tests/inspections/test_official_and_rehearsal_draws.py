"""Nobody who draws chooses the draw (issue 12): an official draw's seed is made by the server
(CSPRNG) and on record before anything is drawn; a caller's seed makes a rehearsal (演练),
reproducible the same way but kept apart from the official record. And the foreign persons
themselves are a registry of inspection objects (seed 003 §三, POLICY.md §4)."""

import pytest
from sqlalchemy import func, select

from subsidy_app.inspections import draw as drawing
from subsidy_app.inspections import operations
from tests.core.test_api_shape import assert_error
from tests.inspections.test_inspections import _assigned, _draw
from tests.users.test_html_login import login


def _objects(draw):
    return [(o["kind"], o["id"], o["inspectors"]) for o in draw["objects"]]


# --- official draws: the server's seed, on record first ----------------------------------------


def test_an_official_draw_gets_a_server_seed_of_at_least_128_bits(world, roster, monkeypatch):
    asked = []

    class FakeSecrets:  # the seed comes from `secrets`, with at least 16 bytes
        @staticmethod
        def token_hex(nbytes):
            asked.append(nbytes)
            return "ab" * nbytes

    monkeypatch.setattr(operations, "secrets", FakeSecrets)
    draw = _draw(world.hr).json
    assert asked and asked[0] * 8 >= 128
    assert draw["seed"] == "ab" * asked[0] and draw["rehearsal"] is False
    monkeypatch.undo()
    first, second = _draw(world.hr).json, _draw(world.hr).json
    for made in (first, second):
        assert made["rehearsal"] is False and len(made["seed"]) * 4 >= 128
        int(made["seed"], 16)
    assert first["seed"] != second["seed"]


def test_the_seed_is_on_record_before_anything_is_drawn(app, world, roster, monkeypatch):
    from subsidy_app.core.audit import AuditEvent
    from subsidy_app.extensions import db
    from subsidy_app.inspections.models import InspectionDraw, InspectionItem

    seen = {}
    real_draw = drawing.draw

    def watched(seed, ratio, population, roster_ids):
        """At the moment of drawing: the seed's audit event is in the database, no draw or
        item is."""
        event = db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.action == operations.SEED_ACTION)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).scalar_one()
        seen.update(
            event_id=event.id,
            event_seed=event.after["seed"],
            seed=seed,
            source=event.after["source"],
            draws=db.session.execute(select(func.count(InspectionDraw.id))).scalar_one(),
            items=db.session.execute(select(func.count(InspectionItem.id))).scalar_one(),
        )
        return real_draw(seed, ratio, population, roster_ids)

    monkeypatch.setattr(drawing, "draw", watched)
    draw = _draw(world.hr, ratio="0.1").json
    assert seen["event_seed"] == seen["seed"] == draw["seed"] and seen["source"] == "server"
    assert seen["draws"] == 0 and seen["items"] == 0
    assert draw["seed_event_id"] == seen["event_id"]
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.id, AuditEvent.action, AuditEvent.occurred_at)
            .where(AuditEvent.action.in_([operations.SEED_ACTION, "inspection.draw"]))
            .order_by(AuditEvent.id)
        ).all()
        assert [action for _id, action, _at in events] == [operations.SEED_ACTION, "inspection.draw"]
        assert events[0].id == draw["seed_event_id"]
        record = db.session.get(InspectionDraw, draw["id"])
        assert events[0].occurred_at <= record.drawn_at
    verified = world.auditor.get(f"/inspections/draws/{draw['id']}/verify").json
    assert verified["ok"] is True and verified["checks"]["seed_recorded_before_draw"] is True
    assert verified["rehearsal"] is False and verified["seed_event_id"] == draw["seed_event_id"]


@pytest.mark.parametrize("seed", ["", "   ", None])
def test_an_empty_seed_is_no_seed_an_official_draw(world, roster, seed):
    draw = _draw(world.hr, seed=seed)
    assert draw.status_code == 201, draw.json
    assert draw.json["rehearsal"] is False and len(draw.json["seed"]) == 64


# --- rehearsals: a caller's seed --------------------------------------------------------------


@pytest.mark.parametrize(
    "seed, text",
    [(12345, "12345"), ("abc", "abc"), (" 2026-演练 ", "2026-演练"), (-7, "-7"), (10**30, str(10**30))],
)
def test_a_callers_seed_makes_a_reproducible_rehearsal(world, roster, seed, text):
    first = _draw(world.hr, ratio="0.2", seed=seed)
    assert first.status_code == 201, first.json
    assert first.json["rehearsal"] is True and first.json["seed"] == text  # kept, never replaced
    second = _draw(world.hr2, ratio="0.2", seed=seed).json
    assert second["rehearsal"] is True and _objects(second) == _objects(first.json)
    verified = world.auditor.get(f"/inspections/draws/{first.json['id']}/verify").json
    assert verified["ok"] is True and verified["rehearsal"] is True
    assert verified["checks"]["seed_recorded_before_draw"] is True


def test_an_integer_seed_is_its_decimal_text(world, roster):
    as_int = _draw(world.hr, ratio="0.2", seed=12345).json
    as_text = _draw(world.hr, ratio="0.2", seed="12345").json
    assert as_int["seed"] == as_text["seed"] == "12345" and _objects(as_int) == _objects(as_text)


@pytest.mark.parametrize("seed", [True, 1.5, [1], {"a": 1}, "x" * 101, 10**101, "a\x00b"])
def test_a_seed_that_is_neither_integer_nor_string_is_422(world, roster, seed):
    assert_error(_draw(world.hr, seed=seed), 422, "seed")


def test_a_rehearsal_is_kept_apart_from_the_official_record(world, roster):
    from subsidy_app.core.timeutil import local_today
    from subsidy_app.reports.operations import Quarter

    year = local_today().year
    assert (
        world.hr.post(
            "/inspection-plans", json={"year": year, "matters": ["引才资助资金使用情况"]}
        ).status_code
        == 201
    )
    official = _draw(world.hr, ratio="0.1").json
    rehearsal = _draw(world.hr, ratio="1", seed="演练-1").json
    assert official["rehearsal"] is False and rehearsal["rehearsal"] is True

    listed = world.auditor.get("/inspections/draws").json
    assert [d["id"] for d in listed["items"]] == [official["id"]] and listed["total"] == 1
    asked = world.auditor.get("/inspections/draws", query_string={"rehearsal": "true"}).json
    assert [d["id"] for d in asked["items"]] == [rehearsal["id"]]
    assert all(d["rehearsal"] for d in asked["items"])
    by_year = world.auditor.get("/inspections/draws", query_string={"year": year}).json
    assert [d["id"] for d in by_year["items"]] == [official["id"]]
    assert [d["id"] for d in world.auditor.get(f"/inspection-plans/{year}").json["draws"]] == [official["id"]]

    # results cannot be recorded on a rehearsal's objects, even by their drawn inspectors
    obj, inspector, _ = _assigned(world, rehearsal)
    refused = inspector.post(
        f"/inspections/items/{obj['item_id']}/results", json={"outcome": "compliant", "findings": "演练"}
    )
    assert_error(refused, 409)
    assert refused.json["error"]["code"] == "rehearsal"

    # the object's inspections and its page show the official draw only
    for org_id in {o["id"] for o in rehearsal["objects"]}:
        shown = world.auditor.get(f"/inspections/objects/organization/{org_id}").json
        assert {i["draw_id"] for i in shown} <= {official["id"]}
        page = world.hr.get(f"/organizations/{org_id}").json
        assert {i["draw_id"] for i in page["inspections"]} <= {official["id"]}
    drawn_officially = {o["id"] for o in official["objects"]}
    assert (
        world.auditor.get(f"/inspections/objects/organization/{min(drawn_officially)}").json[0]["draw_id"]
        == official["id"]
    )

    # and the quarterly report counts the official draw only
    summary = world.hr.get(
        "/reports/quarterly", query_string={"quarter": str(Quarter.of(local_today()))}
    ).json
    assert summary["inspections"]["draws"] == 1
    assert summary["inspections"]["objects_drawn"] == len(official["objects"])


def test_a_rehearsal_of_talents_is_on_no_talents_inspections(world, roster):
    rehearsal = _draw(world.hr, population="talents", ratio="1", seed=7).json
    for obj in rehearsal["objects"]:
        assert world.auditor.get(f"/inspections/objects/talent/{obj['id']}").json == []


# --- the talents as a registry of objects ----------------------------------------------------


def test_talents_are_drawn_never_with_an_inspector_conflicted_with_them_or_their_employer(world, roster):
    with_talent, with_employer = world.hr2.user.id, world.senior.user.id
    assert (
        world.hr.post(
            "/conflicts",
            json={
                "subject_kind": "talent",
                "subject_id": world.talent,
                "reason": "亲属",
                "reviewer_id": with_talent,
            },
        ).status_code
        == 201
    )
    assert (
        world.hr.post(
            "/conflicts",
            json={
                "subject_kind": "organization",
                "subject_id": world.other_org,
                "reason": "曾任职",
                "reviewer_id": with_employer,
            },
        ).status_code
        == 201
    )
    created = _draw(world.hr, population="talents", ratio="1")
    assert created.status_code == 201, created.json
    draw = created.json
    assert draw["population"] == "talents" and draw["rehearsal"] is False
    by_code = {o["code"]: o for o in draw["objects"]}
    assert {o["kind"] for o in draw["objects"]} == {"talent"}
    assert {world.talent, world.other_talent} <= set(by_code)
    assert by_code[world.talent]["name"] == "Ada Researcher"
    assert set(by_code[world.talent]["inspectors"]) == roster - {with_talent}
    assert set(by_code[world.other_talent]["inspectors"]) == roster - {with_employer}
    for seed in ("a", "b", "c", 4, 5):  # whatever the seed
        rehearsed = {
            o["code"]: o for o in _draw(world.hr, population="talents", ratio="1", seed=seed).json["objects"]
        }
        assert with_talent not in rehearsed[world.talent]["inspectors"]
        assert with_employer not in rehearsed[world.other_talent]["inspectors"]
    verified = world.auditor.get(f"/inspections/draws/{draw['id']}/verify").json
    assert verified["ok"] is True and verified["checks"]["no_conflicted_inspector"] is True


def test_a_talents_result_is_recorded_like_the_others(world, roster):
    from subsidy_app.core.timeutil import local_today
    from subsidy_app.reports.operations import Quarter

    draw = _draw(world.hr, population="talents", ratio="1").json
    obj, inspector, others = _assigned(world, draw)
    body = {"outcome": "issues_found", "findings": "工作许可与实际岗位不符"}
    assert_error(others[0].post(f"/inspections/items/{obj['item_id']}/results", json=body), 403)
    recorded = inspector.post(f"/inspections/items/{obj['item_id']}/results", json=body)
    assert recorded.status_code == 201, recorded.json
    shown = world.auditor.get(f"/inspections/objects/talent/{obj['id']}").json
    assert shown[0]["draw_id"] == draw["id"] and shown[0]["outcome"] == "issues_found"
    summary = world.hr.get(
        "/reports/quarterly", query_string={"quarter": str(Quarter.of(local_today()))}
    ).json
    assert summary["inspections"]["results"]["issues_found"] == 1


def test_organisations_are_described_by_credit_code_and_name(world, roster):
    draw = _draw(world.hr, ratio="1").json
    mine = {o["id"]: o for o in draw["objects"]}[world.employer_org]
    assert mine["name"] == "示范用人单位" and len(mine["code"]) == 18


# --- the pages ------------------------------------------------------------------------------


def test_the_pages_say_who_makes_the_seed_and_label_rehearsals(world, roster, client):
    import re

    official = _draw(world.hr, population="talents", ratio="1").json
    rehearsal = _draw(world.hr, ratio="0.1", seed="页面演练").json
    login(client, world.hr.user.username)
    for lang in ("zh", "en"):

        def page(path, lang=lang, **args):
            return client.get(path, query_string={"lang": lang, **args}).get_data(as_text=True)

        index = page("/inspections/")
        assert f'/inspections/draws/{official["id"]}"' in index
        assert f'/inspections/draws/{rehearsal["id"]}"' not in index  # not among the official draws
        assert ("服务器" if lang == "zh" else "server") in index and "演练" in index  # the form says so
        rehearsals = page("/inspections/", rehearsals=1)
        assert f'/inspections/draws/{rehearsal["id"]}"' in rehearsals and "演练" in rehearsals
        shown = page(f"/inspections/draws/{rehearsal['id']}")
        assert "演练" in shown.split("</h1>", 1)[0] and 'name="findings"' not in shown
        talents = page(f"/inspections/draws/{official['id']}")
        assert world.talent in talents and "Ada Researcher" in talents
        assert "演练" not in talents.split("<main", 1)[1]
    html = client.get("/inspections/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    official_draw = {"csrf_token": token, "draw-population": "talents", "draw-ratio": "0.5", "draw-seed": ""}
    asked = client.post("/inspections/", data=official_draw)  # an official draw is asked first
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.get_data(as_text=True)
    assert "50 %" in asked.get_data(as_text=True)
    made = client.post("/inspections/", data={**official_draw, "confirm": "yes"})
    assert made.status_code == 302
    assert "演练" not in client.get(made.location).get_data(as_text=True).split("<main", 1)[1]
    rehearsed = client.post(
        "/inspections/",
        data={"csrf_token": token, "draw-population": "employers", "draw-ratio": "0.5", "draw-seed": "12345"},
    )
    assert rehearsed.status_code == 302
    assert "演练" in client.get(rehearsed.location).get_data(as_text=True).split("</h1>", 1)[0]
