"""The CJK font every PDF embeds: WenQuanYi Micro Hei (文泉驿微米黑), shipped in the package
(static/fonts, Apache-2.0; see the LICENSE file beside it), so that nothing is fetched at
run time and Chinese renders and extracts the same on every machine. The file is the first
face of Debian's wqy-microhei.ttc saved as a plain TrueType font, which both reportlab and
xhtml2pdf read; it has Latin and CJK glyphs, so one font serves the whole page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CJK_FONT_PATH = Path(__file__).resolve().parent.parent / "static" / "fonts" / "wqy-microhei.ttf"
CJK_FONT_NAME = "WenQuanYiMicroHei"


@cache
def register_reportlab_font() -> str:
    """Register the font with reportlab once per process; returns its name."""
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415 (reportlab is loaded when a PDF is made)
    from reportlab.pdfbase.ttfonts import TTFont  # noqa: PLC0415 (reportlab is loaded when a PDF is made)

    pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(CJK_FONT_PATH)))
    return CJK_FONT_NAME
