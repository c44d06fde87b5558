"""The briefing as a 16:9 PowerPoint deck for the meeting room (python-pptx).

Slides: title; headline figures with the summary sentence; the ranking among peers (two
columns side by side when long, e.g. 63 provinces); the unit's own districts or communes;
quota attainment by district; the lagging communes in large type, split over as many slides
as needed; the trend toward the targets. Charts are the pages' figures (core.exports.charts)
rendered to PNG by the warm renderer (core.exports.render). Numbers are text written by
core.formatting (1.049, 8,67%), dates dd/mm/yyyy; the font is Arial, which every office
computer has with full Vietnamese diacritics.
"""

from __future__ import annotations

import datetime as dt
import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from core.analytics.status import NEUTRAL, light_fill
from core.exports import briefing as content
from core.exports.briefing import Briefing, Chart
from core.vocabulary import FIELD_LABELS

MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
FONT = "Arial"
WIDTH_IN, HEIGHT_IN = 13.333, 7.5
MARGIN_IN = 0.45
CONTENT_TOP_IN, CONTENT_BOTTOM_IN = 1.2, 6.9
LAG_ROWS_PER_SLIDE = 9
# Titles and headers in the dashboard's neutral colour: red, amber and green are kept for
# behind, at risk and met (core.analytics.status).
BRAND = RGBColor.from_string(NEUTRAL.lstrip("#").upper())
DARK = RGBColor(0x21, 0x21, 0x21)
GREY = RGBColor(0x61, 0x61, 0x61)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
CARD_FILL = RGBColor(0xF5, 0xF5, 0xF5)
ZEBRA_FILL = RGBColor(0xF5, 0xF5, 0xF5)
TITLE_LAYOUT, TITLE_ONLY_LAYOUT = 0, 5


def build(b: Briefing) -> bytes:
    """The deck as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDTH_IN), Inches(HEIGHT_IN)
    _title_slide(prs, b)
    _headline_slide(prs, b)
    if "ranking" in b.sections:
        _charts_slide(prs, b, b.ranking_title, content.ranking_charts(b, "ranking"))
    if "tilemap" in b.sections:
        _tilemap_slide(prs, b)
    if "children" in b.sections:
        _charts_slide(prs, b, b.children_title, content.ranking_charts(b, "children"))
    if "attainment" in b.sections:
        _charts_slide(prs, b, content.attainment_title(b), [content.attainment_chart(b)])
    if "lagging" in b.sections:
        _lagging_slides(prs, b)
    if "trend" in b.sections:
        _charts_slide(prs, b, content.TREND_TITLE, [content.trend_chart(b)],
                      note=b.outlook_line())
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------- helpers

def _text(frame, lines: list[tuple[str, int, bool, RGBColor]],
          align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    """Fill a text frame with (text, size pt, bold, colour) paragraphs, wrapped."""
    frame.word_wrap = True
    frame.clear()
    for i, (text, size, bold, colour) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        run.font.name, run.font.size, run.font.bold = FONT, Pt(size), bold
        run.font.color.rgb = colour


def _box(slide: Slide, left: float, top: float, width: float, height: float,
         lines: list[tuple[str, int, bool, RGBColor]], align: PP_ALIGN = PP_ALIGN.LEFT,
         anchor: MSO_ANCHOR = MSO_ANCHOR.TOP):
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    shape.text_frame.vertical_anchor = anchor
    _text(shape.text_frame, lines, align)
    return shape


def _slide(prs, b: Briefing, title: str) -> Slide:
    """A content slide: the title placeholder moved to the 16:9 width, and the footer."""
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    placeholder = slide.shapes.title
    placeholder.left, placeholder.top = Inches(MARGIN_IN), Inches(0.25)
    placeholder.width, placeholder.height = Inches(WIDTH_IN - 2 * MARGIN_IN), Inches(0.85)
    placeholder.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    _text(placeholder.text_frame, [(title, 26, True, BRAND)])
    line = slide.shapes.add_connector(1, Inches(MARGIN_IN), Inches(1.1),
                                      Inches(WIDTH_IN - MARGIN_IN), Inches(1.1))
    line.line.color.rgb, line.line.width = BRAND, Pt(2)
    _box(slide, MARGIN_IN, 7.0, WIDTH_IN - 2 * MARGIN_IN - 1.0, 0.35,
         [(b.footer, 11, False, GREY)])
    _box(slide, WIDTH_IN - MARGIN_IN - 1.0, 7.0, 1.0, 0.35,
         [(str(len(prs.slides)), 11, False, GREY)], align=PP_ALIGN.RIGHT)
    return slide


def _picture(slide: Slide, chart: Chart, left: float, top: float) -> None:
    slide.shapes.add_picture(io.BytesIO(chart.png), Inches(left), Inches(top),
                             Inches(chart.width_in), Inches(chart.height_in))


# -------------------------------------------------------------------------------- slides

def _title_slide(prs, b: Briefing) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, prs.slide_width, Inches(0.35))
    band.fill.solid()
    band.fill.fore_color.rgb = BRAND
    band.line.fill.background()
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top = Inches(0.8), Inches(1.3)
    title.width, title.height = Inches(WIDTH_IN - 1.6), Inches(1.9)
    _text(title.text_frame, [(content.TITLE, 36, True, BRAND)], PP_ALIGN.CENTER)
    subtitle.left, subtitle.top = Inches(0.8), Inches(3.3)
    subtitle.width, subtitle.height = Inches(WIDTH_IN - 1.6), Inches(2.2)
    _text(subtitle.text_frame, [
        (b.scope, 32, True, DARK),
        (b.subtitle, 22, False, DARK),
        ("Nội dung: " + " · ".join(content.SECTION_LABELS[s] for s in b.sections), 16, False,
         GREY),
    ], PP_ALIGN.CENTER)
    lines = [(f"Lập ngày {dt.date.today():%d/%m/%Y} từ ASXH Dashboard. Nguồn số liệu: "
              f"{b.source}.", 12, False, GREY)]
    if b.demo:
        lines.insert(0, (content.DEMO_NOTE, 16, True, BRAND))
    _box(slide, 0.8, 5.8, WIDTH_IN - 1.6, 1.3, lines, PP_ALIGN.CENTER)


def _headline_slide(prs, b: Briefing) -> None:
    slide = _slide(prs, b, f"Kết quả chung · {b.name}")
    gap = 0.2
    width = (WIDTH_IN - 2 * MARGIN_IN - gap * (len(b.cards) - 1)) / len(b.cards)
    for i, card in enumerate(b.cards):
        left = MARGIN_IN + i * (width + gap)
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(left),
                                       Inches(CONTENT_TOP_IN + 0.1), Inches(width),
                                       Inches(2.0))
        shape.adjustments[0] = 0.08
        shape.fill.solid()
        shape.fill.fore_color.rgb = CARD_FILL
        shape.line.color.rgb = RGBColor(0xBD, 0xBD, 0xBD)
        shape.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        _text(shape.text_frame, [(card.label, 15, False, GREY),
                                 (card.value, _value_size(card.value), True, DARK),
                                 (card.change, 12, False, GREY)], PP_ALIGN.CENTER)
    lines = [(b.sentence, 22, False, DARK)]
    lines += [(line, 17, False, GREY) for line in b.quota_lines]
    _box(slide, MARGIN_IN, CONTENT_TOP_IN + 2.4, WIDTH_IN - 2 * MARGIN_IN, 3.1, lines)
    slide.notes_slide.notes_text_frame.text = b.sentence


def _value_size(text: str) -> int:
    """A card's number on one line: 125.000 needs a smaller size than 4,8%."""
    return 34 if len(text) <= 6 else 28 if len(text) <= 8 else 22


def _charts_slide(prs, b: Briefing, title: str, charts: list[Chart], note: str = "") -> None:
    """Charts side by side under the title, an optional line of text under them."""
    slide = _slide(prs, b, title)
    left = MARGIN_IN
    for chart in charts:
        _picture(slide, chart, left, CONTENT_TOP_IN)
        left += chart.width_in + content.COLUMN_GAP_IN
    if note:
        top = CONTENT_TOP_IN + max(c.height_in for c in charts) + 0.05
        _box(slide, MARGIN_IN, top, WIDTH_IN - 2 * MARGIN_IN, content.NOTE_HEIGHT_IN,
             [(note, 16, False, DARK)])


def _tilemap_slide(prs, b: Briefing) -> None:
    """The tile map on the left, what it shows in words on the right."""
    slide = _slide(prs, b, content.TILEMAP_TITLE)
    chart = content.tilemap_chart(b)
    _picture(slide, chart, MARGIN_IN, CONTENT_TOP_IN)
    left = MARGIN_IN + chart.width_in + 0.5
    lines = content.tilemap_lines(b)
    _box(slide, left, CONTENT_TOP_IN + 0.2, WIDTH_IN - MARGIN_IN - left, 5.2,
         [(lines[0], 24, True, DARK), *[(line, 18, False, DARK) for line in lines[1:]]])


def _lagging_slides(prs, b: Briefing) -> None:
    rows, lights = content.lag_rows(b), content.lag_lights(b)
    pages = max(1, -(-len(rows) // LAG_ROWS_PER_SLIDE))
    for page in range(pages):
        part = slice(page * LAG_ROWS_PER_SLIDE, (page + 1) * LAG_ROWS_PER_SLIDE)
        title = content.SECTION_LABELS["lagging"] + (f" ({page + 1}/{pages})" if pages > 1
                                                     else "")
        slide = _slide(prs, b, f"{title} · {b.name}")
        _box(slide, MARGIN_IN, CONTENT_TOP_IN, WIDTH_IN - 2 * MARGIN_IN, 0.5,
             [(b.lag_summary(), 16, False, DARK)])
        if not rows:
            _box(slide, MARGIN_IN, CONTENT_TOP_IN + 1.0, WIDTH_IN - 2 * MARGIN_IN, 1.0,
                 [("Không có xã nào chậm tiến độ theo ngưỡng này.", 24, True, DARK)])
            return
        _lag_table(slide, content.lag_headers(b), rows[part], lights[part])


def _lag_table(slide: Slide, headers: list[str], rows: list[list[str]],
               lights: list[str | None]) -> None:
    """Large type for the projector: 18 pt; the rate and status cells filled with the
    commune's light (red behind, amber at risk), as on the page."""
    widths = {"STT": 0.7, "Xã, phường, thị trấn": 3.4, "Thuộc huyện": 2.2,
              FIELD_LABELS["total"]: 1.6, "Chi trả qua tài khoản": 1.7, "Tỷ lệ": 1.2,
              "Tình trạng": 2.5}
    total = sum(widths[h] for h in headers)
    scale = (WIDTH_IN - 2 * MARGIN_IN) / total
    row_height = 0.5
    shape = slide.shapes.add_table(len(rows) + 1, len(headers), Inches(MARGIN_IN),
                                   Inches(CONTENT_TOP_IN + 0.55),
                                   Inches(WIDTH_IN - 2 * MARGIN_IN),
                                   Inches(row_height * (len(rows) + 1)))
    table = shape.table
    for c, header in enumerate(headers):
        table.columns[c].width = Emu(int(Inches(widths[header] * scale)))
    numeric = {"STT", FIELD_LABELS["total"], "Chi trả qua tài khoản", "Tỷ lệ"}
    for c, header in enumerate(headers):
        cell = table.cell(0, c)
        cell.fill.solid()
        cell.fill.fore_color.rgb = BRAND
        cell.vertical_anchor = MSO_ANCHOR.MIDDLE
        _text(cell.text_frame, [(header, 15, True, WHITE)], PP_ALIGN.CENTER)
    for r, (values, light) in enumerate(zip(rows, lights, strict=True), start=1):
        table.rows[r].height = Inches(row_height)
        plain = ZEBRA_FILL if r % 2 == 0 else WHITE
        status = light_fill(light)
        lit = RGBColor.from_string(status.lstrip("#").upper()) if status else plain
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.fill.solid()
            cell.fill.fore_color.rgb = lit if headers[c] in ("Tỷ lệ", "Tình trạng") else plain
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            align = PP_ALIGN.RIGHT if headers[c] in numeric else PP_ALIGN.LEFT
            if headers[c] == "STT":
                align = PP_ALIGN.CENTER
            cell.margin_left = cell.margin_right = Inches(0.08)
            _text(cell.text_frame, [(value, 18, headers[c] == "Xã, phường, thị trấn", DARK)],
                  align)
