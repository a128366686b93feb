"""The licence certificate (电子证照) as an A4 landscape PDF.

Everything shown comes from the licence's signed ``data``; the signed payload itself is embedded
in the PDF's ``/Keywords`` (see :mod:`yiwang.licences.signing`) so that an uploaded copy can be
verified. The QR code (segno, drawn as vector squares) and a link annotation carry the absolute
verification URL. Text is set in WQY with the Hanazono fallback for rare characters
(:func:`yiwang.core.pdf.rich_text`). The canvas runs in reportlab's ``invariant`` mode, so the same
licence always renders to the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.urls import reverse
from django.utils.http import urlencode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from yiwang.core.pdf import FONT, register_fonts, rich_text
from yiwang.licences.models import Licence
from yiwang.licences.signing import Signed, payload_encode

RED = colors.HexColor("#b3261e")
INK = colors.HexColor("#222222")
GREY = colors.HexColor("#555555")


def site_url() -> str:
    from yiwang.core.site import public_base_url

    return public_base_url()


def verify_url(licence: Licence) -> str:
    path = reverse("licences:verify", kwargs={"number": licence.number})
    return f"{site_url()}{path}?{urlencode({'code': licence.verify_code})}"


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw ``text`` as a QR code (error correction M, 2-module quiet zone) in a ``size`` square."""
    qr = segno.make(text, error="m")
    rows = [list(row) for row in qr.matrix_iter(border=2)]
    module = size / len(rows)
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        c = 0
        while c < len(row):  # merge runs of dark modules into one rectangle
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                canvas.rect(x + start * module, top, (c - start) * module, module, stroke=0, fill=1)
            else:
                c += 1
    canvas.restoreState()


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("lic", fontName=FONT, fontSize=12, leading=18, wordWrap="CJK", textColor=INK,
                          alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("lic-title", parent=base, fontSize=30, leading=38, alignment=TA_CENTER,
                                textColor=RED),
        "sub": ParagraphStyle("lic-sub", parent=base, fontSize=11, leading=16, alignment=TA_CENTER, textColor=GREY),
        "label": ParagraphStyle("lic-label", parent=base, textColor=GREY),
        "value": base,
        "small": ParagraphStyle("lic-small", parent=base, fontSize=6.5, leading=8.5, textColor=GREY,
                                wordWrap="LTR", splitLongWords=True),
        "seal": ParagraphStyle("lic-seal", parent=base, fontSize=12, leading=17, alignment=TA_CENTER),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(rich_text(text), style)


def _date(value: Any) -> str:
    if not value:
        return "长期"
    text = str(value)
    parts = text.split("-")
    if len(parts) == 3:
        return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"
    return text


def _draw_seal(canvas: Canvas, cx: float, cy: float, radius: float, department: str) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setFillColor(RED)
    canvas.setLineWidth(2)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    canvas.setFont(FONT, 7)
    canvas.drawCentredString(cx, cy + radius * 0.35, department[:14])
    canvas.setFont(FONT, 20)
    canvas.drawCentredString(cx, cy - 7, "★")
    canvas.setFont(FONT, 8)
    canvas.drawCentredString(cx, cy - radius * 0.6, "电子印章")
    canvas.restoreState()


def render_licence_pdf(licence: Licence) -> bytes:
    """The certificate of ``licence`` (its stored data, digest and signature)."""
    data: dict[str, Any] = licence.data
    signed = Signed(digest=licence.data_digest, signature=licence.signature, public_key=licence.public_key)
    st = _styles()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    title = str(data.get("title") or "电子证照")
    canvas.setTitle(f"{title} {licence.number}")
    canvas.setAuthor(str(data.get("issuer", {}).get("name", "")))
    canvas.setSubject(f"电子证照 {licence.number}")
    canvas.setCreator("Yiwang 一网")
    canvas.setKeywords(payload_encode(kind="licence", data=data, signed=signed))

    # frame
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(3)
    canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)

    # title
    heading = _p(title, st["title"])
    _, h = heading.wrap(width - 60 * mm, 40 * mm)
    heading.drawOn(canvas, 30 * mm, height - 24 * mm - h)
    sub = _p(f"（电子证照）　编号：{licence.number}", st["sub"])
    _, sh = sub.wrap(width - 60 * mm, 20 * mm)
    sub.drawOn(canvas, 30 * mm, height - 27 * mm - h - sh)

    # body table
    holder = data.get("holder", {})
    rows: list[tuple[str, Any]] = [("持证人", holder.get("name", ""))]
    if holder.get("credit_code"):
        rows.append(("统一社会信用代码", holder["credit_code"]))
    if holder.get("id_masked"):
        rows.append(("证件号码", holder["id_masked"]))
    rows.append(("许可事项", data.get("item", {}).get("name", "")))
    for entry in data.get("contents", []):
        if isinstance(entry, list | tuple) and len(entry) == 2:
            rows.append((str(entry[0]), entry[1]))
    rows.append(("有效期限", f"{_date(data.get('valid_from'))} 至 {_date(data.get('valid_until'))}"))
    if data.get("case_number"):
        rows.append(("办件编号", data["case_number"]))
    table = Table([[_p(label, st["label"]), _p(value, st["value"])] for label, value in rows],
                  colWidths=[40 * mm, 150 * mm])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#dddddd")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    _, th = table.wrap(190 * mm, 110 * mm)
    table.drawOn(canvas, 25 * mm, height - 52 * mm - th)

    # QR code and link
    url = verify_url(licence)
    qr_size = 42 * mm
    qx, qy = width - 25 * mm - qr_size, height - 52 * mm - qr_size
    draw_qr(canvas, url, qx, qy, qr_size)
    canvas.linkURL(url, (qx, qy, qx + qr_size, qy + qr_size), relative=0)
    canvas.setFont(FONT, 9)
    canvas.setFillColor(GREY)
    canvas.drawCentredString(qx + qr_size / 2, qy - 5 * mm, "扫码核验证照真伪")

    # issuer, date and seal
    issuer = str(data.get("issuer", {}).get("name", ""))
    seal_x, seal_y = width - 62 * mm, 52 * mm
    _draw_seal(canvas, seal_x, seal_y, 19 * mm, issuer)
    issued = Paragraph(f"发证机关：{rich_text(issuer)}<br/>发证日期：{rich_text(_date(data.get('issue_date')))}",
                       st["seal"])
    _, ih = issued.wrap(90 * mm, 30 * mm)
    issued.drawOn(canvas, seal_x - 45 * mm, seal_y - 19 * mm - ih - 2 * mm)

    # signature block (small print)
    small = _p(f"数据摘要 SM3：{signed.digest}\nSM2 签名：{signed.signature}\n签名公钥：{signed.public_key}\n"
               f"核验地址：{url}", st["small"])
    small.wrap(150 * mm, 40 * mm)
    small.drawOn(canvas, 25 * mm, 16 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
