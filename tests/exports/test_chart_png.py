"""A chart downloaded as PNG: the page's very figure, titled, drawn by the warm renderer at
1.920 pixels wide, its Vietnamese labels kept."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from PIL import Image

from core.analytics import status
from core.exports import tilemap
from ui import charts


def test_a_ranking_chart_as_png_is_full_hd_wide_and_as_tall_as_the_figure():
    table = pd.DataFrame({"rank": [1, 2], "code": ["45", "49"],
                          "name": ["Tỉnh Quảng Trị", "Tỉnh Quảng Nam"],
                          "total": [100, 200], "cashless": [20, 8],
                          "rate_pct": [20.0, 4.0], "accounts": [30, 10]})
    fig = charts.ranking_bars(table, highlight="49", average=9.33,
                              average_label="Tỷ lệ chung", thresholds=status.RateThresholds())
    image = Image.open(io.BytesIO(charts.png(fig, "Xếp hạng · 23/01/2024")))
    assert image.width == charts.PNG_WIDTH * charts.PNG_SCALE == 1920
    assert image.height == (fig.layout.height + 60) * charts.PNG_SCALE
    # the bars keep their lights: a green and a red bar are drawn
    colours = {c for _, c in image.convert("RGB").getcolors(1 << 20)}
    assert (46, 125, 50) in colours and (198, 40, 40) in colours


def test_the_png_has_a_title_and_the_page_figure_is_left_unchanged():
    fig = tilemap.figure(pd.DataFrame(columns=["rank", "code", "name", "rate_pct"]),
                         thresholds=status.DEFAULT_RATE_THRESHOLDS, outlined="49")
    before = fig.to_json()
    png = charts.png(fig, "Bản đồ · Tỉnh Quảng Nam")
    assert fig.to_json() == before  # the page's figure is not touched
    assert Image.open(io.BytesIO(png)).width == 1920


def test_file_names_are_ascii():
    assert charts.png_name("xep hang", "49", dt.date(2024, 1, 23)) == (
        "bieu-do-xep-hang_tinh-quang-nam_2024-01-23.png")
    assert charts.png_name("bản đồ tỉnh", None, dt.date(2024, 1, 23)) == (
        "bieu-do-ban-do-tinh_ca-nuoc_2024-01-23.png")
