"""Passwords: not one of the most common (zxcvbn's list), not easy to guess, not the user
name nor like it; the reason is given in the user's language; wherever a password is set."""

import re

import pytest

from subsidy_app.core.errors import ValidationFailed
from tests.conftest import DEFAULT_PASSWORD
from tests.core.test_api_shape import assert_error

COMMON = "最常用的密码之一"
GUESSABLE = "太容易被猜中"
CONTAINS_NAME = "密码不能包含用户名"
LIKE_NAME = "密码与用户名过于相似"


def _create(api, username, password, lang="zh"):
    return api.post(
        "/users",
        json={"username": username, "password": password, "role": "auditor"},
        headers={"Accept-Language": lang},
    )


def _reason(response) -> str:
    return " ".join(assert_error(response, 422, "password")["fields"]["password"])


@pytest.mark.parametrize(
    "password",
    [
        "12345678",
        "password123",
        "qwertyuiop",
        "P@ssw0rd",
        "iloveyou",
        "1qaz2wsx",
        "qq123456",
        "a123456789",
        "Password1",
    ],
)
def test_common_passwords_are_refused(api_as, password):
    assert COMMON in _reason(_create(api_as("admin"), "zhou.ba", password))


@pytest.mark.parametrize(
    "password", ["88888888", "abcd1234efgh", "summer2025", "Passw0rd2024", "qwerty12345!"]
)
def test_easily_guessed_passwords_are_refused(api_as, password):
    assert GUESSABLE in _reason(_create(api_as("admin"), "zhou.ba", password))


@pytest.mark.parametrize(
    "username, password, reason",
    [
        ("zhou.ba", "Zhou.Ba!", CONTAINS_NAME),
        ("zhou.ba", "ZHOUBA-in-shanxi-2026", CONTAINS_NAME),  # without its separator, any case
        ("zhou.ba", "my zhou.ba river", CONTAINS_NAME),
        ("wangxiaoming", "wangxiaomin9", LIKE_NAME),
        ("chen.jianguo", "jiangu0chen", LIKE_NAME),
    ],
)
def test_the_user_name_stays_out_of_the_password(api_as, username, password, reason):
    assert reason in _reason(_create(api_as("admin"), username, password))


def test_the_reason_is_in_the_users_language(api_as):
    admin = api_as("admin")
    assert _reason(_create(admin, "zhou.ba", "12345678", "en")).startswith(
        "This password is one of the most commonly used passwords"
    )
    assert _reason(_create(admin, "zhou.ba", "88888888", "en")).startswith(
        "This password is too easy to guess"
    )
    assert _reason(_create(admin, "zhou.ba", "zhouba-2026-river", "en")) == (
        "The password must not contain the user name."
    )
    assert _reason(_create(admin, "wangxiaoming", "wangxiaomin9", "en")) == (
        "The password is too similar to the user name."
    )


@pytest.mark.parametrize(
    "password",
    [
        DEFAULT_PASSWORD,
        "a-long-password",
        "e2e-password-123",
        "Zhou-tea-river-7",
        "lüliang-wutai-pingyao",
        "k7Qm2xVp9RtB",
    ],
)
def test_good_passwords_are_accepted(api_as, password):
    assert _create(api_as("admin"), "zhou.ba", password).status_code == 201


def test_the_policy_holds_on_the_administrators_page(world, client):
    from tests.users.test_html_login import _csrf, login

    login(client, world.admin.user.username)
    response = client.post(
        "/users/",
        data={
            "csrf_token": _csrf(client, "/users/"),
            "username": "qian.qi",
            "password": "12345678",
            "role": "auditor",
        },
    )
    assert response.status_code == 422
    assert COMMON in response.get_data(as_text=True)


def test_the_policy_holds_on_the_command_line(database_url, capsys, monkeypatch):
    from tests.test_cli import Cli, one_line_error

    cli = Cli(database_url, capsys, monkeypatch)
    assert COMMON in one_line_error(
        cli("create-user", "sun.jiu", "--role", "hr", "--password-stdin", stdin="12345678\n")
    )
    code, out, _err = cli(
        "create-user", "sun.jiu", "--role", "hr", "--password-stdin", stdin="correct-horse-battery\n"
    )
    assert code == 0, out


def test_the_policy_holds_when_a_password_is_set_again(app_ctx, make_user):
    from subsidy_app.extensions import db
    from subsidy_app.users import operations as users

    user = users.get_user(make_user("hr", username="zheng.shi").id)
    for password in ("iloveyou", "zhengshi-2026", "11111111"):
        with pytest.raises(ValidationFailed) as refused:
            users.set_password(None, user, password, reason="test")
        assert refused.value.fields["password"]
    users.set_password(None, user, "amber-kettle-orbit", reason="test")
    db.session.flush()
    assert users.authenticate("zheng.shi", "amber-kettle-orbit").id == user.id


def test_the_demo_accounts_get_passwords_the_policy_accepts(app_ctx):
    from subsidy_app.demo.operations import _new_password
    from subsidy_app.users import operations as users

    for _ in range(50):
        password = _new_password()
        assert not users.password_errors(password, "hrlead"), password
        assert re.fullmatch(r"[A-Za-z2-9]{12}", password)
