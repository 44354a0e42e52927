"""Tables out of the system: CSV, Excel and long PDF listings from one column list.

Every writer takes the rows as an iterable and never holds them all: CSV is yielded in
chunks, Excel is written by openpyxl's write-only mode to a file, and a long PDF listing is
drawn page by page on a reportlab canvas (platypus tables and xhtml2pdf take tens of seconds
on long tables; document-style reports use xhtml2pdf, see reports/pdf.py).

Headers are bilingual (``中文 English``) in Excel and PDF. CSV comes in two kinds: the
machine CSV keeps the names the API uses and no byte-order mark, so that tools read it; the
CSV for people (``lang="zh"`` or ``"en"``) starts with a byte-order mark (Excel on a Chinese
desktop then reads UTF-8), has its headers in the reader's language and its values in words
(accounts, kinds, 是/否).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from .fonts import CJK_FONT_NAME, register_reportlab_font

MONEY_FORMAT = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column: its machine name, its headings, what it holds and how wide it is."""

    key: str
    zh: str
    en: str
    kind: str = "text"  # text | money | int | bool
    width: float = 12  # Excel character widths; PDF widths are in proportion

    @property
    def heading(self) -> str:
        return f"{self.zh} {self.en}"


def csv_value(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return f"{Decimal(value):.2f}"
    if column.kind == "bool":
        return "true" if value else "false"
    return str(value)


#: The byte-order mark a CSV for people starts with.
BOM = "\ufeff"
#: The languages a CSV for people is written in.
PEOPLE_LANGUAGES = ("zh", "en")


def people_language(value) -> str | None:
    """``value`` if it asks for a CSV for people in a language we write, else None."""
    value = (str(value or "")).split("_")[0].split("-")[0].lower()
    return value if value in PEOPLE_LANGUAGES else None


def csv_heading(column: Column, lang: str) -> str:
    return column.zh if lang == "zh" else column.en


def csv_value_for_people(column: Column, value, lang: str, words: Callable | None = None) -> str:
    """A cell of the CSV for people: codes in words (``words(value)``), 是/否 for booleans."""
    if value is None or value == "":
        return ""
    if words is not None:
        return str(words(value))
    if column.kind == "bool":
        truth = value if isinstance(value, bool) else str(value).lower() in ("true", "1", "t")
        if lang == "zh":
            return "是" if truth else "否"
        return "yes" if truth else "no"
    return csv_value(column, value)


def csv_chunks(
    columns: list[Column],
    rows: Iterable[dict],
    *,
    every: int = 5000,
    lang: str | None = None,
    words: dict[str, Callable] | None = None,
) -> Iterator[str]:
    """CSV text in chunks of ``every`` rows. Without ``lang``: the machine CSV (UTF-8, no
    BOM, English snake_case headers: it is for tools). With ``lang`` ("zh", "en"): the CSV
    for people, a BOM, headers in that language, values in words (``words`` maps a column
    key to the function naming its codes; they are called in that language)."""
    lang = people_language(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if lang is None:
        writer.writerow([c.key for c in columns])
    else:
        buffer.write(BOM)
        writer.writerow([csv_heading(c, lang) for c in columns])
    words = words or {}
    with _in_language(lang):
        for number, row in enumerate(rows, start=1):
            if lang is None:
                writer.writerow([csv_value(c, row.get(c.key)) for c in columns])
            else:
                writer.writerow(
                    [csv_value_for_people(c, row.get(c.key), lang, words.get(c.key)) for c in columns]
                )
            if number % every == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def _in_language(lang: str | None):
    """Labels in ``lang`` while a CSV for people is written (nothing for the machine CSV)."""
    import contextlib  # noqa: PLC0415

    if lang is None:
        return contextlib.nullcontext()
    from flask import has_app_context  # noqa: PLC0415
    from flask_babel import force_locale  # noqa: PLC0415

    return force_locale(lang) if has_app_context() else contextlib.nullcontext()


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: Iterable[dict]
    #: Lines above the header (title, period, when generated), one cell each.
    preamble: tuple[str, ...] = ()
    #: A closing row of totals: {column key: value}; its first column says 合计 Total.
    totals: Callable[[], dict] | None = None


def write_xlsx(target, sheets: list[Sheet]) -> None:
    """Write an .xlsx: amounts are numbers with a two-decimal format, the header row is
    frozen, the columns are as wide as the column list says, and it prints landscape.

    openpyxl (write-only) makes the package: styles, column widths, panes, print setup,
    preamble and header, and one template row for the body and one for the totals, whose
    cell styles it registers. The rows themselves are then streamed into the sheet in
    place of the two templates (:class:`_SheetBody`): openpyxl spends ~12 µs a cell, which
    is 20 s for a ledger of 100,000 entries of 17 columns; the body writer ~1 µs.
    """
    import zipfile  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)

    from openpyxl import Workbook  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)

    workbook = Workbook(write_only=True)
    workbook.add_named_style(NamedStyle(name="money", number_format=MONEY_FORMAT))
    workbook.add_named_style(
        NamedStyle(
            name="header",
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="DDE6F0"),
            alignment=Alignment(wrap_text=True, vertical="center"),
        )
    )
    workbook.add_named_style(NamedStyle(name="total", font=Font(bold=True)))
    workbook.add_named_style(NamedStyle(name="total_money", font=Font(bold=True), number_format=MONEY_FORMAT))
    bodies = []
    for number, sheet in enumerate(sheets, start=1):
        worksheet = workbook.create_sheet(sheet.title[:31])
        for index, column in enumerate(sheet.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = column.width
        header_row = len(sheet.preamble) + 1
        worksheet.freeze_panes = f"A{header_row + 1}"
        # printed: landscape, all columns on one page width, the header on every page
        worksheet.page_setup.orientation = "landscape"
        worksheet.page_setup.paperSize = "9"  # A4
        worksheet.sheet_properties.pageSetUpPr.fitToPage = True
        worksheet.page_setup.fitToWidth, worksheet.page_setup.fitToHeight = 1, 0
        worksheet.print_title_rows = f"{header_row}:{header_row}"
        for line in sheet.preamble:
            worksheet.append([line])

        def styled(value, style, worksheet=worksheet):
            cell = WriteOnlyCell(worksheet, value=value)
            cell.style = style
            return cell

        worksheet.append([styled(c.heading, "header") for c in sheet.columns])
        worksheet.append([styled(0, "money") if c.kind == "money" else 0 for c in sheet.columns])
        worksheet.append([styled(0, "total_money" if c.kind == "money" else "total") for c in sheet.columns])
        bodies.append(_SheetBody(f"xl/worksheets/sheet{number}.xml", sheet, header_row + 1))
    with tempfile.TemporaryFile() as package:
        workbook.save(package)
        package.seek(0)
        with (
            zipfile.ZipFile(package) as source,
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out,
        ):
            by_name = {body.member: body for body in bodies}
            for info in source.infolist():
                body = by_name.get(info.filename)
                if body is None:
                    with source.open(info) as src, out.open(info.filename, "w") as dst:
                        shutil.copyfileobj(src, dst)
                    continue
                with out.open(info.filename, "w", force_zip64=True) as dst:
                    body.write(source.read(info).decode("utf-8"), dst)


class _SheetBody:
    """Streams a sheet's rows and totals into the sheet XML openpyxl wrote, in place of its
    two template rows, with the cell styles openpyxl registered for them."""

    CHUNK = 2000

    def __init__(self, member: str, sheet: Sheet, first_row: int):
        from openpyxl.utils import get_column_letter  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)

        self.member, self.sheet, self.first_row = member, sheet, first_row
        self.letters = [get_column_letter(i) for i in range(1, len(sheet.columns) + 1)]

    def write(self, xml: str, dst) -> None:

        body_at = xml.index(f'<row r="{self.first_row}"')
        totals_at = xml.index(f'<row r="{self.first_row + 1}"')
        after = xml.index("</row>", totals_at) + len("</row>")
        body_styles = self._styles(xml[body_at:totals_at])
        total_styles = self._styles(xml[totals_at:after])
        written = self.first_row - 1
        head = xml[:body_at]
        dst.write(re.sub(r'<dimension ref="[^"]*"/>', "", head).encode("utf-8"))
        chunk = []
        for row in self.sheet.rows:
            written += 1
            chunk.append(self._row(written, row, body_styles))
            if len(chunk) == self.CHUNK:
                dst.write("".join(chunk).encode("utf-8"))
                chunk = []
        if self.sheet.totals is not None:
            written += 1
            totals = dict(self.sheet.totals())
            totals[self.sheet.columns[0].key] = "合计 Total"
            chunk.append(self._row(written, totals, total_styles, label_first=True))
        dst.write("".join(chunk).encode("utf-8"))
        dst.write(xml[after:].encode("utf-8"))

    def _styles(self, row_xml: str) -> dict[str, str]:

        return {
            letter: f' s="{style}"'
            for letter, style in re.findall(r'<c r="([A-Z]+)\d+"[^>]*?\bs="(\d+)"', row_xml)
        }

    def _row(self, number: int, values: dict, styles: dict, label_first: bool = False) -> str:
        cells = [f'<row r="{number}">']
        for index, (letter, column) in enumerate(zip(self.letters, self.sheet.columns)):
            value = values.get(column.key)
            style = styles.get(letter, "")
            if value is None or value == "":
                if style and label_first:
                    cells.append(f'<c r="{letter}{number}"{style}/>')
                continue
            kind = "text" if (label_first and index == 0) else column.kind
            if kind == "money":
                cells.append(f'<c r="{letter}{number}"{style}><v>{Decimal(value):.2f}</v></c>')
            elif kind == "int" and isinstance(value, int):
                cells.append(f'<c r="{letter}{number}"{style}><v>{value}</v></c>')
            else:
                text = ("是 yes" if value else "否 no") if kind == "bool" else str(value)
                cells.append(
                    f'<c r="{letter}{number}"{style} t="inlineStr"><is><t>{_xml_text(text)}</t></is></c>'
                )
        cells.append("</row>")
        return "".join(cells)


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_NOT_XML = __import__("re").compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text as XML character data: escaped, without the characters XML cannot hold."""
    return _NOT_XML.sub("", text).translate(_XML_ESCAPES)


# --- long PDF listings ------------------------------------------------------------------------

#: The unit that issues a document: the unit of the person who prepared it (POLICY §3: HR
#: staff of 省人社厅, finance reviewers of 省财政厅, auditors of 省审计厅); the system's
#: operator, provincial HR, for administrators and the command line.
ISSUING_UNITS = {
    "hr": "山西省人力资源和社会保障厅 Shanxi Provincial Department of Human Resources and Social Security",
    "finance": "山西省财政厅 Shanxi Provincial Department of Finance",
    "auditor": "山西省审计厅 Shanxi Provincial Audit Office",
}
OPERATING_UNIT = ISSUING_UNITS["hr"]
SYSTEM_NAME = "山西省引进外国人才资助管理系统 Shanxi foreign-talent subsidy system"


@dataclass(frozen=True)
class SignOff:
    """The sign-off block a government finance report ends with: 编制 (prepared by: who made
    the document, when, Beijing time), 审核 (reviewed by) and 负责人 (head of unit), the last
    two left blank to sign by hand, under the name of the issuing unit."""

    prepared_by: str
    prepared_at: str
    unit: str

    @classmethod
    def of(cls, actor=None, when=None) -> SignOff:
        """``actor``: the user who generates the document (None: the system itself, e.g. the
        command line without --by); ``when``: an aware datetime, now by default."""
        from .timeutil import local_now, to_local  # noqa: PLC0415 (the PDF helpers keep their imports close)

        moment = to_local(when) if when is not None else local_now()
        if actor is None:
            name, unit = "系统 system", OPERATING_UNIT
        else:
            name = getattr(actor, "display_name", None) or actor.username
            role = getattr(getattr(actor, "role", None), "value", getattr(actor, "role", None))
            unit = ISSUING_UNITS.get(str(role), OPERATING_UNIT)
        return cls(
            prepared_by=name, prepared_at=f"{moment:%Y-%m-%d %H:%M}（北京时间 Beijing time）", unit=unit
        )

    #: The three lines: (heading, name or a line to sign on, date or a line to write it on).
    def rows(self) -> list[tuple[str, str, str]]:
        blank_name, blank_date = "_" * 22, "____ 年 __ 月 __ 日"
        return [
            ("编制 Prepared by", self.prepared_by, self.prepared_at),
            ("审核 Reviewed by", blank_name, blank_date),
            ("负责人 Head of unit", blank_name, blank_date),
        ]


@dataclass
class PdfAppendix:
    """Pages after the listing: a title, lines of explanation, then monospaced lines laid
    out in ``columns`` columns, down each column first. ``lines`` is called after the rows
    are drawn (the listing collects what it needs on the way)."""

    title: str
    notes: Callable[[], list[str]]
    lines: Callable[[], Iterable[str]]
    columns: int = 3
    font_size: float = 5.6


def write_pdf_listing(
    target,
    *,
    title: str,
    subtitle: str,
    columns: list[Column],
    rows: Iterable[dict],
    totals: Callable[[], list[tuple[str, dict]]] | None = None,
    summary: Callable[[], list[str]] | None = None,
    appendix: PdfAppendix | None = None,
    signoff: SignOff | None = None,
) -> int:
    """A landscape A4 listing drawn directly on the canvas, page by page; returns the pages.

    One line per row, each cell cut to its column's width. ``totals`` is called once the
    rows are drawn and gives closing rows, each with the label of its first column;
    ``summary`` gives lines of text after them; then the ``appendix`` and the ``signoff``
    block. Every page says "第 n 页 共 m 页 / Page n of m": m is a form drawn once at the end
    (the pages are not held back to number them).
    """
    from reportlab.lib.pagesizes import A4, landscape  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)
    from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)
    from reportlab.pdfgen import canvas  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)

    register_reportlab_font()
    width, height = landscape(A4)
    margin, font_size = 28, 6.5
    row_height = font_size + 2.5
    bottom = margin + 6  # above the footer line
    usable = width - 2 * margin
    total_width = sum(c.width for c in columns)
    xs, x = [], margin
    for column in columns:
        xs.append(x)
        x += usable * column.width / total_width
    rights = [*xs[1:], width - margin]
    # text after a right-aligned number starts a little further right, not against it
    lefts = [left + (5 if i and columns[i - 1].kind in ("money", "int") else 0) for i, left in enumerate(xs)]
    pdf = canvas.Canvas(target, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor(SYSTEM_NAME)
    page = 0

    @lru_cache(maxsize=8192)
    def fitted(text: str, room: float) -> str:
        """``text`` cut with an ellipsis to ``room`` points (cached: values repeat)."""
        if stringWidth(text, CJK_FONT_NAME, font_size) <= room:
            return text
        while text and stringWidth(text + "…", CJK_FONT_NAME, font_size) > room:
            text = text[:-1]
        return text + "…"

    def start_page(heading: str | None = None) -> float:
        """A new page: the title, the subtitle, the footer; the column headings unless
        ``heading`` is given (then that line instead). Returns where the body starts."""
        nonlocal page
        page += 1
        pdf.setFont(CJK_FONT_NAME, 11)
        pdf.drawString(margin, height - margin, title)
        pdf.setFont(CJK_FONT_NAME, 7)
        pdf.drawString(margin, height - margin - 12, subtitle)
        _draw_page_footer(pdf, page, width, margin, SYSTEM_NAME)
        y = height - margin - 30
        if heading is not None:
            pdf.setFont(CJK_FONT_NAME, 9)
            pdf.drawString(margin, y, heading)
            return y - 14
        pdf.setFont(CJK_FONT_NAME, font_size)
        for i, (column, left) in enumerate(zip(columns, lefts)):
            if column.kind in ("money", "int"):
                pdf.drawRightString(rights[i] - 3, y, column.zh)
                pdf.drawRightString(rights[i] - 3, y - font_size - 1, column.en)
            else:
                pdf.drawString(left, y, column.zh)
                pdf.drawString(left, y - font_size - 1, fitted(column.en, rights[i] - left - 3))
        y -= 2 * font_size + 3
        pdf.line(margin, y + font_size, width - margin, y + font_size)
        return y

    def draw_row(y: float, values: dict, bold_first: str | None = None) -> None:
        for i, (column, left) in enumerate(zip(columns, lefts)):
            if i == 0 and bold_first:
                pdf.drawString(left, y, bold_first)  # a label, left-aligned whatever the column
                continue
            text = _pdf_value(column, values.get(column.key))
            if not text:
                continue
            if column.kind in ("money", "int"):
                pdf.drawRightString(rights[i] - 3, y, text)
            else:
                pdf.drawString(left, y, fitted(text, rights[i] - left - 3))

    y = start_page()
    pdf.setFont(CJK_FONT_NAME, font_size)
    for row in rows:
        if y < bottom + row_height:
            pdf.showPage()
            y = start_page()
            pdf.setFont(CJK_FONT_NAME, font_size)
        draw_row(y, row)
        y -= row_height
    if totals is not None:
        pdf.setFont(CJK_FONT_NAME, font_size)
        pdf.line(margin, y + font_size, width - margin, y + font_size)
        for label, values in totals():
            if y < bottom + row_height:
                pdf.showPage()
                y = start_page()
            pdf.setFont(CJK_FONT_NAME, font_size)
            draw_row(y, values, bold_first=label)
            y -= row_height
    if summary is not None:
        y -= 6
        for line in summary():
            if y < bottom + 10:
                pdf.showPage()
                y = start_page("")
            pdf.setFont(CJK_FONT_NAME, 7.5)
            pdf.drawString(margin, y, line)
            y -= 11
    if appendix is not None:
        pdf.showPage()
        y = _draw_appendix(pdf, appendix, start_page, width, margin, bottom)
    if signoff is not None:
        block = 16 + 22 * len(signoff.rows())
        if y < bottom + block:
            pdf.showPage()
            y = start_page("")
        _draw_signoff(pdf, signoff, margin, y - 10)
    pdf.showPage()
    _define_page_count(pdf, page)
    pdf.save()
    return page


#: The total number of pages: a form XObject that every page draws and that is defined once
#: the last page is known.
_PAGE_COUNT_FORM = "pagecount"
_PAGE_COUNT_SLOT = 4  # digits of room left for the number on each page


def _draw_page_footer(pdf, page: int, width: float, margin: float, left_text: str) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: PLC0415 (reportlab is loaded when a PDF is made)

    size = 7
    y = margin - 14
    pdf.setFont(CJK_FONT_NAME, size)
    pdf.setLineWidth(0.3)
    pdf.line(margin, y + 9, width - margin, y + 9)
    pdf.drawString(margin, y, left_text)
    slot = stringWidth("0" * _PAGE_COUNT_SLOT, CJK_FONT_NAME, size)
    parts = [f"第 {page} 页 共", None, f"页 / Page {page} of", None]
    room = sum(slot if p is None else stringWidth(p, CJK_FONT_NAME, size) for p in parts)
    x = width - margin - room
    for part in parts:
        if part is None:
            pdf.saveState()
            pdf.translate(x + slot / 2, y)
            pdf.doForm(_PAGE_COUNT_FORM)
            pdf.restoreState()
            x += slot
        else:
            pdf.drawString(x, y, part)
            x += stringWidth(part, CJK_FONT_NAME, size)


def _define_page_count(pdf, pages: int) -> None:
    pdf.beginForm(_PAGE_COUNT_FORM, lowerx=-40, lowery=-4, upperx=40, uppery=10)
    pdf.setFont(CJK_FONT_NAME, 7)
    pdf.drawCentredString(0, 0, str(pages))
    pdf.endForm()


def _draw_appendix(
    pdf, appendix: PdfAppendix, start_page, width: float, margin: float, bottom: float
) -> float:
    """The appendix pages; returns where the last one ends. Lines are laid down each column
    first; a page's worth is held at a time."""
    y = start_page(appendix.title)
    pdf.setFont(CJK_FONT_NAME, 7)
    for note in appendix.notes():
        pdf.drawString(margin, y, note)
        y -= 10
    y -= 4
    leading = appendix.font_size + 1.6
    column_width = (width - 2 * margin) / appendix.columns
    top = y
    lines: list[str] = []

    def flush(top: float) -> float:
        per_column = max(1, int((top - bottom) // leading))
        pdf.setFont("Courier", appendix.font_size)
        lowest = top
        for index, line in enumerate(lines):
            column, row = divmod(index, per_column)
            line_y = top - row * leading
            pdf.drawString(margin + column * column_width, line_y, line)
            lowest = min(lowest, line_y)
        lines.clear()
        return lowest - leading

    capacity = lambda top: max(1, int((top - bottom) // leading)) * appendix.columns  # noqa: E731
    y = top
    for line in appendix.lines():
        lines.append(line)
        if len(lines) == capacity(top):
            flush(top)
            pdf.showPage()
            top = y = start_page(f"{appendix.title}（续 continued）")
    if lines:
        y = flush(top)
    return y


def _draw_signoff(pdf, signoff: SignOff, margin: float, y: float) -> None:
    pdf.setFont(CJK_FONT_NAME, 8)
    pdf.drawString(margin, y, f"编制单位 Issuing unit：{signoff.unit}（盖章 seal）")
    y -= 20
    for heading, name, date in signoff.rows():
        pdf.setFont(CJK_FONT_NAME, 8)
        pdf.drawString(margin, y, heading)
        pdf.drawString(margin + 110, y, name)
        pdf.drawString(margin + 330, y, f"日期 Date  {date}")
        y -= 22


def _pdf_value(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return f"{Decimal(value):,.2f}"
    if column.kind == "bool":
        return "是 yes" if value else "否 no"
    return str(value)
