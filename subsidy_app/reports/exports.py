"""The budget report as CSV and Excel (its PDF is in pdf.py)."""

from __future__ import annotations

import io
from dataclasses import replace

from ..core.tabular import XLSX, Column, Sheet, csv_chunks, people_language, write_xlsx
from ..core.timeutil import to_local
from .pdf import budget_pdf

BUDGET_COLUMNS = [
    Column("program_code", "项目代码", "Program code", "text", 20),
    Column("name_zh", "项目名称", "Program", "text", 36),
    Column("name_en", "英文名称", "Program (English)", "text", 40),
    Column("clause", "条款", "Clause", "text", 10),
    Column("allocated", "核定", "Allocated", "money", 16),
    Column("committed", "已承诺", "Committed", "money", 16),
    Column("paid", "已支付", "Paid", "money", 16),
    Column("available", "可用", "Available", "money", 16),
    Column("claims", "申请数", "Claims", "int", 10),
    Column("persons", "人数", "Persons", "int", 10),
]


def budget_rows(report: dict) -> list[dict]:
    """The program rows and a closing total row (program_code TOTAL)."""
    total = dict(report["total"], program_code="TOTAL", name_zh="合计", name_en="Total", clause="")
    return report["programs"] + [total]


#: The CSV for people: one name column in the reader's language instead of both.
PEOPLE_BUDGET_COLUMNS = {
    "zh": [c for c in BUDGET_COLUMNS if c.key != "name_en"],
    "en": [
        replace(c, en="Program") if c.key == "name_en" else c for c in BUDGET_COLUMNS if c.key != "name_zh"
    ],
}


def budget_csv(report: dict, lang: str | None = None) -> str:
    """The machine CSV (English column names, no byte-order mark), or with ``lang`` the CSV
    for people (byte-order mark, headers and the total row in that language)."""
    lang = people_language(lang)
    if lang is None:
        return "".join(csv_chunks(BUDGET_COLUMNS, budget_rows(report)))
    rows = [dict(r) for r in budget_rows(report)]
    rows[-1]["program_code"] = ""
    return "".join(csv_chunks(PEOPLE_BUDGET_COLUMNS[lang], rows, lang=lang))


def budget_xlsx(report: dict) -> bytes:
    generated = to_local(report["generated_at"]).strftime("%Y-%m-%d %H:%M")
    output = io.BytesIO()
    write_xlsx(
        output,
        [
            Sheet(
                f"{report['fiscal_year']} 预算 Budget",
                BUDGET_COLUMNS,
                report["programs"],
                preamble=(
                    f"{report['fiscal_year']} 年度引进外国人才专项经费预算执行报告 "
                    f"Budget report, fiscal year {report['fiscal_year']}",
                    f"生成时间 Generated {generated}（北京时间 Beijing time）· 单位：元 yuan",
                ),
                totals=lambda: report["total"],
            )
        ],
    )
    return output.getvalue()


def budget_file(report: dict, fmt: str, by=None, lang: str | None = None) -> tuple[bytes | str, str, str]:
    """The budget report as (content, mimetype, file name) in csv, xlsx or pdf; ``by``: the
    user generating it, named in the PDF's sign-off (None: the system)."""

    name = f"budget-{report['fiscal_year']}.{fmt}"
    if fmt == "csv":
        return budget_csv(report, lang), "text/csv", name
    if fmt == "xlsx":
        return budget_xlsx(report), XLSX, name
    return budget_pdf(report, by), "application/pdf", name
