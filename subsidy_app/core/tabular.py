"""Tables out of the system: CSV, Excel and long PDF listings from one column list.

Every writer takes the rows as an iterable and never holds them all: CSV is yielded in
chunks, Excel is written by openpyxl's write-only mode to a file, and a long PDF listing is
drawn page by page on a reportlab canvas (platypus tables and xhtml2pdf take tens of seconds
on long tables; document-style reports use xhtml2pdf, see reports/pdf.py).

Headers are bilingual (``中文 English``) in Excel and PDF; CSV keeps the machine names the
API uses, so that tools can read it.
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


def csv_chunks(columns: list[Column], rows: Iterable[dict], *, every: int = 5000) -> Iterator[str]:
    """CSV text in chunks of ``every`` rows (UTF-8, no BOM: it is for tools; people get
    the .xlsx)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.key for c in columns])
    for number, row in enumerate(rows, start=1):
        writer.writerow([csv_value(c, row.get(c.key)) for c in columns])
        if number % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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


def write_pdf_listing(
    target,
    *,
    title: str,
    subtitle: str,
    columns: list[Column],
    rows: Iterable[dict],
    totals: Callable[[], list[tuple[str, dict]]] | None = None,
    second_line: Callable[[dict], str] | None = None,
) -> int:
    """A landscape A4 listing drawn directly on the canvas, page by page; returns the pages.

    ``totals`` is called once the rows are drawn and gives closing rows, each with the label
    of its first column. ``second_line`` gives a small line under each row (the ledger puts
    the hashes there).
    """
    from reportlab.lib.pagesizes import A4, landscape  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)
    from reportlab.pdfgen import canvas  # noqa: PLC0415 (openpyxl and reportlab are loaded when an export is made)

    register_reportlab_font()
    width, height = landscape(A4)
    margin, font_size = 28, 6.5
    row_height = font_size + 2 + (font_size if second_line else 0)
    usable = width - 2 * margin
    total_width = sum(c.width for c in columns)
    xs, x = [], margin
    for column in columns:
        xs.append(x)
        x += usable * column.width / total_width
    pdf = canvas.Canvas(target, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor("山西省引进外国人才资助管理系统")
    page = 0

    def start_page() -> float:
        nonlocal page
        page += 1
        pdf.setFont(CJK_FONT_NAME, 11)
        pdf.drawString(margin, height - margin, title)
        pdf.setFont(CJK_FONT_NAME, 7)
        pdf.drawString(margin, height - margin - 12, subtitle)
        pdf.drawRightString(width - margin, margin - 14, f"第 {page} 页 page {page}")
        y = height - margin - 30
        pdf.setFont(CJK_FONT_NAME, font_size)
        for column, left in zip(columns, xs):
            pdf.drawString(left, y, column.zh)
            pdf.drawString(left, y - font_size - 1, column.en)
        y -= 2 * font_size + 3
        pdf.line(margin, y + font_size, width - margin, y + font_size)
        return y

    def draw_row(y: float, values: dict, bold_first: str | None = None) -> None:
        for i, (column, left) in enumerate(zip(columns, xs)):
            if i == 0 and bold_first:
                pdf.drawString(left, y, bold_first)  # a label, left-aligned whatever the column
                continue
            text = _pdf_value(column, values.get(column.key))
            if column.kind in ("money", "int"):
                right = xs[i + 1] - 3 if i + 1 < len(xs) else width - margin
                pdf.drawRightString(right, y, text)
            else:
                pdf.drawString(left, y, text)

    y = start_page()
    for row in rows:
        if y < margin + row_height:
            pdf.showPage()
            y = start_page()
        pdf.setFont(CJK_FONT_NAME, font_size)
        draw_row(y, row)
        if second_line:
            pdf.setFont("Courier", font_size - 1.5)
            pdf.drawString(xs[0] + 8, y - font_size, second_line(row))
        y -= row_height
    if totals is not None:
        pdf.setFont(CJK_FONT_NAME, font_size)
        pdf.line(margin, y + font_size, width - margin, y + font_size)
        for label, values in totals():
            if y < margin + row_height:
                pdf.showPage()
                y = start_page()
            pdf.setFont(CJK_FONT_NAME, font_size)
            draw_row(y, values, bold_first=label)
            y -= font_size + 2
    pdf.showPage()
    pdf.save()
    return page


def _pdf_value(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return f"{Decimal(value):,.2f}"
    if column.kind == "bool":
        return "是 yes" if value else "否 no"
    return str(value)
