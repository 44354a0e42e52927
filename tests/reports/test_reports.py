"""Reports and exports (issue 6): the budget report, the ledger export and the quarterly
report in every format agree with each other and with the ledger; Chinese renders in PDF and
Excel; the audit bundle checks offline."""

import csv
import hashlib
import io
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from subsidy_app.core.timeutil import local_today
from subsidy_app.reports.operations import Quarter, next_quarterly_due
from tests.core.test_api_shape import assert_error
from tests.users.test_html_login import login
from tests.world import act, paid_claim


@pytest.fixture
def money_world(world, ready_claim):
    """Two claims paid (one to a talent, tax-exempt), one approved by finance and not paid."""
    paid_claim(world, ready_claim, "TRAVEL")
    paid_claim(world, ready_claim, "RECRUIT_REGULAR")
    committed = ready_claim("RECRUIT_KEY", submit=True)
    assert act(world.hr, committed, "hr_approve").status_code == 200
    assert act(world.finance, committed, "finance_approve").status_code == 200
    return world


def _ledger(api, **query):
    return api.get("/ledger", query_string={"per_page": 100, **query}).json["items"]


def _net(entries, account, program=None):
    return sum(
        (
            Decimal(e["debit"]) - Decimal(e["credit"])
            for e in entries
            if e["account"] == account and (program is None or e["program_code"] == program)
        ),
        Decimal("0"),
    )


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _pdf_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


# --- budget report ----------------------------------------------------------------------------


def test_budget_report_totals_agree_with_the_ledger_and_the_budgets(money_world):
    w = money_world
    report = w.finance.get("/reports/budget", query_string={"fiscal_year": w.year}).json
    entries = _ledger(w.auditor)
    lines = {
        l["program_code"]: l
        for l in w.finance.get("/budgets", query_string={"fiscal_year": w.year, "per_page": 100}).json[
            "items"
        ]
    }
    assert report["budgets_match_ledger"] is True
    for row in report["programs"]:
        code = row["program_code"]
        assert Decimal(row["paid"]) == _net(entries, "expended", code)
        assert Decimal(row["committed"]) == _net(entries, "committed", code)
        assert Decimal(row["allocated"]) == -_net(entries, "appropriation", code)
        assert {k: row[k] for k in ("allocated", "committed", "paid", "available")} == {
            k: lines[code][k] for k in ("allocated", "committed", "paid", "available")
        }
    by_code = {r["program_code"]: r for r in report["programs"]}
    assert by_code["TRAVEL"]["paid"] == "8234.56" and by_code["TRAVEL"]["claims"] == 1
    assert by_code["RECRUIT_KEY"]["committed"] == "100000.00" and by_code["RECRUIT_KEY"]["paid"] == "0.00"
    total = report["total"]
    assert Decimal(total["paid"]) == _net(entries, "expended") == Decimal("58234.56")
    assert total["claims"] == 3 and total["persons"] == 1  # one talent in all three claims


def test_budget_report_csv_xlsx_and_pdf_carry_the_same_totals(money_world):
    w = money_world
    query = {"fiscal_year": w.year}
    report = w.finance.get("/reports/budget", query_string=query).json
    total = report["total"]

    response = w.auditor.get("/reports/budget", query_string={**query, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[-1]["program_code"] == "TOTAL"
    assert {k: rows[-1][k] for k in ("allocated", "committed", "paid", "available")} == {
        k: total[k] for k in ("allocated", "committed", "paid", "available")
    }

    response = w.auditor.get("/reports/budget", query_string={**query, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[3]]
    assert header[4] == "核定 Allocated" and header[6] == "已支付 Paid"
    assert sheet.freeze_panes == "A4"
    last = [c for c in sheet[sheet.max_row]]
    assert last[0].value == "合计 Total"
    paid = last[6]
    assert paid.data_type == "n" and paid.number_format == "#,##0.00"  # a number, not text
    assert Decimal(str(paid.value)).quantize(Decimal("0.01")) == Decimal(total["paid"])
    assert sheet.column_dimensions["B"].width >= 30

    response = w.auditor.get("/reports/budget", query_string={**query, "format": "pdf"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = _pdf_text(response.data)
    assert "预算执行报告" in text and "省级重点引才项目资助" in text
    assert f"{Decimal(total['paid']):,.2f}" in text and f"{Decimal(total['allocated']):,.2f}" in text
    assert any("WenQuanYi" in name for name in _pdf_fonts(response.data))  # embedded, not assumed


def test_reports_are_for_staff_and_check_their_input(world):
    assert_error(world.employer.get("/reports/budget", query_string={"fiscal_year": 2026}), 403)
    assert_error(world.hr.get("/reports/budget", query_string={"fiscal_year": 1999}), 422, "fiscal_year")
    assert_error(
        world.hr.get("/reports/budget", query_string={"fiscal_year": 2026, "format": "doc"}), 422, "format"
    )
    assert_error(world.hr.get("/reports/quarterly", query_string={"quarter": "2026Q5"}), 422, "quarter")
    assert_error(world.hr.get("/reports/quarterly", query_string={"quarter": "Q3 2026"}), 422, "quarter")


# --- ledger export ----------------------------------------------------------------------------


def test_ledger_export_totals_agree_in_every_format(money_world):
    w = money_world
    entries = _ledger(w.auditor)
    debit = sum(Decimal(e["debit"]) for e in entries)
    credit = sum(Decimal(e["credit"]) for e in entries)
    assert debit == credit

    text = w.auditor.get("/ledger", query_string={"format": "csv"}).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["seq"]) for r in rows] == [e["seq"] for e in entries]
    assert sum(Decimal(r["debit"]) for r in rows) == debit
    assert all(len(r["hash"]) == 64 and len(r["prev_hash"]) == 64 for r in rows)
    exempt = [r for r in rows if r["tax_exempt"] == "true"]
    assert exempt and all("(二十)" in r["clause"] for r in exempt)

    response = w.auditor.get("/ledger", query_string={"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[3]]
    assert header[0] == "序号 Seq" and "哈希 Hash (SHA-256)" in header and "免税 Tax-exempt" in header
    debit_col = header.index("借方 Debit")
    body = list(sheet.iter_rows(min_row=4, max_row=sheet.max_row - 1))
    assert len(body) == len(entries)
    assert sum(Decimal(str(r[debit_col].value)) for r in body).quantize(Decimal("0.01")) == debit
    assert body[0][debit_col].number_format == "#,##0.00"
    total_row = list(sheet.iter_rows(min_row=sheet.max_row))[0]
    assert Decimal(str(total_row[debit_col].value)).quantize(Decimal("0.01")) == debit
    summary = {r[0].value: r for r in book.worksheets[1].iter_rows(min_row=4)}
    (expended,) = [row for name, row in summary.items() if name and name.endswith(" Expended")]
    # people read words: no code in the listing (the machine CSV keeps them)
    cells = {str(c.value) for r in body for c in r if c.value is not None}
    assert not cells & {"allocation", "subsidy_expense", "payment", "expended"}
    assert not any(c.startswith(("talent:", "organization:")) for c in cells)
    assert Decimal(str(expended[3].value)).quantize(Decimal("0.01")) == _net(entries, "expended")

    response = w.auditor.get("/ledger", query_string={"format": "pdf"})
    assert response.status_code == 200
    pdf_text = _pdf_text(response.data)
    assert "分类账" in pdf_text and entries[-1]["hash"] in pdf_text and "(二十)" in pdf_text
    assert f"{debit:,.2f}" in pdf_text


def test_ledger_export_keeps_to_its_date_range(money_world):
    w = money_world
    tomorrow = date.fromordinal(local_today().toordinal() + 1).isoformat()
    response = w.auditor.get("/ledger", query_string={"format": "xlsx", "from": tomorrow})
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet.max_row == 4  # two preamble lines, the header, the total


# --- quarterly report -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quarter, due",
    [("2026Q1", date(2026, 4, 15)), ("2026Q3", date(2026, 10, 15)), ("2026Q4", date(2027, 1, 15))],
)
def test_the_quarterly_report_is_due_on_the_15th_of_the_next_quarter(quarter, due):
    assert Quarter.parse(quarter).due_date == due


@pytest.mark.parametrize(
    "today, quarter, due",
    [
        (date(2026, 10, 1), "2026Q3", date(2026, 10, 15)),
        (date(2026, 10, 15), "2026Q3", date(2026, 10, 15)),
        (date(2026, 10, 16), "2026Q4", date(2027, 1, 15)),
        (date(2026, 1, 10), "2025Q4", date(2026, 1, 15)),
    ],
)
def test_the_next_report_due(today, quarter, due):
    assert next_quarterly_due(today) == (Quarter.parse(quarter), due)


def test_quarterly_report_counts_what_the_ledger_paid_in_the_quarter(money_world):
    w = money_world
    quarter = Quarter.of(local_today())
    report = w.hr.get("/reports/quarterly", query_string={"quarter": str(quarter)}).json
    assert report["quarter"] == str(quarter) and report["due_date"] == quarter.due_date.isoformat()
    assert report["total"] == {"claims": 2, "persons": 1, "amount": "58234.56"}
    assert {r["program_code"]: r["amount"] for r in report["by_program"]} == {
        "TRAVEL": "8234.56",
        "RECRUIT_REGULAR": "50000.00",
    }
    assert report["by_talent_class"] == [
        {"talent_class": "A", "claims": 2, "persons": 1, "amount": "58234.56"}
    ]
    assert [r["city"] for r in report["by_city"]] == ["太原市"]
    earlier = w.hr.get("/reports/quarterly", query_string={"quarter": str(quarter.previous)}).json
    assert earlier["total"]["amount"] == "0.00"

    response = w.hr.get("/reports/quarterly", query_string={"quarter": str(quarter), "format": "pdf"})
    text = _pdf_text(response.data)
    assert "季度报告" in text and quarter.due_date.isoformat() in text and "58,234.56" in text


def test_the_hr_landing_page_shows_when_the_next_report_is_due(world, client):
    login(client, world.hr.user.username)
    page = client.get("/").get_data(as_text=True)
    quarter, due = next_quarterly_due()
    assert str(quarter) in page and due.isoformat() in page


# --- audit bundle -----------------------------------------------------------------------------


def _bundle(api):
    response = api.get("/reports/audit-bundle")
    assert response.status_code == 200, response.data[:300]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_the_audit_bundle_checks_offline(money_world, tmp_path):
    w = money_world
    archive = _bundle(w.auditor)
    names = set(archive.namelist())
    assert {
        "ledger.csv",
        f"budget-{w.year}.csv",
        f"budget-{w.year}.pdf",
        "HEAD.txt",
        "SHA256SUMS",
        "README.txt",
        "verify_chain.py",
    } <= names
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    head = dict(l.split(" ", 1) for l in archive.read("HEAD.txt").decode().splitlines())
    verified = w.auditor.get("/ledger/verify").json
    assert head["head_hash"] == verified["head_hash"] and head["verified_ok"] == "true"
    assert "sha256sum -c SHA256SUMS" in archive.read("README.txt").decode()

    archive.extractall(tmp_path)
    run = subprocess.run(
        [sys.executable, "verify_chain.py", "ledger.csv", "HEAD.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"head_hash {verified['head_hash']}" in run.stdout

    budget = list(csv.DictReader(io.StringIO(archive.read(f"budget-{w.year}.csv").decode())))
    ledger_rows = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode())))
    paid = sum(
        (Decimal(r["debit"]) - Decimal(r["credit"]) for r in ledger_rows if r["account"] == "expended"),
        Decimal("0"),
    )
    assert Decimal(budget[-1]["paid"]) == paid


def test_a_changed_line_in_the_bundle_is_found_offline(money_world, tmp_path):
    archive = _bundle(money_world.auditor)
    archive.extractall(tmp_path)
    ledger_csv = tmp_path / "ledger.csv"
    rows = list(csv.DictReader(ledger_csv.open(encoding="utf-8")))
    target = next(r for r in rows if r["account"] == "bank")
    target["credit"] = f"{Decimal(target['credit']) + 1:.2f}"
    with ledger_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run = subprocess.run(
        [sys.executable, "verify_chain.py", "ledger.csv"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 1 and f"seq {target['seq']}" in run.stdout
    sums = subprocess.run(
        ["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
    )
    assert sums.returncode != 0 and "ledger.csv" in sums.stdout


@pytest.mark.parametrize("role", ["hr", "finance", "employer"])
def test_only_auditors_and_administrators_take_the_bundle(world, role):
    assert_error(getattr(world, role).get("/reports/audit-bundle"), 403)
    assert world.admin.get("/reports/audit-bundle").status_code == 200


# --- HTML downloads ---------------------------------------------------------------------------


def test_auditors_reach_every_report_from_the_reports_page(money_world, client):
    w = money_world
    login(client, w.auditor.user.username)
    page = client.get("/reports/").get_data(as_text=True)
    for target in (
        "/reports/budget.pdf",
        "/reports/budget.xlsx",
        "/reports/ledger.xlsx",
        "/reports/quarterly.pdf",
        "/reports/audit-bundle.zip",
    ):
        assert target in page
    assert client.get(f"/reports/budget.pdf?fiscal_year={w.year}").data.startswith(b"%PDF")
    assert client.get("/reports/ledger.xlsx").status_code == 200
    assert client.get("/reports/audit-bundle.zip").mimetype == "application/zip"
    bad = client.get("/reports/quarterly.pdf?quarter=2026Q9")
    assert bad.status_code == 422 and "2026Q3" in bad.get_data(as_text=True)


def test_applicants_have_no_reports_page(world, client):
    login(client, world.employer.user.username)
    assert client.get("/reports/").status_code == 403
