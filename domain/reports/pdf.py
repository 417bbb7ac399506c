"""Reports as PDF (ReportLab): DejaVu Sans embedded (the pass sheets' registration), so Vietnamese prints and
extracts intact; charts drawn as vector graphics from the same chart data as the pages' SVG."""
from __future__ import annotations

import io
from typing import Any

from ..i18n import format_number, format_percent, gettext
from ..invitations.pass_sheets import _pdf_fonts
from .charts import COLOURS, BarChart, Timeline
from .document import Document, Percent, Table

MAX_PDF_ROWS = 1000  # a longer table is cut here; the XLSX has every row
INK = (0.13, 0.13, 0.13)
GREY = (0.45, 0.45, 0.45)


def _rgb(key: str) -> Any:
    from reportlab.lib.colors import Color
    r, g, b = COLOURS.get(key, (120, 120, 120))
    return Color(r / 255, g / 255, b / 255)


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, Percent):
        return format_percent(float(v))
    if isinstance(v, bool):
        return "✓" if v else ""
    if isinstance(v, (int, float)):
        return format_number(v)
    return str(v)


def _fit(text: str, width: float, font: str, size: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _bar_chart(chart: BarChart, width: float, font: str, bold: str) -> Any:
    from reportlab.graphics.shapes import Drawing, Rect, String
    row, size = 13.0, 7.5
    label_w, note_w = width * 0.34, 48.0
    bar_w = width - label_w - note_w - 8
    legend_h = 14.0
    height = legend_h + 16 + row * len(chart.bars) + 4
    d = Drawing(width, height)
    y = height - 10
    d.add(String(0, y, chart.title, fontName=bold, fontSize=9, fillColor=_rgb("ink")))
    y -= legend_h
    x = 0.0
    for key, text in chart.legend:
        d.add(Rect(x, y - 1, 8, 8, fillColor=_rgb(key), strokeColor=None))
        d.add(String(x + 11, y, text, fontName=font, fontSize=size))
        from reportlab.pdfbase.pdfmetrics import stringWidth
        x += 11 + stringWidth(text, font, size) + 12
    y -= 6
    for bar in chart.bars:
        y -= row
        d.add(String(0, y + 3, _fit(bar.label, label_w - 6, bold if bar.strong else font, size),
                     fontName=bold if bar.strong else font, fontSize=size))
        d.add(Rect(label_w, y + 1, bar_w, row - 4, fillColor=_rgb("track"), strokeColor=None))
        for key, start, w in chart.parts(bar):
            d.add(Rect(label_w + start * bar_w, y + 1, max(w * bar_w, 0.6), row - 4, fillColor=_rgb(key),
                       strokeColor=None))
        d.add(String(label_w + bar_w + 6, y + 3, bar.note, fontName=font, fontSize=size))
    return d


def _timeline(tl: Timeline, width: float, font: str, bold: str) -> Any:
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    row, size = 13.0, 7.5
    label_w, note_w = width * 0.30, 40.0
    bar_w = width - label_w - note_w - 8
    height = 14 + 18 + row * max(len(tl.rows), 1) + 14
    d = Drawing(width, height)
    y = height - 10
    d.add(String(0, y, tl.title, fontName=bold, fontSize=9))
    top = y - 12
    bottom = top - row * max(len(tl.rows), 1)
    for frac, text in tl.ticks:
        x = label_w + frac * bar_w
        d.add(Line(x, top, x, bottom, strokeColor=_rgb("grid"), strokeWidth=0.4))
        d.add(String(x, bottom - 9, text, fontName=font, fontSize=6.5, textAnchor="middle", fillColor=_rgb("ink")))
    d.add(String(label_w, top + 3, tl.start_text, fontName=font, fontSize=6.5))
    d.add(String(label_w + bar_w, top + 3, tl.end_text, fontName=font, fontSize=6.5, textAnchor="end"))
    y = top
    for r in tl.rows:
        y -= row
        d.add(String(0, y + 3, _fit(r.label, label_w - 6, font, size), fontName=font, fontSize=size))
        d.add(Rect(label_w, y + 1, bar_w, row - 4, fillColor=_rgb("track"), strokeColor=None))
        for sp in r.spans:
            d.add(Rect(label_w + sp.start * bar_w, y + 1, max((sp.end - sp.start) * bar_w, 0.8), row - 4,
                       fillColor=_rgb("outage"), strokeColor=None))
        d.add(String(label_w + bar_w + 6, y + 3, r.note, fontName=font, fontSize=size))
    return d


def render(doc: Document) -> bytes:
    """The document as an A4 PDF (landscape when a table is wide)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import (LongTable, Paragraph, SimpleDocTemplate, Spacer,
                                    TableStyle)
    font, bold = _pdf_fonts()
    wide = any(len(t.header) > 6 for t in doc.tables if t.in_pdf)
    size = landscape(A4) if wide else A4
    buf = io.BytesIO()
    margin = 14 * mm
    footer = f"{doc.title} · {doc.subject}"

    def decorate(c: Any, d: Any) -> None:
        c.saveState()
        c.setFont(font, 7)
        c.setFillColorRGB(*GREY)
        c.drawString(margin, 8 * mm, _fit(footer, size[0] - 2 * margin - 60, font, 7))
        c.drawRightString(size[0] - margin, 8 * mm, gettext("Page %(n)s", n=d.page))
        c.restoreState()

    pdf = SimpleDocTemplate(buf, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=16 * mm, title=f"{doc.title} – {doc.subject}", author="bridgepoint",
                            creator="bridgepoint")
    width = size[0] - 2 * margin
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=15, leading=19, spaceAfter=2)
    h2 = ParagraphStyle("h2", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    small = ParagraphStyle("small", fontName=font, fontSize=7.5, leading=9.5)
    head = ParagraphStyle("head", fontName=bold, fontSize=7.5, leading=9.5)
    muted = ParagraphStyle("muted", parent=body, textColor=colors.Color(*GREY))

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    story: list[Any] = [Paragraph(esc(doc.title), h1), Paragraph(esc(doc.subject), body), Spacer(1, 4)]
    if doc.facts:
        facts = LongTable([[Paragraph(esc(k), small), Paragraph(esc(v), small)] for k, v in doc.facts],
                          colWidths=[width * 0.35, width * 0.65])
        facts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                                   ("TOPPADDING", (0, 0), (-1, -1), 1)]))
        story += [facts, Spacer(1, 6)]
    for block in doc.blocks:
        if isinstance(block, str):
            story.append(Paragraph(esc(block), muted))
        elif isinstance(block, BarChart):
            if block.bars:
                story += [Spacer(1, 6), _bar_chart(block, width, font, bold)]
        elif isinstance(block, Timeline):
            if block.rows:
                story += [Spacer(1, 6), _timeline(block, width, font, bold)]
        elif isinstance(block, Table) and block.in_pdf:
            story.append(Paragraph(esc(block.title), h2))
            if not block.rows:
                story.append(Paragraph(esc(block.empty or gettext("Nothing to report.")), muted))
                continue
            shown = block.rows[:MAX_PDF_ROWS]
            weights = list(block.widths) or [1] * len(block.header)
            unit = width / sum(weights)
            numeric = [all(isinstance(r[i], (int, float)) or r[i] in (None, "") for r in shown[:50])
                       for i in range(len(block.header))]
            data = [[Paragraph(esc(h), head) for h in block.header]]
            room = [w * unit - 5 for w in weights]  # the cell's padding off

            def cell(i: int, v: object) -> Any:
                text = _cell(v)
                if numeric[i] or stringWidth(text, font, 7.5) <= room[i]:
                    return text  # a plain string: a Paragraph only where the text must wrap (ten times slower)
                return Paragraph(esc(text), small)
            for r in shown:
                data.append([cell(i, v) for i, v in enumerate(r)])
            t = LongTable(data, colWidths=[w * unit for w in weights], repeatRows=1)
            style = [("FONTNAME", (0, 1), (-1, -1), font), ("FONTSIZE", (0, 1), (-1, -1), 7.5),
                     ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                     ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.95, 0.96, 0.97)]),
                     ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
            style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, n in enumerate(numeric) if n]
            t.setStyle(TableStyle(style))
            story.append(t)
            if len(block.rows) > MAX_PDF_ROWS:
                story.append(Paragraph(esc(gettext(
                    "The first %(n)s of %(total)s rows; the Excel file has all of them.",
                    n=format_number(MAX_PDF_ROWS), total=format_number(len(block.rows)))), muted))
    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()
