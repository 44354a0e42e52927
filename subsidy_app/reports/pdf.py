"""Document-style PDFs (the budget and quarterly reports) rendered by xhtml2pdf from HTML
templates, with the project's CJK font embedded (core/fonts.py). Each ends with the sign-off
block (编制 / 审核 / 负责人, core/tabular.py ``SignOff``) and numbers its pages "第 n 页 共 m 页"."""

from __future__ import annotations

import io

from flask import render_template

from ..core.errors import AppError
from ..core.fonts import CJK_FONT_PATH
from ..core.tabular import SignOff
from ..core.timeutil import to_local


class PdfFailed(AppError):
    status = 500
    code = "pdf_failed"


def render_pdf(template: str, **context) -> bytes:
    """Render an HTML template to PDF. The document may read only the fonts directory and
    nothing from the network (the text is escaped by Jinja; the policy is the second wall)."""
    from xhtml2pdf import pisa  # noqa: PLC0415 (xhtml2pdf and reportlab are loaded when a PDF is made)
    from xhtml2pdf.config.resources import ResourceAccessPolicy  # noqa: PLC0415 (xhtml2pdf and reportlab are loaded when a PDF is made)

    html = render_template(template, font_path=str(CJK_FONT_PATH), **context)
    policy = ResourceAccessPolicy.server(CJK_FONT_PATH.parent, allow_remote=False)
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise PdfFailed("The PDF could not be produced.")
    return output.getvalue()


KIND_LABELS = {
    "research": "高端科研人才 research",
    "professional": "高级专业人才 professional",
    "management": "高层次管理人才 management",
    "urgent": "紧缺急需人才 urgently needed",
}


def _generated_local(report: dict) -> str:

    return to_local(report["generated_at"]).strftime("%Y-%m-%d %H:%M")


def _signoff(report: dict, by) -> SignOff:
    """Prepared by ``by`` (the user generating the PDF; None: the system) when the report
    was compiled."""
    return SignOff.of(by, report.get("generated_at"))


def budget_pdf(report: dict, by=None) -> bytes:
    return render_pdf(
        "reports/budget.pdf.html",
        report=report,
        generated_local=_generated_local(report),
        signoff=_signoff(report, by),
    )


def quarterly_pdf(report: dict, by=None) -> bytes:
    """Each row gets the label a reader sees (Jinja has no lambdas; the labels are data);
    ``by``: the user generating it (None: the system)."""
    labelled = dict(report)
    labelled["by_program"] = [r | {"label": f"{r['name_zh']} · {r['name_en']}"} for r in report["by_program"]]
    labelled["by_talent_class"] = [
        r
        | {
            "label": f"{r['talent_class']} 类 class {r['talent_class']}"
            if r["talent_class"]
            else "无（单位项目）none (organisation rewards)"
        }
        for r in report["by_talent_class"]
    ]
    labelled["by_talent_kind"] = [
        r | {"label": KIND_LABELS.get(r["talent_kind"], "未填 not given")} for r in report["by_talent_kind"]
    ]
    labelled["by_city"] = [r | {"label": r["city"] or "—"} for r in report["by_city"]]
    return render_pdf(
        "reports/quarterly.pdf.html",
        report=labelled,
        generated_local=_generated_local(report),
        signoff=_signoff(report, by),
    )
