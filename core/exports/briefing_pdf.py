"""The briefing as an A4 landscape PDF, to send by Zalo or e-mail (reportlab).

The same content as the deck (core.exports.briefing) laid out for pages: the headline figures and
summary first, then one section per page, the lagging communes as a table that runs over as
many pages as it needs with its header repeated. The charts are the deck's own images (same
pixel size, so a PDF made after the deck reuses them from core.exports.render's cache).

Text is set in DejaVu Sans, embedded: it carries every Vietnamese letter with its tone marks,
and an embedded font reads the same on any phone. The font comes from Debian's
fonts-dejavu-core package (/usr/share/fonts/truetype/dejavu).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.analytics.status import NEUTRAL, light_fill
from core.errors import UserError
from core.exports import briefing as content
from core.exports.briefing import Briefing, Chart
from core.vocabulary import FIELD_LABELS

MIME = "application/pdf"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
PAGE = landscape(A4)
MARGIN = 14 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN
FRAME_HEIGHT = PAGE[1] - 2 * MARGIN - 8 * mm  # the footer's band
BRAND = colors.HexColor(NEUTRAL)  # red, amber and green are kept for the lights
DARK = colors.HexColor("#212121")
GREY = colors.HexColor("#616161")
CARD_FILL = colors.HexColor("#f5f5f5")
MSG_NO_FONT = ("Không tìm thấy phông chữ DejaVu Sans để viết tiếng Việt trong tệp PDF; cài gói "
               "fonts-dejavu-core (Debian/Ubuntu).")


def build(b: Briefing) -> bytes:
    """The briefing as PDF bytes."""
    _register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 8 * mm,
                            title=f"{content.TITLE} · {b.name} · {b.as_of:%d/%m/%Y}",
                            author="ASXH Dashboard", subject=b.sentence, lang="vi",
                            initialFontName=FONT)  # no Helvetica, which has no Vietnamese
    story = _front(b)
    for section in b.sections[1:]:
        story += [PageBreak(), *SECTIONS[section](b)]

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, MARGIN, b.footer)
        canvas.drawRightString(PAGE[0] - MARGIN, MARGIN, f"Trang {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


@cache
def _register_fonts() -> None:
    for name, file_name in FONT_FILES.items():
        path = find_font(file_name)
        if path is None:
            raise UserError(MSG_NO_FONT)
        pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT,
                                  boldItalic=FONT_BOLD)


def find_font(file_name: str) -> str | None:
    for folder in FONT_DIRS:
        path = os.path.join(folder, file_name)
        if os.path.isfile(path):
            return path
    return None


# -------------------------------------------------------------------------------- pieces

def _style(size: float, *, bold: bool = False, colour=DARK, align: int = 0,
           leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(f"s{size}{bold}{align}", fontName=FONT_BOLD if bold else FONT,
                          fontSize=size, leading=leading or size * 1.3, textColor=colour,
                          alignment=align)


def _p(text: str, size: float, **style) -> Paragraph:
    return Paragraph(escape(text), _style(size, **style))


def _heading(text: str) -> list:
    return [_p(text, 17, bold=True, colour=BRAND), Spacer(1, 3 * mm)]


def _image(chart: Chart, width: float, height: float) -> Image:
    """The chart scaled to fit width x height (points), its shape kept."""
    scale = min(width / chart.width_in, height / chart.height_in)
    return Image(io.BytesIO(chart.png), chart.width_in * scale, chart.height_in * scale)


def _charts(charts: list[Chart], height: float) -> list:
    if len(charts) == 1:
        return [_image(charts[0], FRAME_WIDTH, height)]
    width = FRAME_WIDTH / len(charts)
    row = Table([[_image(c, width - 2 * mm, height) for c in charts]],
                colWidths=[width] * len(charts))
    row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONT", (0, 0), (-1, -1), FONT),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [row]


def _table(headers: list[str], rows: list[list[str]], widths: list[float],
           numeric: set[int], fills: dict[tuple[int, int], colors.Color] | None = None,
           size: float = 10) -> Table:
    """A table with a header repeated on every page it runs over; `fills` colours cells
    given as (column, row) with the row counted from 1 under the header."""
    head = [Paragraph(escape(h), _style(size - 1, bold=True, colour=colors.white,
                                        align=TA_CENTER)) for h in headers]
    body = [[escape(v) for v in r] for r in rows]
    table = Table([head, *body], colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("BACKGROUND", (0, 0), (-1, 0), BRAND),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9e9e9e")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, CARD_FILL]),
        ("TOPPADDING", (0, 1), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 4),
    ]
    style += [("ALIGN", (c, 1), (c, -1), "RIGHT") for c in numeric]
    style += [("BACKGROUND", (c, r), (c, r), fill) for (c, r), fill in (fills or {}).items()]
    table.setStyle(TableStyle(style))
    return table


# ------------------------------------------------------------------------------ sections

def _front(b: Briefing) -> list:
    story = [_p(content.TITLE, 18, bold=True, colour=BRAND, align=TA_CENTER),
             Spacer(1, 2 * mm), _p(b.scope, 16, bold=True, align=TA_CENTER),
             _p(b.subtitle, 12, align=TA_CENTER)]
    if b.demo:
        story += [Spacer(1, 1 * mm), _p(content.DEMO_NOTE, 11, bold=True, colour=BRAND,
                                        align=TA_CENTER)]
    story += [Spacer(1, 6 * mm), _cards(b), Spacer(1, 6 * mm), _p(b.sentence, 14)]
    story += [_p(line, 11, colour=GREY) for line in b.quota_lines]
    story += [Spacer(1, 6 * mm),
              _p("Nội dung: " + " · ".join(content.SECTION_LABELS[s] for s in b.sections),
                 9, colour=GREY),
              _p(f"Lập ngày {dt.date.today():%d/%m/%Y} từ ASXH Dashboard. Nguồn số liệu: "
                 f"{b.source}.", 8, colour=GREY)]
    return story


def _cards(b: Briefing) -> Table:
    cells = [[_p(c.label, 9, colour=GREY, align=TA_CENTER),
              _p(c.value, 22, bold=True, align=TA_CENTER, leading=27),
              _p(c.change, 8, colour=GREY, align=TA_CENTER)] for c in b.cards]
    width = FRAME_WIDTH / len(cells)
    table = Table([cells], colWidths=[width] * len(cells))
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT),
        ("BACKGROUND", (0, 0), (-1, -1), CARD_FILL),
        ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#bdbdbd")),
        ("INNERGRID", (0, 0), (-1, -1), 3, colors.white),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    return table


def _ranking(b: Briefing) -> list:
    return [*_heading(b.ranking_title),
            *_charts(content.ranking_charts(b, "ranking"), FRAME_HEIGHT - 14 * mm)]


def _tilemap(b: Briefing) -> list:
    chart = content.tilemap_chart(b)
    image = _image(chart, FRAME_WIDTH * 0.4, FRAME_HEIGHT - 24 * mm)
    lines = content.tilemap_lines(b)
    words = [_p(lines[0], 14, bold=True), Spacer(1, 3 * mm),
             *[_p(line, 11) for line in lines[1:]]]
    row = Table([[image, words]], colWidths=[image.drawWidth + 8 * mm, None])
    row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("FONT", (0, 0), (-1, -1), FONT),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [*_heading(content.TILEMAP_TITLE), row]


def _children(b: Briefing) -> list:
    return [*_heading(b.children_title),
            *_charts(content.ranking_charts(b, "children"), FRAME_HEIGHT - 14 * mm)]


def _attainment(b: Briefing) -> list:
    widths = [0.22, 0.16, 0.09, 0.11, 0.11, 0.11, 0.1, 0.1]
    return [*_heading(content.attainment_title(b)),
            *_charts([content.attainment_chart(b)], 86 * mm), Spacer(1, 3 * mm),
            _table(content.attainment_headers(b), content.attainment_rows(b),
                   [w * FRAME_WIDTH for w in widths], numeric={2, 3, 4, 5, 6, 7},
                   fills=_light_fills(content.attainment_lights(b), (1, 6)), size=9)]


def _light_fills(lights: list[str | None], columns: tuple[int, ...]) -> dict:
    """Cells of `columns` filled with each row's light (analytics.status), rows without one left."""
    return {(c, r): colors.HexColor(light_fill(light))
            for r, light in enumerate(lights, start=1) if light_fill(light) for c in columns}


def _lagging(b: Briefing) -> list:
    story = [*_heading(f"{content.SECTION_LABELS['lagging']} · {b.name}"),
             _p(b.lag_summary(), 11), Spacer(1, 3 * mm)]
    rows = content.lag_rows(b)
    if not rows:
        return [*story, _p("Không có xã nào chậm tiến độ theo ngưỡng này.", 14, bold=True)]
    headers = content.lag_headers(b)
    share = {"STT": 0.06, "Xã, phường, thị trấn": 0.25, "Thuộc huyện": 0.17,
             FIELD_LABELS["total"]: 0.12, "Chi trả qua tài khoản": 0.13, "Tỷ lệ": 0.09,
             "Tình trạng": 0.15}
    total = sum(share[h] for h in headers)
    widths = [share[h] / total * FRAME_WIDTH for h in headers]
    numeric = {i for i, h in enumerate(headers)
               if h in (FIELD_LABELS["total"], "Chi trả qua tài khoản", "Tỷ lệ")}
    fills = _light_fills(content.lag_lights(b), (headers.index("Tỷ lệ"),
                                                 headers.index("Tình trạng")))
    return [*story, _table(headers, rows, widths, numeric, fills, size=11)]


def _trend(b: Briefing) -> list:
    return [*_heading(content.TREND_TITLE),
            *_charts([content.trend_chart(b)], FRAME_HEIGHT - 30 * mm), Spacer(1, 3 * mm),
            _p(b.outlook_line(), 12)]


SECTIONS = {"ranking": _ranking, "tilemap": _tilemap, "children": _children,
            "attainment": _attainment, "lagging": _lagging, "trend": _trend}
