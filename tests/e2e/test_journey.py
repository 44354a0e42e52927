"""The main journey, clicked through in a real browser (headless Debian Chromium driven by
Playwright): an employer files a RECRUIT_KEY claim with its documents, HR approves, finance
approves and pays it in a batch (built by one finance user, approved by another), the
auditor verifies the ledger and downloads the budget report. In Chinese, then the language
switch to English. Screenshots of each role's main page go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e import conftest as shared
from tests.e2e.conftest import CSP_ERRORS, needs_chromium, serve, watch_console

#: The shared browser fixture, also under this module's name (test_jobs_browser imports it).
browser = shared.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "e2e-password-123"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The application on a free port, over a fresh SQLite database with the plan, the
    people of the journey and this year's budget."""
    from flask_migrate import upgrade

    from subsidy_app import create_app
    from subsidy_app.bankaccounts import operations as bankaccounts
    from subsidy_app.budgets import operations as budgets
    from subsidy_app.extensions import db
    from subsidy_app.organizations import operations as organizations
    from subsidy_app.programs import operations as programs
    from subsidy_app.projects import operations as projects
    from subsidy_app.talents import operations as talents
    from subsidy_app.users import operations as users
    from tests.conftest import new_credit_code

    folder = tmp_path_factory.mktemp("e2e")
    os.environ["SUBSIDY_INSTANCE_PATH"] = str(folder)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
            "SECRET_KEY": "e2e",
            "DOCUMENT_STORAGE": str(folder / "documents"),
        }
    )
    with app.app_context():
        upgrade()
        programs.load_plan()
        org = organizations.create_organization(
            None,
            kind="employer",
            name="太原重型装备有限公司",
            credit_code=new_credit_code(),
            city="太原市",
            bank_name="中国工商银行太原分行",
            bank_account_no="0502000000009999",
        )
        people = {}
        for name, role in (
            ("employer", "employer"),
            ("hr", "hr"),
            ("finance", "finance"),
            ("finance2", "finance"),
            ("auditor", "auditor"),
        ):
            people[name] = users.create_user(
                None,
                username=f"e2e-{name}",
                password=PASSWORD,
                role=role,
                organization_id=org.id if role == "employer" else None,
            )
        codes = {}
        for lang, (name, passport) in {
            "zh": ("Anna Schmidt", "E2E000001"),
            "en": ("Brian O'Neil", "E2E000002"),
        }.items():
            talent = talents.register_talent(
                None,
                name=name,
                nationality="DEU",
                passport_no=passport,
                birth_date=date(1982, 4, 2),
                degree="doctorate",
                years_experience=12,
                work_permit_no=f"W{passport}",
                permit_class="A",
                employer_id=org.id,
                shanxi_start_date=date(2025, 3, 1),
                talent_kind="research",
            )
            bankaccounts.set_bank_account(
                people["hr"],
                "talent",
                talent.talent_code,
                bank_name="中国银行山西省分行",
                account_no="6216600000000077",
            )
            codes[lang] = talent.talent_code
        project = projects.create_project(
            people["hr"], name="2025年度省级重点引才项目", level="key", year=2025
        )
        budgets.allocate(
            people["finance"],
            fiscal_year=budgets.current_fiscal_year(),
            program_code="RECRUIT_KEY",
            amount=Decimal("1000000.00"),
        )
        db.session.commit()
        world = {"talents": codes, "project": project.id}
    base, server = serve(app)
    yield base, world
    server.shutdown()


def _login(browser, base, who, *, lang="zh", width=1280, height=900):
    context = browser.new_context(
        base_url=base, viewport={"width": width, "height": height}, accept_downloads=True, locale="zh-CN"
    )
    context.on("console", watch_console)
    page = context.new_page()
    page.goto("/login")
    if lang == "en":  # the switch in the header, as a person would use it
        page.click("header button[name=lang][value=en]")
    page.fill("input[name=username]", f"e2e-{who}")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("html").get_attribute("lang") == ("en" if lang == "en" else "zh-CN")
    return page


def _png() -> bytes:
    """A real 4×4 PNG (the preview must show it)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x6f\xb4" * 4 for _ in range(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


#: What the pages say, per language, where the journey checks it.
WORDS = {
    "zh": {"submitted": "已提交", "paid": "已拨付", "verified": "核验通过", "reports": "报表与导出"},
    "en": {
        "submitted": "submitted",
        "paid": "paid",
        "verified": "The chain verifies",
        "reports": "Reports and exports",
    },
}


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _flash_errors(page) -> list[str]:
    return page.locator(".flash-error").all_inner_texts()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_journey_by_clicking(live_server, browser, tmp_path, lang):
    base, world = live_server
    words = WORDS[lang]
    CSP_ERRORS.clear()

    def login(who, **kw):
        return _login(browser, base, who, lang=lang, **kw)

    def shot(page, name):
        _shot(page, f"{lang}-{name}")

    evidence = tmp_path / "evidence.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    picture = tmp_path / "evidence.png"
    picture.write_bytes(_png())

    # the employer files the claim, sees the checks with their clauses, attaches, submits
    page = login("employer")
    shot(page, "employer-home")
    page.goto("/claims/new")
    page.select_option("select[name=program_code]", "RECRUIT_KEY")  # only its fields are shown
    page.fill("input[name=talent_code]", world["talents"][lang])
    page.select_option("select[name=project_id]", str(world["project"]))
    page.click("form.form button[data-claim-save]")
    assert "/claims/" in page.url and "new" not in page.url, _flash_errors(page)
    claim_url = page.url
    checks = page.locator("#checks-title + .table-wrap tbody tr")
    assert checks.count() >= 3 and "(六)" in page.inner_text("#checks-title + .table-wrap")
    while page.locator(".warn span[data-kind]").count():  # the missing documents, named in words
        kind = page.locator(".warn span[data-kind]").first.get_attribute("data-kind")
        page.select_option("select[name=kind]", kind)
        first = page.locator(".documents details.preview").count() == 0
        page.set_input_files("input[name=file]", str(picture if first else evidence))
        with page.expect_navigation():  # the page after the upload, not the one before it
            page.click("form.inline-form button[type=submit]")
        assert not _flash_errors(page), _flash_errors(page)
    # the previews open in the page: the picture shows, the PDF is embedded from this site
    # (the picture first: an embedded PDF, laying itself out, moves what lies below it)
    page.wait_for_load_state()
    for inside in ("img", "object"):
        details = page.locator(".documents details.preview").filter(has=page.locator(inside)).first
        details.locator("summary").click()
        expect(details).to_have_attribute("open", "")
    image = page.locator(".documents details.preview img").first
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth === 4", arg=image.element_handle())
    pdf = page.locator(".documents details.preview object").first
    preview = page.request.get(pdf.get_attribute("data"))
    assert preview.ok and "frame-ancestors 'self'" in preview.headers["content-security-policy"]
    page.wait_for_timeout(500)  # the embedded viewer loads (a refusal is logged to the console)
    shot(page, "employer-previews")
    # previews closed again: the embedded viewer, still laying itself out, moves the buttons
    # below it (a click aimed at one can land beside it)
    while page.locator(".documents details.preview[open]").count():
        page.locator(".documents details.preview[open] summary").first.click()
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page.locator(".facts")).to_contain_text(words["submitted"])
    page.goto("/claims/")
    shot(page, "employer-claims")
    page.context.close()

    # HR approves from the queue
    page = login("hr")
    page.goto("/claims/")
    shot(page, "hr-queue")
    page.click(f"a[href='{claim_url.removeprefix(base)}']")
    page.fill("#decision-comment", "材料齐全，符合(六)")  # one comment box for every decision
    page.click("button[name=action][value=hr_approve]")
    assert not _flash_errors(page), _flash_errors(page)
    shot(page, "hr-claim")
    page.context.close()

    # finance approves payment and builds a batch
    page = login("finance")
    page.goto(claim_url)
    page.click("button[name=action][value=finance_approve]")
    # money is committed: a confirmation says what will happen (amount, payee, the budget after)
    expect(page.locator("form[data-confirm-page]")).to_have_count(1)  # (waits for the page)
    shot(page, "finance-confirm-approval")
    page.click("form[data-confirm-page] button[type=submit]")
    assert not _flash_errors(page), _flash_errors(page)
    page.goto("/budgets/")
    shot(page, "finance-budget")
    assert "100,000.00" in page.inner_text("table")  # committed (the journey's claim)
    page.goto("/payments/")
    page.check("input[name=claim_ids]")
    page.click("form:has(input[name=claim_ids]) button[type=submit]")
    batch_url = page.url
    assert "/payments/batches/" in batch_url, _flash_errors(page)
    page.context.close()

    page = login("finance2")  # four eyes
    page.goto(batch_url)
    page.click("form.action-form button[type=submit]")
    page.click("form[data-confirm-page] button[type=submit]")  # count, total, payees
    assert not _flash_errors(page), _flash_errors(page)
    page.context.close()

    page = login("finance")
    page.goto(batch_url)
    page.fill("input[name=bank_reference]", "ICBC-E2E-0001")
    page.click("form.action-form button[type=submit]")
    shot(page, "finance-confirm-disbursement")
    page.click("form[data-confirm-page] button[type=submit]")  # the bank reference shown first
    assert not _flash_errors(page), _flash_errors(page)
    shot(page, "finance-batch")
    page.goto(claim_url)
    expect(page.locator(".facts")).to_contain_text(words["paid"])
    page.context.close()

    # the auditor verifies the ledger and downloads the budget report
    page = login("auditor")
    shot(page, "auditor-home")
    page.goto("/ledger/")
    shot(page, "auditor-ledger")
    page.click("main a[href$='/ledger/verify']")
    assert page.locator(".verify-ok").count() == 1 and words["verified"] in page.inner_text("main")
    page.goto("/reports/")
    with page.expect_download() as download:
        page.click("button[formaction$='budget.pdf']")
    pdf = tmp_path / "budget.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    assert page.locator("h1").first.inner_text() == words["reports"]
    page.context.close()

    # the other pages of each staff role open, in this language (screenshots to look at)
    for who, paths in (
        (
            "hr",
            (
                "/talents/",
                "/organizations/",
                "/credit-list/",
                "/awards/",
                "/inspections/",
                "/conflicts/",
                "/recoveries/",
                "/deadlines/",
            ),
        ),
        ("auditor", ("/audit/", "/reports/", "/users/")),
    ):
        page = login(who)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            assert page.locator("h1").count() == 1
            shot(page, f"{who}{path.rstrip('/').replace('/', '-')}")
        page.context.close()

    # a phone-width screen
    page = login("employer", width=390, height=844)
    page.goto("/claims/")
    shot(page, "employer-claims-phone")
    too_wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
        .map(e => e.tagName + '.' + e.className + ':' + e.textContent.trim().slice(0, 30))""")
    assert not too_wide and page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        too_wide
    )
    page.context.close()

    # no page of the journey had anything refused by the Content Security Policy
    assert not CSP_ERRORS, CSP_ERRORS
