"""HTML login: session cookie flags, CSRF on every form, a landing page per role, languages."""

import re

import pytest

from tests.conftest import DEFAULT_PASSWORD


def _csrf(client, path="/login"):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1)


def login(client, username, password=DEFAULT_PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": _csrf(client)}
    )


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "登录" in html


def test_login_page_in_english_on_request(client):
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Log in" in html


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("hr")
    response = client.post("/login", data={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("hr")
    response = login(client, user.username)
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_shows_the_error_on_the_form(client, make_user):
    user = make_user("hr")
    response = login(client, user.username, "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "role, heading",
    [
        ("employer", "您的外籍员工"),
        ("intermediary", "佣金"),
        ("hr", "省人社厅"),
        ("finance", "财政"),
        ("auditor", "审计"),
        ("admin", "系统管理"),
    ],
)
def test_each_role_has_a_landing_page(client, make_user, role, heading):
    user = make_user(role)
    login(client, user.username)
    response = client.get("/")
    assert response.status_code == 200
    assert heading in response.get_data(as_text=True)


def test_language_switch_keeps_english(client, make_user):
    user = make_user("hr")
    login(client, user.username)
    token = _csrf(client, "/")
    response = client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html and "Provincial HR" in html


def test_language_switch_refuses_offsite_redirects(client):
    token = _csrf(client)
    response = client.post(
        "/language", data={"lang": "en", "next": "https://evil.example/", "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_logout_needs_csrf_and_ends_the_session(client, make_user):
    user = make_user("hr")
    login(client, user.username)
    assert client.post("/logout").status_code == 400  # no CSRF token: refused
    assert client.get("/").status_code == 200  # still logged in
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert client.get("/").status_code == 302


def test_html_errors_are_pages_not_json(client, make_user):
    user = make_user("employer")
    login(client, user.username)
    response = client.get("/programs/NO_SUCH")
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "404" in response.get_data(as_text=True)


def test_every_html_form_post_needs_a_csrf_token(app, client, make_user):
    user = make_user("hr")
    login(client, user.username)

    def sample(match):  # a value each converter accepts: the first choice of any(...), else 1
        choices = re.match(r"any\(([^)]*)\)", match.group(1) or "")
        return choices.group(1).split(",")[0].strip() if choices else "1"

    posts = [
        re.sub(r"<(?:(\w+(?:\([^)]*\))?):)?\w+>", sample, rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    ]
    assert {"/login", "/logout", "/language"} <= set(posts)
    for path in posts:
        assert client.post(path, data={"lang": "en"}).status_code == 400, path


def test_the_language_chosen_before_login_is_kept(client, make_user):
    user = make_user("hr")
    token = _csrf(client)
    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    login(client, user.username)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
