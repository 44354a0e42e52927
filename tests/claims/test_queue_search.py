"""The queue's search box at volume (issue 15): names are matched through their trigram
indexes on PostgreSQL, and what the search finds does not change for it: Chinese names of
one or two characters (under the three characters a trigram needs), talent codes in any
case, a search matching more names than are written into the statement as ids, and ``%``
or ``_`` that match themselves. Each case on the HTML queue and on the API, on SQLite and
on PostgreSQL."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import event

from subsidy_app.claims import operations
from subsidy_app.extensions import db
from tests.claims import test_queue_at_volume as queue
from tests.claims.test_queue_at_volume import _ids, _queue
from tests.users.test_html_login import login

put_claims = queue.put_claims  # the fixture, shared with the queue's tests


def _found(world, client, q: str) -> tuple[list[int], list[int]]:
    """The claims the HTML queue (all statuses) and the API find for ``q``, as HR."""
    html = _ids(_queue(client, f"/claims/?show=all&q={quote(q)}"))
    api = [c["id"] for c in world.hr.get(f"/claims?q={quote(q)}&per_page=100").json["items"]]
    return sorted(html), sorted(api)


def _both(ids: list[int]) -> tuple[list[int], list[int]]:
    return sorted(ids), sorted(ids)


def test_chinese_names_of_two_characters_and_talent_codes_are_found(
    world, client, put_claims, make_talent, make_org
):
    zhang_san = make_talent(world.employer_org, name="张三")
    zhang_sanfeng = make_talent(world.employer_org, name="张三丰")
    li_si = make_talent(world.employer_org, name="李四")
    claim = {code: put_claims("submitted", talent=code)[0] for code in (zhang_san, zhang_sanfeng, li_si)}
    login(client, world.hr.user.username)
    assert _found(world, client, "张三") == _both([claim[zhang_san], claim[zhang_sanfeng]])
    assert _found(world, client, "李四") == _both([claim[li_si]])
    assert _found(world, client, "三") == _both([claim[zhang_san], claim[zhang_sanfeng]])
    assert _found(world, client, "张三丰") == _both([claim[zhang_sanfeng]])
    # a talent code, as printed or typed in lower case
    assert _found(world, client, zhang_san) == _both([claim[zhang_san]])
    assert _found(world, client, f" {zhang_san.lower()} ") == _both([claim[zhang_san]])
    # an organisation's name of two characters, and a claim number
    org = make_org("employer", name="晋能")
    by_org = put_claims("submitted", organization_id=org)[0]
    assert _found(world, client, "晋能") == _both([by_org])
    assert _found(world, client, f"#{by_org}") == _both([by_org])
    # "%" and "_" are characters searched for, not wildcards
    assert _found(world, client, "%") == ([], [])
    assert _found(world, client, "_") == ([], [])
    assert _found(world, client, "99999999999999999999") == ([], [])


def test_a_search_matching_many_names_finds_the_same_claims(
    world, client, put_claims, make_talent, monkeypatch
):
    """Past ``SEARCH_ID_LIMIT`` matching names the claims are filtered by a subquery instead
    of a list of ids: the same claims."""
    codes = [make_talent(world.employer_org, name=f"王{n}号") for n in range(3)]
    claims = [put_claims("submitted", talent=code)[0] for code in codes]
    login(client, world.hr.user.username)
    assert _found(world, client, "王") == _both(claims)
    monkeypatch.setattr(operations, "SEARCH_ID_LIMIT", 2)
    assert _found(world, client, "王") == _both(claims)
    assert _found(world, client, "王1") == _both([claims[1]])


def test_a_searched_page_runs_the_same_statements_whatever_its_size(
    app, world, client, put_claims, make_talent
):
    code = make_talent(world.employer_org, name="张三")
    put_claims("submitted", 120, talent=code)
    login(client, world.hr.user.username)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    _queue(client, "/claims/?q=%E5%BC%A0%E4%B8%89")  # warm
    event.listen(engine, "before_cursor_execute", count)
    try:
        seen = {}
        for size in (20, 100):
            statements.clear()
            page = _queue(client, f"/claims/?q=%E5%BC%A0%E4%B8%89&per_page={size}")
            assert len(_ids(page)) == size
            seen[size] = len(statements)
        statements.clear()
        assert world.hr.get("/claims?q=%E5%BC%A0%E4%B8%89&per_page=100").json["total"] == 120
        api = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert seen[20] == seen[100] <= 16, seen
    assert api <= 13, api


def test_names_are_indexed_by_trigrams_where_postgresql_has_them(app):
    """On PostgreSQL with pg_trgm (this server has it) the names' search indexes are GIN
    indexes of trigrams; without it they are B-trees (the migration does not fail); SQLite
    has a plain index of the same name."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            names = {
                row[0]
                for row in db.session.execute(
                    db.text(
                        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%name_search'"
                    )
                )
            }
            assert names == {"ix_talents_name_search", "ix_organizations_name_search"}
            return
        available = db.session.execute(
            db.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).scalar()
        definitions = dict(
            db.session.execute(
                db.text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%name_search'")
            ).all()
        )
    assert set(definitions) == {"ix_talents_name_search", "ix_organizations_name_search"}
    for definition in definitions.values():
        if available:
            assert "USING gin" in definition and "gin_trgm_ops" in definition, definition
        else:
            assert "USING btree" in definition, definition
