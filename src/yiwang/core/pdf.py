"""Shared PDF helpers (reportlab) for guides, notices and licences.

The whole API::

    from yiwang.core.pdf import base_document, paragraph, rich_text, styles

    buffer = io.BytesIO()
    doc = base_document(buffer, "食品经营许可办事指南")       # A4, header + "第 N 页" footer
    doc.build([paragraph("标题", "title"), paragraph("正文……")])
    pdf_bytes = buffer.getvalue()

* Chinese text is set in WenQuanYi Micro Hei, registered as ``"WQY"`` (Debian package
  ``fonts-wqy-microhei``, installed by ``scripts/system-packages.sh``). A missing font file is
  logged as an error and raises :class:`PdfFontMissing`; callers that keep a record without its
  file (notices) show "生成失败", never a PDF that is forever "being generated".
* reportlab has no automatic glyph fallback, so :func:`rich_text` wraps every character that WQY
  lacks (rare characters in names, e.g. "䶮", "𠈌") in ``<font name="HanaMinA">`` (BMP) or
  ``"HanaMinB"`` (supplementary planes) from the Hanazono fonts (``fonts-hanazono``). Use it (or
  :func:`paragraph`, which calls it) for every piece of user data put into a ``Paragraph``.
* :func:`styles` returns paragraph styles with ``wordWrap="CJK"``: ``title``, ``heading``, ``body``,
  ``small`` and ``cell`` (for table cells).
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from django.core.exceptions import ImproperlyConfigured
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

logger = logging.getLogger(__name__)

FONT = "WQY"
WQY_PATH = os.environ.get("YIWANG_PDF_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FALLBACK_FONTS = {
    "HanaMinA": os.environ.get("YIWANG_PDF_FALLBACK_A", "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"),
    "HanaMinB": os.environ.get("YIWANG_PDF_FALLBACK_B", "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
}


class PdfFontMissing(ImproperlyConfigured):
    """The Chinese font is not installed: no PDF can be made until it is."""


@cache
def register_fonts() -> TTFont:
    """Register WQY (once) and return it. Raises :class:`PdfFontMissing` if the file is missing."""
    if not os.path.exists(WQY_PATH):
        message = (
            f"PDF font not found at {WQY_PATH}: no PDF can be generated. Install the Debian package "
            "fonts-wqy-microhei (scripts/system-packages.sh run) or point YIWANG_PDF_FONT at a "
            "WenQuanYi Micro Hei file"
        )
        logger.error(message)
        raise PdfFontMissing(message)
    font = TTFont(FONT, WQY_PATH, subfontIndex=0)
    pdfmetrics.registerFont(font)
    return font


@cache
def _fallback(name: str) -> bool:
    """Register a Hanazono fallback font on first use; ``False`` if it is not installed."""
    path = FALLBACK_FONTS[name]
    if not os.path.exists(path):
        return False
    pdfmetrics.registerFont(TTFont(name, path))
    return True


def _covered(codepoint: int) -> bool:
    return codepoint in register_fonts().face.charToGlyph or codepoint < 0x20


def rich_text(text: Any) -> str:
    """``text`` escaped for a reportlab ``Paragraph``, with characters WQY lacks in a fallback font.

    Newlines become ``<br/>``. Characters no installed font covers are left as they are.
    """
    value = "" if text is None else str(text)
    out: list[str] = []
    run: list[str] = []
    run_font = ""

    def flush() -> None:
        if run:
            chunk = escape("".join(run))
            out.append(f'<font name="{run_font}">{chunk}</font>' if run_font else chunk)
            run.clear()

    for char in value:
        if char == "\n":
            flush()
            out.append("<br/>")
            continue
        codepoint = ord(char)
        font = ""
        if not _covered(codepoint):
            candidate = "HanaMinB" if codepoint >= 0x20000 else "HanaMinA"
            font = candidate if _fallback(candidate) else ""
        if font != run_font:
            flush()
            run_font = font
        run.append(char)
    flush()
    return "".join(out)


@cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in WQY with CJK line breaking."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4,
                                  textColor=colors.HexColor("#8b1a1a")),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=13, spaceAfter=0),
    }


def paragraph(text: Any, style: str = "body") -> Paragraph:
    """A ``Paragraph`` of plain (untrusted) text in one of :func:`styles`."""
    return Paragraph(rich_text(text), styles()[style])


class YiwangDocument(SimpleDocTemplate):
    """A4 document whose every page carries the title as header and "第 N 页" as footer."""

    def __init__(self, buffer: BinaryIO, title: str, **kwargs: Any) -> None:
        register_fonts()
        kwargs.setdefault("pagesize", A4)
        kwargs.setdefault("leftMargin", 20 * mm)
        kwargs.setdefault("rightMargin", 20 * mm)
        kwargs.setdefault("topMargin", 22 * mm)
        kwargs.setdefault("bottomMargin", 20 * mm)
        super().__init__(buffer, title=title, author=kwargs.pop("author", "一网 Yiwang"),
                         creator="Yiwang", **kwargs)
        self.header = title

    def _decorate(self, canvas: Any, doc: Any) -> None:
        width, height = self.pagesize
        canvas.saveState()
        canvas.setFont(FONT, 8.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        header = "".join(c for c in self.header if _covered(ord(c)))  # header: plain text, no fallback
        canvas.drawString(self.leftMargin, height - 14 * mm, header)
        canvas.setStrokeColor(colors.HexColor("#cccccc"))
        canvas.line(self.leftMargin, height - 16 * mm, width - self.rightMargin, height - 16 * mm)
        canvas.drawCentredString(width / 2, 11 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    def build(self, flowables: list, **kwargs: Any) -> None:  # type: ignore[override]
        kwargs.setdefault("onFirstPage", self._decorate)
        kwargs.setdefault("onLaterPages", self._decorate)
        super().build(flowables, **kwargs)


def base_document(buffer: BinaryIO, title: str, **kwargs: Any) -> YiwangDocument:
    """An A4 :class:`YiwangDocument` writing into ``buffer``; call ``.build(flowables)``."""
    return YiwangDocument(buffer, title, **kwargs)
