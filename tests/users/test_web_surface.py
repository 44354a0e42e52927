"""Security headers on every answer (HTML page, API, static file, evidence file), a Content
Security Policy without inline script, HSTS only behind HTTPS, templates without inline
script, handlers or styles (which the policy would refuse)."""

import re
from pathlib import Path

import pytest

from tests.users.test_html_login import login
from tests.world import PDF, upload

TEMPLATES = Path(__file__).resolve().parents[2] / "subsidy_app"
#: Rendered into PDF files on the server, never served as pages.
PDF_TEMPLATES = {"_pdf_base.html", "budget.pdf.html", "quarterly.pdf.html"}


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_hardened(response, *, framing="'none'"):
    policy = _policy(response)
    scripts = policy.get("script-src", policy["default-src"])
    assert scripts in (["'self'"], ["'none'"]), scripts  # files from this site, never inline
    assert "'unsafe-inline'" not in policy.get("style-src", policy["default-src"])
    assert not any("unsafe" in value for values in policy.values() for value in values), policy
    assert policy["frame-ancestors"] == [framing]
    assert policy["object-src"] == ["'self'"] and policy["base-uri"] == ["'none'"]
    assert all(value in ("'self'", "'none'") for values in policy.values() for value in values)
    assert response.headers["X-Frame-Options"] == ("DENY" if framing == "'none'" else "SAMEORIGIN")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_an_html_page_has_the_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200 and "text/html" in response.content_type
    assert_hardened(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP, not behind HTTPS


def test_an_html_error_page_and_a_redirect_have_them_too(client):
    assert_hardened(client.get("/"))  # 302 to the login page
    assert_hardened(client.post("/logout"))  # 400: no CSRF token


def test_api_answers_have_the_security_headers(client, api_as):
    refused = client.get("/api/v1/programs")
    assert refused.status_code == 401 and refused.is_json
    assert_hardened(refused)
    answered = api_as("hr").get("/programs")
    assert answered.status_code == 200
    assert_hardened(answered)
    assert_hardened(client.get("/api/v1/openapi.json"))


def test_static_files_have_the_security_headers(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert_hardened(response)


def test_hsts_only_over_https_or_behind_it(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://subsidy.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    app.config["SESSION_COOKIE_SECURE"] = True  # the deployment says it is behind HTTPS
    assert client.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"
    app.config["HSTS_MAX_AGE"] = 0
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_behind_a_trusted_proxy_its_scheme_counts(database_factory):
    from subsidy_app import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXIES": 1})
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_evidence_preview_may_be_framed_by_this_site_only(world, file_claim, client):
    claim = file_claim("TRAVEL").json
    document = upload(world.employer, claim["id"], "flight_receipt", PDF).json
    login(client, world.employer.user.username)
    page = client.get(f"/claims/{claim['id']}")
    url = f"/claims/{claim['id']}/documents/{document['id']}"
    assert f'<object data="{url}"' in page.get_data(as_text=True)  # same origin: object-src 'self'
    assert_hardened(page)
    preview = client.get(url)
    assert preview.status_code == 200 and preview.data == PDF
    assert_hardened(preview, framing="'self'")
    assert _policy(preview)["default-src"] == ["'none'"]  # the file itself loads nothing


def _served_templates():
    for path in sorted(TEMPLATES.rglob("templates/**/*.html")):
        if path.name not in PDF_TEMPLATES:
            yield path


@pytest.mark.parametrize(
    "pattern, what",
    [
        (r"<script(?![^>]*\ssrc=)[^>]*>", "an inline <script>"),
        (r"\son[a-z]+\s*=", "an inline event handler (onclick=, onchange=…)"),
        (r"javascript:", "a javascript: URL"),
        (r"\sstyle\s*=", "an inline style attribute (refused by style-src 'self')"),
        (r"<style", "an inline <style> element (refused by style-src 'self')"),
    ],
)
def test_served_templates_have_nothing_inline_that_the_policy_refuses(pattern, what):
    found = [
        f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in _served_templates()
        for text in [path.read_text(encoding="utf-8")]
        for match in re.finditer(pattern, text, flags=re.IGNORECASE)
    ]
    assert not found, f"{what} in {found}: move it to a file under subsidy_app/static/"
