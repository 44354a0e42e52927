"""Report PDFs a department can sign, a ledger PDF people can read (issue 15).

Every report PDF (budget, quarterly, ledger) ends with the sign-off block: 编制 (prepared by:
the user who generated it, by display name), 审核 (reviewed by) and 负责人 (head of unit),
under the issuing unit, and numbers every page "第 n 页 共 m 页 / Page n of m". The ledger
listing shows a 12-digit hash per entry; the full hashes are in the appendix, and the last
entry's hash is given in full: the ledger's head."""

import io
import re

import pytest
from pypdf import PdfReader

from subsidy_app.extensions import db
from tests.users.test_html_login import login
from tests.world import act, paid_claim

FULL_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


@pytest.fixture
def signer(app, api_as, make_user):
    """A user with a display name, and an API client acting as them."""

    def make(role: str, display_name: str):
        from subsidy_app.users.models import User

        user = make_user(role)
        with app.app_context():
            db.session.get(User, user.id).display_name = display_name
            db.session.commit()
        return user, api_as(user)

    return make


def _pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _flat(text: str) -> str:
    """Extracted text without the spaces and line breaks the extraction puts in."""
    return re.sub(r"\s+", "", text)


def assert_signed(data: bytes, name: str, unit: str) -> list[str]:
    """The sign-off block on the last page, the name of who generated it, the unit; every
    page numbered n of m."""
    pages = _pages(data)
    last = _flat(pages[-1])
    for heading in ("编制Preparedby", "审核Reviewedby", "负责人Headofunit", "北京时间Beijingtime"):
        assert heading in last, heading
    assert _flat(name) in last and _flat(unit) in last
    assert last.index("编制Preparedby") < last.index("审核Reviewedby") < last.index("负责人Headofunit")
    count = len(pages)
    for number, text in enumerate(pages, start=1):
        flat = _flat(text)
        assert f"第{number}页共{count}页" in flat, (number, flat[-80:])
        assert f"Page{number}of{count}" in flat
    return pages


@pytest.fixture
def paid_world(world, ready_claim):
    paid_claim(world, ready_claim, "TRAVEL")
    paid_claim(world, ready_claim, "RECRUIT_REGULAR")
    committed = ready_claim("RECRUIT_KEY", submit=True)
    assert act(world.hr, committed, "hr_approve").status_code == 200
    assert act(world.finance, committed, "finance_approve").status_code == 200
    return world


# --- budget and quarterly reports -------------------------------------------------------------


def test_budget_pdf_is_signed_by_whoever_generates_it(paid_world, signer):
    w = paid_world
    _user, finance = signer("finance", "财务 张三")
    data = finance.get("/reports/budget", query_string={"fiscal_year": w.year, "format": "pdf"}).data
    assert_signed(data, "财务 张三", "山西省财政厅")
    _user, auditor = signer("auditor", "审计 李四")
    data = auditor.get("/reports/budget", query_string={"fiscal_year": w.year, "format": "pdf"}).data
    text = _flat("".join(assert_signed(data, "审计 李四", "山西省审计厅")))
    assert "张三" not in text and "山西省财政厅" not in text


def test_quarterly_pdf_is_signed_by_whoever_generates_it(paid_world, signer):
    from subsidy_app.core.timeutil import local_today
    from subsidy_app.reports.operations import Quarter

    _user, hr = signer("hr", "人社 王五")
    quarter = str(Quarter.of(local_today()))
    data = hr.get("/reports/quarterly", query_string={"quarter": quarter, "format": "pdf"}).data
    assert_signed(data, "人社 王五", "山西省人力资源和社会保障厅")


def test_a_user_without_a_display_name_signs_with_the_user_name(paid_world):
    w = paid_world
    data = w.finance.get("/reports/budget", query_string={"fiscal_year": w.year, "format": "pdf"}).data
    assert_signed(data, w.finance.user.username, "山西省财政厅")


def test_report_pages_and_jobs_pass_the_user_through(app, client, paid_world, signer):
    w = paid_world
    user, api = signer("finance", "财务 赵六")
    # a background job: the job's user
    job = api.post(
        "/jobs", json={"kind": "budget_report", "params": {"fiscal_year": w.year, "format": "pdf"}}
    )
    assert job.status_code == 202, job.json
    assert api.get(f"/jobs/{job.json['id']}").json["status"] == "succeeded"
    assert_signed(api.get(f"/jobs/{job.json['id']}/result").data, "财务 赵六", "山西省财政厅")
    # the HTML pages' downloads: the user logged in
    assert login(client, user.username).status_code == 302
    response = client.get(f"/reports/budget.pdf?fiscal_year={w.year}")
    assert_signed(response.data, "财务 赵六", "山西省财政厅")


def test_command_line_reports_are_signed_by_the_system_or_the_by_user(app, paid_world, signer, tmp_path):
    w = paid_world
    user, _api = signer("finance", "财务 孙七")
    runner = app.test_cli_runner()
    unsigned, signed = tmp_path / "b.pdf", tmp_path / "b-by.pdf"
    assert runner.invoke(args=["report", "budget", "--year", str(w.year), "-o", str(unsigned)]).exit_code == 0
    assert_signed(unsigned.read_bytes(), "系统 system", "山西省人力资源和社会保障厅")
    done = runner.invoke(
        args=["report", "budget", "--year", str(w.year), "-o", str(signed), "--by", user.username]
    )
    assert done.exit_code == 0, done.output
    assert_signed(signed.read_bytes(), "财务 孙七", "山西省财政厅")
    refused = runner.invoke(
        args=["report", "budget", "--year", str(w.year), "-o", str(signed), "--by", "nobody"]
    )
    assert refused.exit_code != 0 and "no user named nobody" in refused.output


# --- the ledger PDF -----------------------------------------------------------------------------


def _ledger_entries(api) -> list[dict]:
    return api.get("/ledger", query_string={"per_page": 100}).json["items"]


def _split_ledger_pdf(pages: list[str]) -> tuple[list[str], list[str]]:
    """The listing pages (with the totals and the summary) and the appendix pages."""
    first_appendix = next(i for i, text in enumerate(pages) if "Appendix" in text)
    return pages[:first_appendix], pages[first_appendix:]


def test_ledger_pdf_lists_short_hashes_and_the_full_chain_in_an_appendix(app, paid_world, signer):
    from subsidy_app.ledger.operations import read_head

    _user, auditor = signer("auditor", "审计 周八")
    entries = _ledger_entries(auditor)
    assert len(entries) > 8
    response = auditor.get("/ledger", query_string={"format": "pdf"})
    assert response.status_code == 200
    pages = assert_signed(response.data, "审计 周八", "山西省审计厅")
    listing, appendix = _split_ledger_pdf(pages)
    with app.app_context():
        head_seq, head_hash = read_head()
    assert head_seq == entries[-1]["seq"] and head_hash == entries[-1]["hash"]
    listing_text = "\n".join(listing)
    # no full hash in the listing but the head's, given once in full in the summary
    assert FULL_HASH.findall(listing_text) == [head_hash]
    assert re.search(rf"seq\s*{head_seq}\s*哈希\s*hash\s*{head_hash}", listing_text)
    for entry in entries:  # each entry's hash shortened in its row
        assert f"{entry['hash'][:12]}…" in listing_text
    assert "payment_reversal" not in listing_text and "subsidy_expense" not in listing_text
    # the appendix: every entry's full hash after its seq, and the genesis as the first prev
    appendix_text = "\n".join(appendix)
    chain = dict(re.findall(r"^\s*(\d+)\s+([0-9a-f]{64})\s*$", appendix_text, re.M))
    assert chain == {str(e["seq"]): e["hash"] for e in entries}
    assert re.search(rf"prev\s+{entries[0]['prev_hash']}", appendix_text)
    assert len(re.findall(r"prev\s+[0-9a-f]{64}", appendix_text)) == 1  # the listing is unbroken


def test_a_filtered_ledger_pdf_names_the_previous_hash_where_the_chain_is_broken(paid_world):
    w = paid_world
    entries = [e for e in _ledger_entries(w.auditor) if e["account"] == "expended"]
    assert len(entries) >= 2
    data = w.auditor.get("/ledger", query_string={"format": "pdf", "account": "expended"}).data
    _listing, appendix = _split_ledger_pdf(_pages(data))
    appendix_text = "\n".join(appendix)
    for entry in entries:  # every entry listed has its own hash and the one it chains to
        assert re.search(rf"prev\s+{entry['prev_hash']}\s+{entry['seq']}\s+{entry['hash']}", appendix_text)


def test_ledger_export_job_pdf_is_signed_by_the_job_user(paid_world, signer):
    _user, finance = signer("finance", "财务 吴九")
    started = finance.post("/ledger/exports", json={"format": "pdf"})
    assert started.status_code == 202
    job = finance.get(f"/jobs/{started.json['id']}").json
    assert job["status"] == "succeeded"
    assert_signed(finance.get(f"/jobs/{job['id']}/result").data, "财务 吴九", "山西省财政厅")


def test_ledger_pdf_appendix_and_sign_off_in_the_write_function(app, paid_world):
    """The PDF writer itself: without a user the system signs; the summary by account stays."""
    from sqlalchemy import select

    from subsidy_app.ledger import exports
    from subsidy_app.ledger.models import LedgerEntry

    target = io.BytesIO()
    with app.test_request_context():
        totals = exports.write_pdf_file(
            select(LedgerEntry).order_by(LedgerEntry.seq), target, subtitle="test"
        )
    pages = assert_signed(target.getvalue(), "系统 system", "山西省人力资源和社会保障厅")
    text = "\n".join(pages)
    assert f"合计 Total · {totals.entries}" in text
    assert f"{totals.debit:,.2f}" in text
