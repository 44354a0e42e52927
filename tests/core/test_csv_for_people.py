"""CSV for people beside the machine CSV (issue 15): the machine CSV keeps its English
snake_case headers and no byte-order mark (integrations read it, CONTRACT.md); the CSV for
people starts with a byte-order mark, has its headers in the reader's language and its
values in words, and a spreadsheet (LibreOffice, headless) reads the Chinese intact."""

import csv
import io
import shutil
import subprocess

import pytest

from tests.users.test_html_login import login
from tests.world import paid_claim

MACHINE_HEADER = "seq,transaction_id,posted_at,kind,fiscal_year,program_code,claim_id,account,payee,"


def _get(api, path, lang=None):
    headers = {"Accept-Language": lang} if lang else None
    return api.get(path, headers=headers)


def test_the_machine_csv_is_unchanged(world, ready_claim):
    paid_claim(world, ready_claim)
    response = world.finance.get("/ledger?format=csv")
    assert response.status_code == 200
    body = response.get_data()
    assert not body.startswith(b"\xef\xbb\xbf")  # no byte-order mark
    text = body.decode("utf-8")
    assert text.startswith(MACHINE_HEADER)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"subsidy_expense", "bank"} <= {r["account"] for r in rows}
    assert {r["tax_exempt"] for r in rows} <= {"true", "false"}
    assert any(r["payee"].startswith("organization:") for r in rows)
    # the budget report's machine CSV too
    budget = world.finance.get(f"/reports/budget?fiscal_year={world.year}&format=csv").get_data()
    assert budget.startswith(b"program_code,name_zh,name_en,clause,allocated")


def _people(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_ledger_csv_for_people(world, ready_claim):
    paid_claim(world, ready_claim)
    zh = world.finance.get("/ledger?format=csv&lang=zh")
    assert zh.status_code == 200
    assert zh.get_data().startswith(b"\xef\xbb\xbf")
    rows = _people(zh.get_data(as_text=True))
    assert rows[0][:4] == ["序号", "凭证号", "记账时间", "业务类型"]
    body = "\n".join(",".join(r) for r in rows[1:])
    assert "subsidy_expense" not in body and "organization:" not in body and "RECRUIT_KEY" not in body
    assert "示范用人单位" in body  # the payee by name
    exempt = rows[0].index("免税")
    assert {r[exempt] for r in rows[1:]} <= {"是", "否"}
    en = _people(world.finance.get("/ledger?format=csv&lang=en").get_data(as_text=True))
    assert en[0][:3] == ["Seq", "Transaction", "Posted at"]
    account = en[0].index("Account")
    assert "Subsidy expense" in {r[account] for r in en[1:]}
    assert {r[en[0].index("Tax-exempt")] for r in en[1:]} <= {"yes", "no"}


def test_the_budget_csv_for_people(world):
    zh = world.finance.get(f"/reports/budget?fiscal_year={world.year}&format=csv&lang=zh").get_data(
        as_text=True
    )
    rows = _people(zh)
    assert rows[0][:2] == ["项目代码", "项目名称"] and "英文名称" not in rows[0]
    assert rows[-1][1] == "合计"


def test_the_pages_download_the_csv_for_people_in_the_readers_language(world, client, ready_claim):
    paid_claim(world, ready_claim)
    login(client, world.finance.user.username)
    zh = client.get("/reports/ledger.csv?lang=zh").get_data(as_text=True)
    assert _people(zh)[0][0] == "序号"
    client.get("/?lang=en")
    budget = client.get(f"/reports/budget.csv?fiscal_year={world.year}&lang=en").get_data(as_text=True)
    assert _people(budget)[0][:2] == ["Program code", "Program"]


def test_the_ledger_export_job_writes_the_csv_for_people_when_asked(world, ready_claim):
    paid_claim(world, ready_claim)
    _job, machine = world.finance.job("/ledger/exports", {"format": "csv"})
    assert machine.get_data().decode("utf-8").startswith(MACHINE_HEADER)
    _job, people = world.finance.job("/ledger/exports", {"format": "csv", "lang": "zh"})
    assert _people(people.get_data().decode("utf-8"))[0][0] == "序号"


def test_the_ledger_page_exports_the_csv_for_people(app, world, client, ready_claim):
    import re

    paid_claim(world, ready_claim)
    login(client, world.finance.user.username)
    html = client.get("/ledger/?lang=zh").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    started = client.post("/ledger/exports", data={"csrf_token": token, "format": "csv"})
    assert started.status_code in (302, 303)
    from subsidy_app.extensions import db
    from subsidy_app.jobs.models import Job

    with app.app_context():
        job = db.session.execute(db.select(Job).order_by(Job.id.desc())).scalars().first()
    assert job.kind == "ledger_export" and job.params["lang"] == "zh"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by `make browser`")
def test_a_spreadsheet_reads_the_chinese_csv_intact(world, ready_claim, tmp_path):
    from openpyxl import load_workbook

    paid_claim(world, ready_claim)
    source = tmp_path / "ledger.csv"
    source.write_bytes(world.finance.get("/ledger?format=csv&lang=zh").get_data())
    # the CSV filter told UTF-8 (76), as Excel is told by the byte-order mark
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sheet = load_workbook(tmp_path / "ledger.xlsx", read_only=True).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert list(rows[0][:4]) == ["序号", "凭证号", "记账时间", "业务类型"]  # no stray BOM in A1
    assert any("示范用人单位" in str(cell) for row in rows[1:] for cell in row if cell)
