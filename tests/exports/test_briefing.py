"""The briefing deck, opened with python-pptx: the slides a meeting expects, the figures of the
source documents as a reader sees them (4,8%, 58/63, 1.049, 8,67%), the lagging communes in
large type split over slides, and the charts as images.

Each deck is built once per module (charts are drawn by a real Chromium through kaleido)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from core.analytics import status
from core.errors import UserError
from core.exports import briefing, briefing_pptx

pytestmark = pytest.mark.postgres

QUANG_NAM_DAY = dt.date(2024, 1, 23)
BINH_SON_DAY = dt.date(2024, 1, 25)
NOT_STARTED = ["Xã Bình Châu", "Xã Bình Mỹ", "Xã Bình Phước", "Xã Bình An"]
ENGLISH_NUMBER = re.compile(r"\d,\d{3}(?!\d)|\d\.\d{1,2}%")  # 1,049 or 8.67%


def collect(engine, unit: str, day: dt.date) -> briefing.Briefing:
    with engine.connect() as conn:
        return briefing.collect(conn, unit, day)


def open_deck(data: bytes):
    return Presentation(io.BytesIO(data))


def slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def pictures(slide) -> list:
    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


@pytest.fixture(scope="module")
def quang_nam(demo_engine):
    b = collect(demo_engine, "49", QUANG_NAM_DAY)
    return b, open_deck(briefing_pptx.build(b))


@pytest.fixture(scope="module")
def binh_son(demo_engine):
    b = collect(demo_engine, "524", BINH_SON_DAY)
    return b, open_deck(briefing_pptx.build(b))


@pytest.fixture(scope="module")
def quang_tri(demo_engine):
    b = collect(demo_engine, "45", BINH_SON_DAY)
    return b, open_deck(briefing_pptx.build(b))


def test_quang_nam_deck_title_headline_ranking_and_trend(quang_nam):
    b, deck = quang_nam
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))  # 16:9
    # Quảng Nam's districts, quotas and communes: every section, the lagging list over pages.
    assert b.sections == ["headline", "ranking", "tilemap", "children", "attainment",
                          "lagging", "trend"]
    assert len(deck.slides) > 1 + len(b.sections)
    title = deck.slides[0]
    assert title.shapes.title.text == briefing.TITLE
    assert "Tỉnh Quảng Nam" in slide_text(title)
    assert "Số liệu tính đến ngày 23/01/2024" in slide_text(title)
    assert "Dữ liệu mẫu" in slide_text(title)
    headline = slide_text(deck.slides[1])
    assert "4,8%" in headline and "58/63" in headline
    assert "Toàn tỉnh đạt 4,8%, xếp thứ 58/63" in headline
    assert deck.slides[1].notes_slide.notes_text_frame.text == b.sentence
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles[2:5] == ["Xếp hạng toàn quốc · 63 tỉnh, thành phố", briefing.TILEMAP_TITLE,
                           "Xếp hạng các huyện của Tỉnh Quảng Nam"]
    assert titles[-1] == briefing.TREND_TITLE


def test_long_ranking_is_two_charts_side_by_side_as_png_images(quang_nam):
    _, deck = quang_nam
    ranking = pictures(deck.slides[2])
    assert len(ranking) == 2  # 63 provinces: 32 and 31 bars
    assert ranking[0].left < ranking[1].left
    for picture in ranking:
        assert picture.image.content_type == "image/png"
        assert picture.image.blob[:8] == b"\x89PNG\r\n\x1a\n"
        assert picture.left + picture.width <= Inches(13.333)
    trend = deck.slides[len(deck.slides) - 1]
    assert len(pictures(trend)) == 1
    assert "chưa có chỉ tiêu năm 2024" not in slide_text(trend)  # Quảng Nam's quotas


def test_tile_map_slide_shows_the_provinces_and_says_where_the_unit_stands(quang_nam):
    b, deck = quang_nam
    slide = deck.slides[3]
    assert slide.shapes.title.text == briefing.TILEMAP_TITLE
    (picture,) = pictures(slide)
    image = Image.open(io.BytesIO(picture.image.blob))
    assert image.height > 2 * image.width  # the country's shape: tall and narrow
    assert picture.top + picture.height <= Inches(7.0)  # above the footer
    text = slide_text(slide)
    assert "Tỉnh Quảng Nam: 4,8%, xếp thứ 58/63" in text
    best = b.provinces.iloc[0]
    assert f"Dẫn đầu: {best['name'].removeprefix('Tỉnh ')}" in text
    assert "Thấp nhất:" in text and "Tỷ lệ chung cả nước:" in text


def test_a_district_deck_maps_its_province(binh_son):
    b, deck = binh_son
    assert "tilemap" in b.sections and len(b.provinces) == 63
    slide = next(s for s in deck.slides if s.shapes.title.text == briefing.TILEMAP_TITLE)
    assert "Tỉnh Quảng Ngãi:" in slide_text(slide)


def test_colours_mean_status_only(binh_son):
    """Titles and headers are neutral; a lagging commune's rate and status cells carry its
    rate's light (core.analytics.status), the others no traffic-light colour."""
    b, deck = binh_son
    lagging = next(s for s in deck.slides if s.shapes.title.text.startswith("Xã chậm"))
    table = next(s for s in lagging.shapes if s.has_table).table
    assert str(table.cell(0, 0).fill.fore_color.rgb) == status.NEUTRAL.lstrip("#").upper()
    lights = briefing.lag_lights(b)
    traffic = {v.lstrip("#").upper() for v in status.LIGHT_FILLS.values()}
    for r, light in enumerate(lights[:briefing_pptx.LAG_ROWS_PER_SLIDE], start=1):
        fills = [str(table.cell(r, c).fill.fore_color.rgb) for c in range(len(table.columns))]
        assert fills[-1] == fills[-2] == status.light_fill(light).lstrip("#").upper()
        assert not traffic & set(fills[:-2])
    # The four communes at 0% are red; Bình Long at 1,15% is red too: 5% is the line.
    assert lights[:4] == [status.RED] * 4
    title = deck.slides[1].shapes.title.text_frame.paragraphs[0].runs[0]
    assert str(title.font.color.rgb) == status.NEUTRAL.lstrip("#").upper()


def test_binh_son_headline_and_lagging_communes_split_over_slides(binh_son):
    b, deck = binh_son
    headline = slide_text(deck.slides[1])
    for figure in ("12.105", "1.049", "8,67%"):
        assert figure in headline
    lagging = [s for s in deck.slides if s.shapes.title.text.startswith("Xã chậm tiến độ")]
    assert [s.shapes.title.text for s in lagging] == [
        "Xã chậm tiến độ (1/2) · Huyện Bình Sơn", "Xã chậm tiến độ (2/2) · Huyện Bình Sơn"]
    rows = []
    for slide in lagging:
        table = next(s for s in slide.shapes if s.has_table).table
        assert table.cell(0, 1).text == "Xã, phường, thị trấn"
        assert len(table.rows) - 1 <= briefing_pptx.LAG_ROWS_PER_SLIDE
        assert "18 xã: 4 chưa triển khai, 14 dưới ngưỡng" in slide_text(slide)
        rows += [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    assert len(rows) == 18
    assert [r[0] for r in rows] == [str(i) for i in range(1, 19)]
    assert sorted(r[1] for r in rows[:4]) == sorted(NOT_STARTED)
    assert all(r[-1] == "Chưa triển khai" and r[-2] == "0%" for r in rows[:4])
    by_name = {r[1]: r for r in rows}
    assert by_name["Xã Bình Trung"][2:5] == ["520", "4", "0,77%"]
    assert "Xã Bình Trị" not in by_name  # 60,22%: above the district's 8,67%
    run = next(s for s in lagging[0].shapes if s.has_table).table.cell(1, 1)
    assert run.text_frame.paragraphs[0].runs[0].font.size.pt >= 18  # large type


def test_a_rank_among_fewer_than_three_is_not_on_the_first_slides(binh_son):
    b, deck = binh_son
    assert "ranking" not in b.sections  # Bình Sơn: the only district of Quảng Ngãi reporting
    assert [c.label for c in b.cards] == [label for _, label in briefing.CARD_LABELS]
    for slide in list(deck.slides)[:2]:
        text = slide_text(slide)
        assert not re.search(r"(?<![\d/])1/1(?![\d/])", text)
        assert "xếp thứ" not in text and "Xếp hạng trong tỉnh" not in text


def test_province_deck_has_districts_quotas_and_lagging_communes(quang_tri):
    b, deck = quang_tri
    assert b.sections == ["headline", "ranking", "tilemap", "children", "attainment", "lagging",
                          "trend"]
    titles = [s.shapes.title.text for s in deck.slides]
    assert "Xếp hạng các huyện của Tỉnh Quảng Trị" in titles
    attainment = deck.slides[titles.index(briefing.attainment_title(b))]
    assert len(pictures(attainment)) == 1
    pages = -(-len(b.lagging) // briefing_pptx.LAG_ROWS_PER_SLIDE)
    assert sum(t.startswith("Xã chậm tiến độ") for t in titles) == pages
    headline = slide_text(deck.slides[1])
    assert "Chỉ tiêu cộng dồn đến hết quý 1" in headline
    assert "Thuộc huyện" in slide_text(deck.slides[titles.index(
        f"Xã chậm tiến độ (1/{pages}) · Tỉnh Quảng Trị")])


def test_every_slide_writes_vietnamese_numbers_and_dates(quang_nam, binh_son, quang_tri):
    for _, deck in (quang_nam, binh_son, quang_tri):
        for number, slide in enumerate(deck.slides, start=1):
            text = slide_text(slide)
            assert not ENGLISH_NUMBER.search(text), (number, ENGLISH_NUMBER.search(text))
            assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
            if number > 1:
                assert "Tính đến ngày" in text and "DỮ LIỆU MẪU" in text  # the footer


def test_a_unit_without_figures_on_the_date_is_a_vietnamese_error(demo_engine):
    with pytest.raises(UserError, match="Chưa có số liệu của Tỉnh Quảng Nam tính đến ngày "
                                        "01/01/2023"):
        collect(demo_engine, "49", dt.date(2023, 1, 1))


def test_file_name_is_ascii():
    assert briefing.file_name("524", BINH_SON_DAY, "pptx") == (
        "bao-cao-giao-ban_huyen-binh-son_2024-01-25.pptx")
