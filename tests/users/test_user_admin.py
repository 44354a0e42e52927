"""Administrators manage users: disable and enable, reset a password (shown once), unlock,
change role or organisation, create with the organisation chosen by name; in the pages
(behind a confirmation) and in the API; every change on the audit trail."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from subsidy_app.core.audit import AuditEvent
from subsidy_app.extensions import db
from tests.conftest import DEFAULT_PASSWORD
from tests.core.test_api_shape import assert_error
from tests.users.test_html_login import _csrf, login

EN = {"Accept-Language": "en"}


def _auth(api) -> dict:
    return {"Authorization": f"Bearer {api.token}", **EN}


def _patch(api, user_id, body):
    return api.client.patch(f"/api/v1/users/{user_id}", json=body, headers=_auth(api))


def _token(client, username, password=DEFAULT_PASSWORD, address="10.9.0.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _events(app, user_id, action=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id)
        )
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        events = list(db.session.execute(stmt.order_by(AuditEvent.id)).scalars())
        db.session.expunge_all()
        return events


def _user_row(app, user_id) -> dict:
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id}).mappings().one()
        return dict(row)


def _post_page(client, path, data, page=None):
    return client.post(path, data={"csrf_token": _csrf(client, page or path.rsplit("/", 1)[0]), **data})


# --- API ------------------------------------------------------------------------------------------


def test_a_disabled_user_can_neither_log_in_nor_use_a_token_until_enabled(app, world, client, api_as):
    target = api_as("hr")
    assert target.get("/me").status_code == 200
    refused = _patch(world.admin, target.user.id, {"is_active": False})
    assert_error(refused, 422, "reason")  # a reason is required to disable
    assert target.get("/me").status_code == 200

    done = _patch(world.admin, target.user.id, {"is_active": False, "reason": "left the office"})
    assert done.status_code == 200 and done.json["is_active"] is False
    assert_error(target.get("/me"), 401)
    assert_error(_token(client, target.user.username), 401)
    assert login(client, target.user.username).status_code == 401

    (event,) = _events(app, target.user.id, "user.disable")
    assert event.actor_id == world.admin.user.id and event.reason == "left the office"
    assert event.before["is_active"] is True and event.after["is_active"] is False
    assert event.after["tokens_revoked"] == 1

    again = _patch(world.admin, target.user.id, {"is_active": True, "reason": "back"})
    assert again.status_code == 200 and again.json["is_active"] is True
    assert _token(client, target.user.username).status_code == 200
    assert_error(target.get("/me"), 401)  # the old token stays revoked
    (enabled,) = _events(app, target.user.id, "user.enable")
    assert enabled.before["is_active"] is False and enabled.after["is_active"] is True


def test_a_reset_password_is_answered_once_and_stored_nowhere_in_clear(app, world, client, api_as):
    target = api_as("finance")
    response = world.admin.post(f"/users/{target.user.id}/password-reset", json={"reason": "forgotten"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = response.json["password"]
    assert len(password) >= 16 and response.json["user"]["must_change_password"] is True

    assert_error(target.get("/me"), 401)  # tokens end with the old password
    assert_error(_token(client, target.user.username, DEFAULT_PASSWORD), 401)
    token = _token(client, target.user.username, password)
    assert token.status_code == 200 and token.json["must_change_password"] is True

    fresh = SimpleNamespace(client=client, token=token.json["token"])
    # until the password is changed, the API answers only "who am I" and "change it"
    assert fresh.client.get("/api/v1/me", headers=_auth(fresh)).status_code == 200
    blocked = fresh.client.get("/api/v1/claims", headers=_auth(fresh))
    assert assert_error(blocked, 403)["code"] == "password_change_required"
    assert "change" in blocked.json["error"]["message"]
    wrong = fresh.client.post(
        "/api/v1/me/password", json={"current_password": "nope", "password": "x"}, headers=_auth(fresh)
    )
    assert_error(wrong, 422, "current_password")
    new = "amber-lantern-quietly-7"
    changed = fresh.client.post(
        "/api/v1/me/password", json={"current_password": password, "password": new}, headers=_auth(fresh)
    )
    assert changed.status_code == 204
    assert fresh.client.get("/api/v1/claims", headers=_auth(fresh)).status_code == 200
    assert _token(client, target.user.username, new).json["must_change_password"] is False

    row = _user_row(app, target.user.id)
    assert password not in json.dumps(row, default=str) and row["password_hash"].startswith("$argon2")
    events = _events(app, target.user.id)
    dumped = json.dumps([(e.before, e.after, e.reason) for e in events], default=str)
    assert password not in dumped and "password_hash" not in dumped
    (reset,) = [e for e in events if e.action == "user.reset_password"]
    assert reset.actor_id == world.admin.user.id and reset.reason == "forgotten"
    assert reset.before["must_change_password"] is False and reset.after["must_change_password"] is True
    with app.app_context():
        for table in ("outgoing_emails", "notifications", "audit_events"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).mappings().all()
            assert password not in json.dumps([dict(r) for r in rows], default=str)


def test_unlock_lets_a_locked_user_in_and_forgets_the_failures_counted(app, world, client, api_as):
    app.config["LOGIN_MAX_FAILURES"] = 3
    app.config["LOGIN_FAILURE_RATE"] = "4 per minute"
    target = api_as("hr")
    statuses = [_token(client, target.user.username, "wrong", f"10.9.1.{n}").status_code for n in range(5)]
    assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]
    assert _token(client, target.user.username).status_code == 429  # locked, and limited
    assert world.admin.get(f"/users/{target.user.id}").json["locked_until"] is not None
    assert world.admin.get("/users", query_string={"locked": "true"}).json["total"] == 1

    unlocked = world.admin.post(f"/users/{target.user.id}/unlock", json={"reason": "phoned"})
    assert unlocked.status_code == 200
    assert unlocked.json["locked_until"] is None and unlocked.json["failed_logins"] == 0
    assert _token(client, target.user.username, address="10.9.1.99").status_code == 200
    (event,) = _events(app, target.user.id, "user.unlock")
    assert event.before["locked_until"] is not None and event.after["locked_until"] is None


@pytest.mark.parametrize(
    "role, org, field",
    [
        ("employer", None, "organization_id"),
        ("employer", "agency", "organization_id"),  # an employer needs an employer organisation
        ("intermediary", "employer_org", "organization_id"),
        ("hr", "employer_org", "organization_id"),  # staff belong to none
        ("employer", 999_999, "organization_id"),
    ],
)
def test_a_role_needs_an_organisation_of_its_kind(world, api_as, role, org, field):
    target = api_as("hr")
    organization_id = getattr(world, org) if isinstance(org, str) else org
    response = _patch(world.admin, target.user.id, {"role": role, "organization_id": organization_id})
    assert_error(response, 422, field)
    assert world.admin.get(f"/users/{target.user.id}").json["role"] == "hr"


def test_changing_role_and_organisation_is_audited(app, world, api_as):
    target = api_as("hr")
    changed = _patch(
        world.admin,
        target.user.id,
        {"role": "employer", "organization_id": world.employer_org, "reason": "moved to the company"},
    )
    assert changed.status_code == 200
    assert changed.json["role"] == "employer" and changed.json["organization_name"] == "示范用人单位"
    (event,) = _events(app, target.user.id, "user.change_role")
    assert event.before == {**event.before, "role": "hr", "organization_id": None}
    assert event.after["role"] == "employer" and event.after["organization_id"] == world.employer_org
    assert event.reason == "moved to the company"
    # only the organisation, to another of the same kind
    moved = _patch(world.admin, target.user.id, {"organization_id": world.other_org})
    assert moved.status_code == 200 and moved.json["organization_id"] == world.other_org
    # back to staff: the organisation goes with the role
    staff = _patch(world.admin, target.user.id, {"role": "finance"})
    assert staff.status_code == 200 and staff.json["organization_id"] is None


def test_an_administrator_cannot_disable_or_demote_themself(world):
    me = world.admin.user.id
    assert_error(_patch(world.admin, me, {"is_active": False, "reason": "x"}), 403)
    assert_error(_patch(world.admin, me, {"role": "hr"}), 403)
    assert world.admin.get("/me").json["role"] == "admin"


def test_the_last_active_administrator_stays(app, world):
    """Another administrator than the one changed is always there through the pages and the
    API (the actor); the rule holds in the operation itself too."""
    from subsidy_app.core.errors import Conflict
    from subsidy_app.users import administration

    with app.app_context():
        admins = db.session.execute(
            text("SELECT count(*) FROM users WHERE role = 'admin' AND is_active")
        ).scalar_one()
        assert admins == 1
        outsider = SimpleNamespace(id=-1, username="ops", role="admin", is_active=True, organization_id=None)
        with pytest.raises(Conflict) as refused:
            administration.set_active(outsider, world.admin.user.id, False, reason="test")
        assert refused.value.code == "last_admin"
        with pytest.raises(Conflict):
            administration.change_role(
                outsider, world.admin.user.id, role="hr", organization_id=None, reason="t"
            )


@pytest.mark.parametrize("who", ["hr", "finance", "employer", "agent", "auditor"])
def test_only_administrators_manage_users(world, who):
    api = getattr(world, who)
    target = world.hr2.user.id
    assert_error(_patch(api, target, {"is_active": False, "reason": "x"}), 403)
    assert_error(api.post(f"/users/{target}/password-reset", json={}), 403)
    assert_error(api.post(f"/users/{target}/unlock", json={}), 403)


def test_auditors_read_users_and_unknown_ids_are_404(world):
    assert world.auditor.get(f"/users/{world.hr.user.id}").status_code == 200
    assert world.auditor.get("/users").status_code == 200
    assert_error(world.hr.get(f"/users/{world.hr2.user.id}"), 403)
    assert_error(world.admin.get("/users/999999"), 404)
    assert_error(_patch(world.admin, 999999, {"is_active": False, "reason": "x"}), 404)
    assert_error(world.admin.post("/users/999999/password-reset", json={}), 404)
    assert_error(world.admin.post("/users/999999/unlock", json={}), 404)


def test_the_list_searches_filters_and_sorts(world, api_as):
    api_as("employer", organization_id=world.other_org, username="zz-other")
    found = world.admin.get("/users", query_string={"q": "另一用人"}).json
    assert {u["username"] for u in found["items"]} == {"w-other_employer", "zz-other"}
    assert all(u["organization_name"] == "另一用人单位" for u in found["items"])
    hr = world.admin.get("/users", query_string={"role": "hr", "per_page": 100}).json
    assert hr["total"] >= 2 and {u["role"] for u in hr["items"]} == {"hr"}
    _patch(world.admin, world.hr2.user.id, {"is_active": False, "reason": "x"})
    disabled = world.admin.get("/users", query_string={"active": "false"}).json
    assert [u["username"] for u in disabled["items"]] == ["w-hr2"]
    names = [
        u["username"]
        for u in world.admin.get(
            "/users", query_string={"sort": "username", "direction": "desc", "per_page": 100}
        ).json["items"]
    ]
    assert names == sorted(names, reverse=True)
    # ``dir``, this list's first name for the direction, is still read
    old = world.admin.get("/users", query_string={"sort": "username", "dir": "desc", "per_page": 100}).json
    assert [u["username"] for u in old["items"]] == names
    assert_error(world.admin.get("/users", query_string={"sort": "password_hash"}), 422, "sort")
    assert_error(world.admin.get("/users", query_string={"direction": "sideways"}), 422, "direction")


# --- pages ----------------------------------------------------------------------------------------


def _english(client):
    client.get("/?lang=en")
    with client.session_transaction() as session:
        session["lang"] = "en"


def test_the_list_page_shows_organisations_by_name_and_filters(world, client):
    login(client, world.admin.user.username)
    _english(client)
    page = client.get("/users/", query_string={"q": "示范中介"}).get_data(as_text=True)
    assert "w-agent" in page and "示范中介" in page and "w-hr" not in page
    page = client.get("/users/", query_string={"role": "finance", "per_page": "50"}).get_data(as_text=True)
    assert "w-finance" in page and "w-employer" not in page and "2 in all" in page
    ordered = client.get("/users/", query_string={"sort": "username", "direction": "desc", "per_page": "100"})
    names = re.findall(r'<a href="/users/\d+">([^<]+)</a>', ordered.get_data(as_text=True))
    assert len(names) > 5 and names == sorted(names, reverse=True)
    # the creation form offers organisations by name and credit code (no ids to type)
    assert re.search(r'<option value="\d+">示范用人单位 · [0-9A-Z]{18}</option>', page)


def test_an_auditor_reads_the_pages_but_changes_nothing(world, client):
    login(client, world.auditor.user.username)
    _english(client)
    listing = client.get("/users/").get_data(as_text=True)
    assert "w-admin" in listing and "Create a user" not in listing
    detail = client.get(f"/users/{world.employer.user.id}")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "示范用人单位" in html and "Employer" in html
    assert "Disable" not in html and "Reset the password" not in html
    assert client.post(f"/users/{world.employer.user.id}/disable", data={"reason": "x"}).status_code in (
        400,
        403,
    )


def test_hr_gets_403_on_the_pages(world, client):
    login(client, world.hr.user.username)
    assert client.get("/users/").status_code == 403
    assert client.get(f"/users/{world.hr2.user.id}").status_code == 403


def test_creating_a_user_in_the_page_with_an_organisation_chosen_by_name(app, world, client):
    login(client, world.admin.user.username)
    _english(client)
    base = {"password": "a-long-password-42", "role": "employer", "display_name": "Wang"}
    wrong = _post_page(
        client, "/users/", {**base, "username": "wang.e", "organization_id": str(world.agency)}, "/users/"
    )
    assert wrong.status_code == 422 and "must belong to an organisation of that kind" in wrong.get_data(
        as_text=True
    )
    made = _post_page(
        client,
        "/users/",
        {**base, "username": "wang.e", "organization_id": str(world.employer_org)},
        "/users/",
    )
    assert made.status_code == 302
    page = client.get("/users/", query_string={"q": "wang.e"}).get_data(as_text=True)
    assert "示范用人单位" in page
    (event,) = [e for e in _events(app, _id_of(app, "wang.e")) if e.action == "user.create"]
    assert event.after["organization_id"] == world.employer_org and event.actor_id == world.admin.user.id


def _id_of(app, username) -> int:
    with app.app_context():
        return db.session.execute(
            text("SELECT id FROM users WHERE username = :u"), {"u": username}
        ).scalar_one()


def test_disabling_in_the_page_asks_first(app, world, client, api_as):
    target = api_as("hr")
    login(client, world.admin.user.username)
    _english(client)
    page = f"/users/{target.user.id}"
    no_reason = _post_page(client, f"{page}/disable", {"reason": ""}, page)
    assert no_reason.status_code == 302
    asked = _post_page(client, f"{page}/disable", {"reason": "left"}, page)
    html = asked.get_data(as_text=True)
    assert (
        asked.status_code == 200 and "Yes, disable the user" in html and 'name="confirm" value="yes"' in html
    )
    assert target.get("/me").status_code == 200  # nothing done yet
    done = _post_page(client, f"{page}/disable", {"reason": "left", "confirm": "yes"}, page)
    assert done.status_code == 302
    assert_error(target.get("/me"), 401)
    html = client.get(page).get_data(as_text=True)
    assert "disabled" in html and "Enable" in html and "left" in html  # the history, with the reason
    assert _post_page(client, f"{page}/enable", {"reason": "back"}, page).status_code == 302
    assert _token(client, target.user.username).status_code == 200


def test_disabling_yourself_in_the_page_is_refused(world, client):
    login(client, world.admin.user.username)
    _english(client)
    page = f"/users/{world.admin.user.id}"
    refused = _post_page(client, f"{page}/disable", {"reason": "x", "confirm": "yes"}, page)
    assert refused.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "You cannot disable yourself" in html
    assert client.get("/users/").status_code == 200  # still an active administrator


def test_a_password_reset_in_the_page_is_shown_once_then_must_be_changed(app, world, client, make_user):
    target = make_user("finance")
    login(client, world.admin.user.username)
    _english(client)
    page = f"/users/{target.id}"
    asked = _post_page(client, f"{page}/password-reset", {"reason": "forgotten"}, page)
    assert asked.status_code == 200 and "Yes, reset the password" in asked.get_data(as_text=True)
    assert login(client.application.test_client(), target.username).status_code == 302  # not yet reset
    once = re.search(r'name="once" value="([^"]+)"', asked.get_data(as_text=True)).group(1)
    confirmed = {"reason": "forgotten", "confirm": "yes", "once": once}
    without = _post_page(client, f"{page}/password-reset", {"reason": "forgotten", "confirm": "yes"}, page)
    assert without.status_code == 302  # a confirmation not from the confirmation page does nothing
    assert login(client.application.test_client(), target.username).status_code == 302
    shown = _post_page(client, f"{page}/password-reset", confirmed, page)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code class="new-password">([^<]+)</code>', shown.get_data(as_text=True)).group(1)
    # the page refreshed (the browser posts the same form again): no second reset
    again = _post_page(client, f"{page}/password-reset", confirmed, page)
    assert again.status_code == 302 and "already done" in client.get(page).get_data(as_text=True)
    assert len(_events(app, target.id, "user.reset_password")) == 1
    assert password not in client.get(page).get_data(as_text=True)  # not shown again
    assert password not in json.dumps([(e.before, e.after, e.reason) for e in _events(app, target.id)])

    other = client.application.test_client()
    assert login(other, target.username).status_code == 401  # the old password is gone
    assert login(other, target.username, password).status_code == 302
    assert other.get("/claims/").location.endswith("/users/me/password")  # must change first
    token = _csrf(other, "/users/me/password")
    weak = other.post(
        "/users/me/password",
        data={
            "csrf_token": token,
            "current_password": password,
            "password": "12345678",
            "password_again": "12345678",
        },
    )
    assert weak.status_code == 422
    new = "amber-lantern-quietly-7"
    changed = other.post(
        "/users/me/password",
        data={"csrf_token": token, "current_password": password, "password": new, "password_again": new},
    )
    assert changed.status_code == 302
    assert other.get("/claims/").status_code == 200
    assert _token(client, target.username, new).json["must_change_password"] is False


def test_unlocking_in_the_page(app, world, client, make_user):
    app.config["LOGIN_MAX_FAILURES"] = 2
    target = make_user("hr")
    for n in range(2):
        _token(client, target.username, "wrong", f"10.9.2.{n}")
    assert _token(client, target.username).status_code == 429
    login(client, world.admin.user.username)
    _english(client)
    page = f"/users/{target.id}"
    html = client.get(page).get_data(as_text=True)
    assert "locked" in html and "Unlock" in html
    assert _post_page(client, f"{page}/unlock", {"reason": ""}, page).status_code == 302
    assert _token(client, target.username, address="10.9.2.50").status_code == 200
    assert _events(app, target.id, "user.unlock")


def test_changing_role_in_the_page_asks_first_and_checks_the_organisation(app, world, client, api_as):
    target = api_as("hr")
    login(client, world.admin.user.username)
    _english(client)
    page = f"/users/{target.user.id}"
    data = {"role": "employer", "organization_id": str(world.employer_org), "reason": "moved"}
    asked = _post_page(client, f"{page}/role", data, page)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Provincial HR → Employer" in html and "— → 示范用人单位" in html
    assert target.get("/me").json["role"] == "hr"
    wrong = _post_page(
        client, f"{page}/role", {**data, "organization_id": str(world.agency), "confirm": "yes"}, page
    )
    assert wrong.status_code == 302
    assert "must belong to an organisation of that kind" in client.get(page).get_data(as_text=True)
    assert target.get("/me").json["role"] == "hr"
    done = _post_page(client, f"{page}/role", {**data, "confirm": "yes"}, page)
    assert done.status_code == 302
    assert target.get("/me").json["role"] == "employer"
    (event,) = _events(app, target.user.id, "user.change_role")
    assert event.before["role"] == "hr" and event.after["organization_id"] == world.employer_org


def test_an_auditor_changes_their_own_password_through_the_api_and_nothing_else(world, client):
    auditor = world.auditor
    new = "amber-lantern-quietly-9"
    changed = auditor.post("/me/password", json={"current_password": DEFAULT_PASSWORD, "password": new})
    assert changed.status_code == 204
    assert _token(client, auditor.user.username, new).status_code == 200
    assert_error(auditor.post("/talents", json={"name": "x"}), 403)  # still reads only
