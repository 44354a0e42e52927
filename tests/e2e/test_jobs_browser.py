"""Long work in a real browser (headless Debian Chromium driven by Playwright): finance starts
a PDF export of a ledger of several thousand entries from the ledger page and watches the
job's progress bar move to 100 % without reloading the page (the static script asks the job's
status every second), then downloads the file; a second export is cancelled through the
confirmation dialog. The server runs the application with its real configuration: jobs run
in the web process's thread pool (not JOBS_EAGER), as under ``make run``. Nothing may be
refused by the Content Security Policy."""

from __future__ import annotations

import os
import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.test_journey import CSP_ERRORS, PASSWORD, _login, browser  # noqa: F401
from tests.e2e.test_journey import pytestmark as _needs_chromium

pytestmark = _needs_chromium

#: Ledger entries to export: the PDF takes a few seconds, so the bar is seen part-way.
ENTRIES = 6000

#: Records each value the progress bar is given (a MutationObserver), and marks the page:
#: a reload would lose both.
WATCH_BAR = """() => {
    window.__samePage = true;
    window.__seen = [];
    const bar = document.querySelector('#job progress');
    const note = () => window.__seen.push(bar.hasAttribute('value') ? Number(bar.value) : null);
    note();
    new MutationObserver(note).observe(bar, {attributes: true, attributeFilter: ['value']});
}"""


def start_server(folder: Path, *, entries: int = ENTRIES):
    """The application on a free port over a fresh SQLite database: the plan, the staff, a
    budget line, and ``entries`` ledger entries. Returns (base URL, server)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from bench.exports import grow_payments
    from subsidy_app import create_app
    from subsidy_app.budgets import operations as budgets
    from subsidy_app.extensions import db
    from subsidy_app.programs import operations as programs
    from subsidy_app.users import operations as users

    os.environ["SUBSIDY_INSTANCE_PATH"] = str(folder)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'jobs.sqlite3'}",
            "SECRET_KEY": "e2e-jobs",
            "JOB_STORAGE": str(folder / "job-results"),
        }
    )
    assert not app.config["JOBS_EAGER"] and not app.config["CELERY_BROKER_URL"]  # the thread pool
    with app.app_context():
        upgrade()
        programs.load_plan()
        people = {
            who: users.create_user(None, username=f"e2e-{who}", password=PASSWORD, role=role)
            for who, role in (("finance", "finance"), ("auditor", "auditor"), ("hr", "hr"))
        }
        budgets.allocate(
            people["finance"],
            fiscal_year=budgets.current_fiscal_year(),
            program_code="TRAVEL",
            amount=Decimal("1000000.00"),
        )
        db.session.commit()
    grow_payments(app, entries)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture(scope="module")
def jobs_server(tmp_path_factory):
    base, server = start_server(tmp_path_factory.mktemp("e2e-jobs"))
    yield base
    server.shutdown()


def _start_pdf_export(page) -> str:
    page.goto("/ledger/")
    page.click("button[name=format][value=pdf]")
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    return page.url


def test_finance_watches_an_export_reach_100_percent_and_downloads_it(jobs_server, browser, tmp_path):  # noqa: F811
    CSP_ERRORS.clear()
    page = _login(browser, jobs_server, "finance")
    _start_pdf_export(page)
    page.evaluate(WATCH_BAR)
    assert page.locator("a[data-job-result]").is_hidden()  # no result yet
    page.wait_for_selector("#job[data-finished]", timeout=20_000)

    seen = page.evaluate("window.__seen")
    assert page.evaluate("window.__samePage === true"), "the page was reloaded"
    assert seen[-1] == 100, seen
    assert any(v is not None and 0 < v < 100 for v in seen), f"no value part-way: {seen}"
    assert [v for v in seen if v is not None] == sorted(v for v in seen if v is not None), seen
    assert page.inner_text("#job [data-job=percent_text]") == "100 %"
    assert page.inner_text("#job [data-job=status_label]") == "已完成"
    done, total = page.inner_text("#job [data-job=counts]").replace(",", "").split(" / ")
    assert int(done) == int(total) >= ENTRIES  # (and the budget's allocation)
    assert page.locator(".job-cancel").is_hidden()  # nothing left to cancel

    with page.expect_download() as download:
        page.click("a[data-job-result]")
    saved = tmp_path / "ledger.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "ledger.pdf"
    assert saved.read_bytes().startswith(b"%PDF") and saved.stat().st_size > 100_000

    # the same page at phone width: nothing sticks out
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # and the job is in the list of one's jobs, finished
    page.click("header a.my-jobs")
    assert "已完成" in page.inner_text("table.jobs tbody tr >> nth=0")
    page.context.close()
    assert not CSP_ERRORS, CSP_ERRORS


def test_cancel_asks_in_a_dialog_then_stops_the_job(jobs_server, browser):  # noqa: F811
    CSP_ERRORS.clear()
    page = _login(browser, jobs_server, "finance", lang="en")
    job_url = _start_pdf_export(page)
    page.click("a[data-dialog=cancel-dialog]")
    dialog = page.locator("dialog#cancel-dialog")
    assert dialog.is_visible() and page.url == job_url  # asked in the page, not yet stopped
    dialog.locator("button[data-close]").click()
    assert dialog.is_hidden()
    page.click("a[data-dialog=cancel-dialog]")
    dialog.locator("button[type=submit]").click()
    page.wait_for_url(job_url)
    page.wait_for_selector("#job[data-finished]", timeout=20_000)
    assert page.inner_text("#job [data-job=status_label]") == "cancelled"
    assert page.locator("a[data-job-result]").is_hidden()
    page.context.close()
    assert not CSP_ERRORS, CSP_ERRORS
