"""Chinese first, English second; every string of the interface is translated."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from subsidy_app.core.i18n import translate_validation_message

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "subsidy_app/translations/zh/LC_MESSAGES/messages.po"


def _extracted_ids() -> set[str]:
    method_map = [("subsidy_app/**.py", "python"), ("subsidy_app/**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_interface_string_has_a_chinese_translation():
    catalogue = read_po(CATALOGUE.open("rb"))
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(_extracted_ids() - translated)
    assert not missing, f"run `make translations-update` and translate: {missing}"


def test_api_errors_are_chinese_by_default_and_english_on_request(client):
    zh = client.get("/api/v1/programs").json["error"]["message"]
    en = client.get("/api/v1/programs", headers={"Accept-Language": "en"}).json["error"]["message"]
    assert zh.startswith("需要认证")
    assert en.startswith("Authentication is required")


def test_field_errors_are_in_the_users_language(api_as):
    hr = api_as("hr")
    body = {"kind": "employer", "name": "甲", "credit_code": "x", "city": "太原市", "bad": 1}
    zh = hr.post("/organizations", json=body).json["error"]["fields"]
    en = hr.post("/organizations", json=body, headers={"Accept-Language": "en"}).json["error"]["fields"]
    assert zh["bad"] == ["未知字段。"]
    assert en["bad"] == ["Unknown field."]


@pytest.mark.parametrize(
    "message, expected",
    [
        ("Missing data for required field.", "此项为必填项。"),
        ("Longer than maximum length 200.", "长度不能超过 200。"),
        ("Must be one of: A, B, C.", "必须是以下之一：A, B, C。"),
        ("Must be greater than or equal to 0 and less than or equal to 80.", "必须在 0 与 80 之间。"),
        ("Must be greater than or equal to 1.", "必须大于或等于 1。"),
        ("Something of our own.", "Something of our own."),
    ],
)
def test_marshmallow_messages_are_translated(app, message, expected):
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert translate_validation_message(message) == expected
