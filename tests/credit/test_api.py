"""Credit lists (十七): listing and lifting with reasons, history kept, who may do it."""

import pytest

from tests.core.test_api_shape import assert_error


def _list(api, kind, subject, which="black", reason="严重失信"):
    return api.post(
        "/credit-list", json={"subject_kind": kind, "subject_id": subject, "list": which, "reason": reason}
    )


def test_hr_lists_and_lifts_with_reasons_and_history_is_kept(api_as, make_org, make_talent):
    hr = api_as("hr")
    org, code = make_org(), make_talent()
    listed = _list(hr, "organization", org)
    assert listed.status_code == 201
    body = listed.json
    assert body["active"] and body["subject_id"] == org and body["list"] == "black"
    talent_listing = _list(hr, "talent", code, "red", "诚信典型").json
    assert talent_listing["subject_id"] == code
    lifted = hr.delete(f"/credit-list/{body['id']}", json={"reason": "整改到位"})
    assert lifted.status_code == 200 and lifted.json["active"] is False
    assert lifted.json["lift_reason"] == "整改到位"
    everything = hr.get("/credit-list").json
    assert everything["total"] == 2
    assert [x["id"] for x in hr.get("/credit-list?active=true").json["items"]] == [talent_listing["id"]]
    assert [x["id"] for x in hr.get("/credit-list?active=false").json["items"]] == [body["id"]]


def test_the_same_listing_twice_is_409_and_lifting_twice_is_409(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    first = _list(hr, "organization", org).json
    assert_error(_list(hr, "organization", org), 409)
    hr.delete(f"/credit-list/{first['id']}", json={"reason": "撤销"})
    assert_error(hr.delete(f"/credit-list/{first['id']}", json={"reason": "再撤销"}), 409)
    assert _list(hr, "organization", org).status_code == 201  # listed again later


def test_black_listing_ends_a_red_listing(api_as, make_org):
    hr = api_as("hr")
    org = make_org()
    red = _list(hr, "organization", org, "red", "诚信典型").json
    _list(hr, "organization", org, "black", "发现造假")
    active = hr.get("/credit-list?active=true").json["items"]
    assert [x["list"] for x in active] == ["black"]
    past = hr.get("/credit-list?active=false").json["items"][0]
    assert past["id"] == red["id"] and past["lift_reason"]


@pytest.mark.parametrize(
    "body, field",
    [
        (
            {"subject_kind": "organization", "subject_id": 999999, "list": "black", "reason": "x"},
            "subject_id",
        ),
        (
            {"subject_kind": "talent", "subject_id": "SX99999999X", "list": "black", "reason": "x"},
            "subject_id",
        ),
        ({"subject_kind": "person", "subject_id": 1, "list": "black", "reason": "x"}, "subject_kind"),
        ({"subject_kind": "organization", "subject_id": 1, "list": "grey", "reason": "x"}, "list"),
        ({"subject_kind": "organization", "subject_id": 1, "list": "black"}, "reason"),
        ({"subject_kind": "organization", "subject_id": [1], "list": "black", "reason": "x"}, "subject_id"),
    ],
)
def test_bad_listing_input_is_422(api_as, body, field):
    assert_error(api_as("hr").post("/credit-list", json=body), 422, field)


def test_lifting_needs_a_reason(api_as, make_org):
    hr = api_as("hr")
    listing = _list(hr, "organization", make_org()).json
    assert_error(hr.delete(f"/credit-list/{listing['id']}", json={}), 422, "reason")
    assert_error(hr.delete("/credit-list/999999", json={"reason": "x"}), 404)


@pytest.mark.parametrize("role", ["employer", "intermediary", "finance", "auditor", "admin"])
def test_only_hr_lists(api_as, make_org, role):
    assert_error(_list(api_as(role), "organization", make_org()), 403)


@pytest.mark.parametrize(
    "role, status",
    [("finance", 200), ("auditor", 200), ("admin", 200), ("employer", 403), ("intermediary", 403)],
)
def test_who_reads_the_lists(api_as, role, status):
    assert api_as(role).get("/credit-list").status_code == status
