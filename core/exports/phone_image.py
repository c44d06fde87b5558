"""A phone-sized picture of a unit's headline figures and its lagging communes, to post in a
Zalo group (Pillow).

1080 px wide (a phone screen's pixels: Zalo shows it edge to edge without shrinking) and as
tall as its content. Type is at least 30 px, about 11 pt on a phone, the names 38 px bold.
The content is the briefing's (core.exports.briefing): the same cards, sentence and list as the deck
and the PDF, coloured by the one rule (core.analytics.status). Text is DejaVu Sans, the PDF's font,
which carries every Vietnamese tone mark.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from core import formatting as fmt
from core.analytics.status import (
    AMBER,
    NEUTRAL,
    RATE_LIGHT_LABELS,
    RED,
    light_colour,
)
from core.catalogue.units import by_code
from core.errors import UserError
from core.exports import briefing as content
from core.exports.briefing import Briefing
from core.exports.briefing_pdf import FONT_FILES, MSG_NO_FONT, find_font
from core.vocabulary import DISTRICT, REASON_LABELS

MIME = "image/png"
WIDTH = 1080
PAD = 48
MAX_ROWS = 30
INK, GREY, RULE, CARD = "#111111", "#546e7a", "#cfd8dc", "#f3f5f7"
TITLE = "TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT"


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = find_font(FONT_FILES["DejaVuSans-Bold" if bold else "DejaVuSans"])
    if path is None:
        raise UserError(MSG_NO_FONT)
    return ImageFont.truetype(path, size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """The text shortened with an ellipsis to fit one line (a very long commune name)."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


class _Canvas:
    """Draws top to bottom on a tall page, then crops it to what was drawn."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH, 12000), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.y = 0

    def height(self, text: str, size: int, *, bold: bool = False, gap: int = 10,
               width: int = WIDTH - 2 * PAD) -> int:
        """How tall `text` would be drawn."""
        return len(_wrap(self.draw, text, _font(size, bold), width)) * round(size * 1.3) + gap

    def text(self, text: str, size: int, *, bold: bool = False, colour: str = INK,
             gap: int = 10, x: int = PAD, width: int = WIDTH - 2 * PAD) -> None:
        font = _font(size, bold)
        for line in _wrap(self.draw, text, font, width):
            self.draw.text((x, self.y), line, font=font, fill=colour)
            self.y += round(size * 1.3)
        self.y += gap

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.crop((0, 0, WIDTH, self.y)).save(out, "PNG", optimize=True)
        return out.getvalue()


def build(b: Briefing) -> bytes:
    """The picture as PNG bytes, WIDTH pixels wide."""
    c = _Canvas()
    _header(c, b)
    _cards(c, b)
    c.text(b.sentence, 34, gap=28)
    if "lagging" in b.sections:
        _lagging(c, b)
    _footer(c, b)
    return c.png()


def _header(c: _Canvas, b: Briefing) -> None:
    """The title band: what, where, when."""
    lines = [(TITLE, 30, True, "#ffffff", 6), (b.scope, 46, True, "#ffffff", 6),
             (b.subtitle, 32, False, "#e3eaf2", 30)]
    band = 36 + sum(c.height(t, size, bold=bold, gap=gap) for t, size, bold, _, gap in lines)
    c.draw.rectangle((0, c.y, WIDTH, c.y + band), fill=NEUTRAL)
    c.y += 36
    for text, size, bold, colour, gap in lines:
        c.text(text, size, bold=bold, colour=colour, gap=gap)
    if b.demo:
        c.y += 16
        c.text(content.DEMO_NOTE, 30, bold=True, colour=INK, gap=0)
    c.y += 28


def _cards(c: _Canvas, b: Briefing) -> None:
    """The headline figures two by two; the rate's value in its light's colour."""
    cards = [card for card in b.cards if not card.label.startswith("Xếp hạng")]
    rank = next((card for card in b.cards if card.label.startswith("Xếp hạng")), None)
    gap, height = 24, 200
    width = (WIDTH - 2 * PAD - gap) // 2
    light = b.thresholds.light(b.rate_pct)
    for i, card in enumerate(cards):
        x = PAD + (i % 2) * (width + gap)
        y = c.y + (i // 2) * (height + gap)
        c.draw.rounded_rectangle((x, y, x + width, y + height), radius=18, fill=CARD)
        c.draw.text((x + 28, y + 22), card.label, font=_font(30), fill=GREY)
        c.draw.text((x + 28, y + 66), card.value, font=_font(66, True), fill=INK)
        if card.label == "Tỷ lệ" and light:  # the rate's light as a dot beside its label
            dot = x + 28 + int(c.draw.textlength(card.label, font=_font(30))) + 16
            c.draw.ellipse((dot, y + 28, dot + 28, y + 56), fill=light_colour(light))
        c.draw.text((x + 28, y + 150), card.change, font=_font(30), fill=GREY)
    c.y += -(-len(cards) // 2) * (height + gap) + 8
    if rank is not None and "/" in rank.value and int(rank.value.split("/")[1]) >= 3:
        c.text(f"{rank.label}: {rank.value}" + (f" ({rank.change})" if rank.change else ""),
               36, bold=True, gap=20)


def _lagging(c: _Canvas, b: Briefing) -> None:
    c.draw.line((PAD, c.y, WIDTH - PAD, c.y), fill=RULE, width=3)
    c.y += 24
    c.text(content.SECTION_LABELS["lagging"], 44, bold=True, colour=NEUTRAL, gap=4)
    c.text(b.lag_summary(), 30, colour=GREY, gap=20)
    table = b.lagging
    if table is None or table.empty:
        c.text("Không có xã nào chậm tiến độ theo ngưỡng này.", 36, bold=True, gap=24)
        return
    lights = content.lag_lights(b)
    with_district = by_code()[b.unit].level < DISTRICT
    name_font, rate_font = _font(38, True), _font(38, True)
    for i, (r, light) in enumerate(zip(table.itertuples(index=False), lights, strict=True)):
        if i == MAX_ROWS:
            c.text(f"… và {len(table) - MAX_ROWS} xã khác (danh sách đầy đủ trong tệp Excel "
                   f"trên trang «Xã chậm tiến độ»).", 30, colour=GREY, gap=16)
            break
        y = c.y
        if i % 2:
            c.draw.rectangle((0, y - 8, WIDTH, y + 96), fill="#f7f9fa")
        c.draw.ellipse((PAD, y + 10, PAD + 30, y + 40), fill=light_colour(light))
        rate = fmt.percent(r.rate_pct)
        rate_width = c.draw.textlength(rate, font=rate_font)
        name = _fit(c.draw, f"{i + 1}. {r.name}", name_font,
                    WIDTH - 2 * PAD - 50 - int(rate_width) - 30)
        c.draw.text((PAD + 50, y), name, font=name_font, fill=INK)
        c.draw.text((WIDTH - PAD - rate_width, y), rate, font=rate_font, fill=INK)
        parts = ([by_code()[by_code()[r.code].parent_code].name] if with_district else [])
        parts.append(REASON_LABELS.get(r.reason, r.reason))
        c.draw.text((PAD + 50, y + 50), " · ".join(parts), font=_font(30), fill=GREY)
        c.y += 104
    c.y += 12


def _footer(c: _Canvas, b: Briefing) -> None:
    c.draw.line((PAD, c.y, WIDTH - PAD, c.y), fill=RULE, width=3)
    c.y += 20
    t = b.thresholds
    key = [(RED, f"{RATE_LIGHT_LABELS[RED]}: dưới {fmt.percent(t.red_below)}"),
           (AMBER, f"{RATE_LIGHT_LABELS[AMBER]}: {fmt.percent(t.red_below)} đến dưới "
                   f"{fmt.percent(t.green_from)}"),
           (None, REASON_LABELS["not_reported"])]
    x = PAD
    for light, label in key:
        width = 36 + int(c.draw.textlength(label, font=_font(30)))
        if x > PAD and x + width > WIDTH - PAD:  # the key wraps like text
            x, c.y = PAD, c.y + 46
        c.draw.ellipse((x, c.y + 6, x + 26, c.y + 32), fill=light_colour(light))
        c.draw.text((x + 36, c.y), label, font=_font(30), fill=GREY)
        x += width + 40
    c.y += 56
    c.text(f"Lập ngày {dt.date.today():%d/%m/%Y} từ ASXH Dashboard. Nguồn: {b.source}.", 30,
           colour=GREY, gap=PAD)
