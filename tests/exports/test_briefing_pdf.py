"""The briefing PDF, read back with pypdf: A4 landscape, the names and figures of the source
documents with their full diacritics, the lagging list running over pages with its header,
and the Vietnamese font embedded."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from pypdf import PdfReader

from core.exports import briefing, briefing_pdf

pytestmark = pytest.mark.postgres

A4_LANDSCAPE = (842, 595)  # points, rounded
NOT_STARTED = ["Xã Bình Châu", "Xã Bình Mỹ", "Xã Bình Phước", "Xã Bình An"]


def build(engine, unit: str, day: dt.date) -> tuple[briefing.Briefing, PdfReader]:
    with engine.connect() as conn:
        b = briefing.collect(conn, unit, day)
    return b, PdfReader(io.BytesIO(briefing_pdf.build(b)))


def text(page) -> str:
    return unicodedata.normalize("NFC", page.extract_text())


@pytest.fixture(scope="module")
def quang_nam(demo_engine):
    return build(demo_engine, "49", dt.date(2024, 1, 23))


@pytest.fixture(scope="module")
def binh_son(demo_engine):
    return build(demo_engine, "524", dt.date(2024, 1, 25))


def test_quang_nam_pdf_front_page_and_one_page_per_section(quang_nam):
    b, pdf = quang_nam
    # Headline first, then a page per section; Quảng Nam's long lagging list runs over pages.
    assert b.sections == ["headline", "ranking", "tilemap", "children", "attainment", "lagging",
                          "trend"]
    assert len(pdf.pages) > len(b.sections)
    for page in pdf.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            A4_LANDSCAPE)
    front = text(pdf.pages[0])
    for expected in ("BÁO CÁO TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT",
                     "Tỉnh Quảng Nam", "Số liệu tính đến ngày 23/01/2024", "4,8%", "58/63",
                     "Xếp hạng toàn quốc", "Toàn tỉnh đạt 4,8%, xếp thứ 58/63",
                     "Dữ liệu mẫu (demo)"):
        assert expected in front
    assert "Xếp hạng toàn quốc · 63 tỉnh, thành phố" in text(pdf.pages[1])
    assert "Trang 2" in text(pdf.pages[1])
    assert pdf.metadata.title.startswith("BÁO CÁO TIẾN ĐỘ")


def test_binh_son_pdf_names_the_lagging_communes_with_their_figures(binh_son):
    b, pdf = binh_son
    front = text(pdf.pages[0])
    for figure in ("12.105", "1.049", "8,67%", "Huyện Bình Sơn, Tỉnh Quảng Ngãi"):
        assert figure in front
    lagging = text(pdf.pages[b.sections.index("lagging")])
    assert "Xã chậm tiến độ · Huyện Bình Sơn" in lagging
    assert "18 xã: 4 chưa triển khai, 14 dưới ngưỡng" in lagging
    for name in [*NOT_STARTED, "Xã Bình Trung", "Xã Bình Long"]:
        assert name in lagging
    assert "Thị trấn Châu Ổ" not in lagging  # 39%: above the district's 8,67%
    assert "0,77%" in lagging and "1,15%" in lagging and "Chưa triển khai" in lagging
    assert "1,049" not in "".join(text(p) for p in pdf.pages)


def test_a_long_lagging_list_runs_over_pages_with_its_header(demo_engine):
    b, pdf = build(demo_engine, "45", dt.date(2024, 1, 25))
    pages = [text(p) for p in pdf.pages]
    with_header = [p for p in pages if "Xã, phường, thị trấn" in p and "Thuộc huyện" in p]
    assert len(b.lagging) > 40
    assert len(with_header) >= 2  # the list does not fit one page; its header repeats
    assert "Xã chậm tiến độ · Tỉnh Quảng Trị" in with_header[0]
    listed = "".join(with_header)
    assert all(name in listed for name in b.lagging["name"])


def test_the_vietnamese_font_is_embedded(quang_nam):
    _, pdf = quang_nam
    fonts = set()
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("DejaVuSans" in f for f in fonts)


def test_the_tile_map_page_has_the_map_and_says_where_the_province_stands(quang_nam):
    b, pdf = quang_nam
    page = pdf.pages[b.sections.index("tilemap")]
    assert briefing.TILEMAP_TITLE in text(page)
    assert "Tỉnh Quảng Nam: 4,8%, xếp thứ 58/63" in text(page)
    (image,) = page.images
    assert image.image.height > 2 * image.image.width  # the tall, narrow tile map
