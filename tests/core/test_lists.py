"""The list toolkit every list shares (core/pagination.py, templates/_macros.html): page size
(20/50/100, anything else the list's default), whitelisted sorts both ways, a total, page
links (first, previous, numbers, next, last) keeping the list's arguments."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from subsidy_app.core.pagination import HtmlPage, parse_sort, per_page_from
from tests.users.test_html_login import login

EN = {"Accept-Language": "en"}


def test_page_size_and_sort_parsing_keep_to_their_whitelists():
    assert per_page_from(MultiDict({"per_page": "50"})) == 50
    assert per_page_from(MultiDict({"per_page": "100"})) == 100
    assert per_page_from(MultiDict({"per_page": "1000"})) == 20
    assert per_page_from(MultiDict({"per_page": "-1"})) == 20
    assert per_page_from(MultiDict({"per_page": "x"}), default=50) == 50
    allowed = {"name": 1, "code": 2}
    assert parse_sort(MultiDict({"sort": "name", "direction": "desc"}), allowed, None) == ("name", "desc")
    assert parse_sort(MultiDict({"sort": "name", "direction": "sideways"}), allowed, None) == ("name", "asc")
    # the pages' first name for it is still read; the API's name wins
    assert parse_sort(MultiDict({"sort": "name", "dir": "desc"}), allowed, None) == ("name", "desc")
    both = MultiDict({"sort": "name", "direction": "asc", "dir": "desc"})
    assert parse_sort(both, allowed, None) == ("name", "asc")
    assert parse_sort(MultiDict({"sort": "password_hash"}), allowed, "code", "desc") == ("code", "desc")


def test_page_links_show_first_last_and_the_neighbours():
    page = HtmlPage([], 1000, 50, 20, MultiDict({"q": "x", "page": "50"}), sort="name", direction="asc")
    assert page.pages == 50
    assert page.numbers() == [1, None, 48, 49, 50]
    page = HtmlPage([], 1000, 10, 20, MultiDict({"q": "x"}))
    assert page.numbers() == [1, None, 8, 9, 10, 11, 12, None, 50]
    assert page.url_args(3) == {"q": "x", "page": 3}
    assert page.size_args(100) == {"q": "x", "per_page": 100, "page": 1}
    page = HtmlPage([], 1000, 10, 20, MultiDict({"q": "x"}), sort="name", direction="asc")
    assert page.sort_args("name")["direction"] == "desc" and page.sort_args("code")["direction"] == "asc"
    # a link to sort names the direction as the API does (an old ?dir= is not carried along)
    page = HtmlPage([], 1000, 10, 20, MultiDict({"q": "x", "dir": "desc"}), sort="name", direction="desc")
    assert "dir" not in page.sort_args("name") and page.sort_args("name")["direction"] == "asc"


def _rows(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def test_talents_list_searches_sorts_and_pages(world, client, make_talent):
    for n in range(23):
        make_talent(world.employer_org, name=f"Listed Person {n:02d}", degree="master")
    login(client, world.hr.user.username)
    names = r"</code></a></td><td>(Listed Person \d\d)</td>"
    page = client.get("/talents/?q=Listed&sort=name&direction=desc", headers=EN).get_data(as_text=True)
    assert _rows(page, names) == [f"Listed Person {n:02d}" for n in range(22, 2, -1)]
    assert "Page 1 of 2 (23 in all)" in page and ">Last</a>" in page
    assert 'aria-sort="descending"' in page
    last = client.get("/talents/?q=Listed&sort=name&direction=desc&page=2", headers=EN).get_data(as_text=True)
    assert _rows(last, names) == ["Listed Person 02", "Listed Person 01", "Listed Person 00"]
    fifty = client.get("/talents/?q=Listed&sort=name&per_page=50", headers=EN).get_data(as_text=True)
    assert len(_rows(fifty, names)) == 23 and "23 in all" in fifty
    # a sort that is not offered is ignored, not passed to the database
    assert client.get("/talents/?sort=passport_no;drop", headers=EN).status_code == 200


def test_organisations_list_sorts_by_name(world, client, make_org):
    for name in ("Zeta Works", "Alpha Works", "Mid Works"):
        make_org("employer", name=name)
    login(client, world.hr.user.username)
    page = client.get("/organizations/?q=Works&sort=name", headers=EN).get_data(as_text=True)
    assert _rows(page, r">(\w+ Works)</a>") == ["Alpha Works", "Mid Works", "Zeta Works"]
    page = client.get("/organizations/?q=Works&sort=name&direction=desc", headers=EN).get_data(as_text=True)
    assert _rows(page, r">(\w+ Works)</a>") == ["Zeta Works", "Mid Works", "Alpha Works"]


def test_audit_trail_is_newest_first_and_sorts_the_other_way(world, client, make_org):
    make_org("employer", name="First Registered")
    make_org("employer", name="Second Registered")
    login(client, world.auditor.user.username)
    newest = client.get("/audit/?action=organization.", headers=EN).get_data(as_text=True)
    oldest = client.get("/audit/?action=organization.&sort=when&dir=asc", headers=EN).get_data(as_text=True)
    ids_newest = _rows(newest, r"<td>Organisation (\d+)</td>")
    ids_oldest = _rows(oldest, r"<td>Organisation (\d+)</td>")
    assert ids_newest and ids_newest == sorted(ids_newest, key=int, reverse=True)
    assert ids_oldest == sorted(ids_oldest, key=int)


def test_payment_batches_list_sorts_and_pages(world, client):
    login(client, world.finance.user.username)
    page = client.get("/payments/?sort=total&direction=desc&per_page=50", headers=EN)
    assert page.status_code == 200
    assert 'aria-sort="descending"' in page.get_data(as_text=True)
