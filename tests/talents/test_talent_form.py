"""The talent form (issue 15): nationality chosen by name in the user's language and stored
as the ISO alpha-3 code (Hong Kong, Macao and Taiwan named as regions of China); the kind of
talent of 晋发〔2017〕47号 (一)–(四), required for a new talent, editable by who registers
talent, and counted by the quarterly report."""

import re

from sqlalchemy import select

from subsidy_app.core.audit import AuditEvent
from subsidy_app.core.timeutil import local_today
from subsidy_app.extensions import db
from subsidy_app.reports.operations import Quarter
from tests.users.test_html_login import login
from tests.world import act, paid_claim


def _csrf(client, path="/talents/new"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="(?:kind-)?csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _nationality_select(html: str) -> str:
    return re.search(r'<select[^>]*name="nationality".*?</select>', html, flags=re.S).group(0)


def _body(client, **overrides):
    body = {
        "csrf_token": _csrf(client),
        "name": "Carla Rossi",
        "nationality": "ITA",
        "passport_no": "YA7654321",
        "birth_date": "1985-02-03",
        "talent_kind": "professional",
        "degree": "master",
        "years_experience": "9",
        "permit_class": "B",
        "work_permit_no": "X76543",
        "shanxi_start_date": "2026-01-05",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_nationalities_are_listed_by_name_in_chinese(world, client):
    login(client, world.employer.user.username)
    select = _nationality_select(client.get("/talents/new").get_data(as_text=True))
    assert '<option value="DEU">德国</option>' in select
    assert '<option value="KOR">韩国</option>' in select
    for code, name in (("HKG", "中国香港"), ("MAC", "中国澳门"), ("TWN", "中国台湾")):
        assert f'<option value="{code}">{name}</option>' in select
    assert 'value="CHN"' not in select  # the plan is for foreign talent
    assert "台湾省" not in select and ">台湾<" not in select and ">香港<" not in select
    # the regions of China come first, apart from the foreign countries; those in pinyin order
    assert select.index("中国香港") < select.index("阿尔巴尼亚") < select.index("德国") < select.index("英国")


def test_nationalities_are_listed_by_name_in_english(world, client):
    login(client, world.employer.user.username)
    select = _nationality_select(client.get("/talents/new?lang=en").get_data(as_text=True))
    assert '<option value="DEU">Germany</option>' in select
    assert '<option value="TWN">Taiwan, China</option>' in select
    assert '<option value="HKG">Hong Kong, China</option>' in select
    assert "Province of China" not in select and 'value="CHN"' not in select
    assert select.index("Albania") < select.index("Germany") < select.index("United Kingdom")


def test_the_talent_kinds_show_their_clause_and_words(world, client):
    login(client, world.employer.user.username)
    html = client.get("/talents/new").get_data(as_text=True)
    kinds = re.search(r'<select[^>]*name="talent_kind".*?</select>', html, flags=re.S).group(0)
    for value, words in (
        ("research", "(一) 高端科研人才"),
        ("professional", "(二) 高级专业人才"),
        ("management", "(三) 高层次管理人才"),
        ("urgent", "(四) 紧缺急需人才"),
    ):
        assert f'<option value="{value}">{words}</option>' in kinds
    english = client.get("/talents/new?lang=en").get_data(as_text=True)
    assert "(一) High-end research talent" in english


def test_the_stored_nationality_is_the_alpha3_code_and_the_kind_is_kept(world, client):
    login(client, world.employer.user.username)
    done = client.post(
        "/talents/new", data=_body(client, nationality="TWN", permit_class=None, work_permit_no=None)
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    code = done.location.rstrip("/").split("/")[-1]
    talent = world.employer.get(f"/talents/{code}").json
    assert talent["nationality"] == "TWN" and talent["talent_kind"] == "professional"
    page = client.get(f"/talents/{code}?lang=en").get_data(as_text=True)
    assert "Taiwan, China" in page and "(二) Senior professional talent" in page


def test_the_form_refuses_what_is_not_listed_and_asks_for_the_kind(world, client):
    login(client, world.employer.user.username)
    for override in ({"nationality": "CHN"}, {"nationality": "XYZ"}, {"nationality": ""}):
        response = client.post("/talents/new?lang=en", data=_body(client, **override))
        assert response.status_code == 422
        assert 'id="nationality-errors"' in response.get_data(as_text=True)
    response = client.post("/talents/new?lang=en", data=_body(client, talent_kind=None))
    assert response.status_code == 422
    assert 'id="talent_kind-errors"' in response.get_data(as_text=True)
    response = client.post("/talents/new?lang=en", data=_body(client, talent_kind="genius"))
    assert response.status_code == 422
    assert world.employer.get("/talents", query_string={"q": "Carla"}).json["total"] == 0


def _set_kind(client, code, kind):
    return client.post(
        f"/talents/{code}",
        data={"kind-csrf_token": _csrf(client, f"/talents/{code}"), "kind-talent_kind": kind},
    )


def test_the_kind_is_edited_by_who_registers_talent_and_audited(world, client, app):
    login(client, world.other_employer.user.username)
    assert _set_kind(client, world.talent, "research").status_code == 404  # not its staff
    login(client, world.employer.user.username)
    assert world.employer.get(f"/talents/{world.talent}").json["talent_kind"] is None
    response = _set_kind(client, world.talent, "research")
    assert response.status_code == 302
    assert world.employer.get(f"/talents/{world.talent}").json["talent_kind"] == "research"
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent).where(
                AuditEvent.action == "talent.update", AuditEvent.object_id == world.talent
            )
        ).scalars()
        assert [(e.before, e.after) for e in events] == [({"talent_kind": None}, {"talent_kind": "research"})]
    assert _set_kind(client, world.talent, "nonsense").status_code == 422


def test_the_quarterly_report_counts_by_the_kind_given(world, client, ready_claim):
    login(client, world.employer.user.username)
    assert _set_kind(client, world.talent, "research").status_code == 302
    claim_id, _batch = paid_claim(world, ready_claim, "RECRUIT_KEY")
    assert world.hr.get(f"/claims/{claim_id}").json["status"] == "paid"
    quarter = Quarter.of(local_today())
    report = world.hr.get("/reports/quarterly", query_string={"quarter": str(quarter)}).json
    assert report["by_talent_kind"] == [
        {"talent_kind": "research", "claims": 1, "persons": 1, "amount": "100000.00"}
    ]
    assert act  # the claim went the whole way: approved, batched, paid
