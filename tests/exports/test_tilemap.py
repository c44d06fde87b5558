"""The provinces' tile map: every 2024 province once, in its own cell, in roughly its place;
the figure colours each tile by the one rule for a rate and outlines the user's province."""

from __future__ import annotations

import pandas as pd
import pytest

from core.analytics import status
from core.catalogue.units import by_code
from core.exports import tilemap
from core.vocabulary import PROVINCE

PROVINCES = sorted(c for c, u in by_code().items() if u.level == PROVINCE)


def test_every_province_has_one_tile_in_a_cell_of_its_own():
    assert len(PROVINCES) == 63
    assert sorted(tilemap.TILES) == PROVINCES
    cells = list(tilemap.TILES.values())
    assert len(set(cells)) == 63
    for col, row in cells:
        assert 0 <= col < tilemap.COLUMNS and 0 <= row < tilemap.ROWS


@pytest.mark.parametrize(("north", "south"), [
    ("10", "01"),  # Lào Cai above Hà Nội
    ("01", "38"),  # Hà Nội above Thanh Hóa
    ("45", "46"),  # Quảng Trị above Huế
    ("46", "49"),  # Huế above Quảng Nam
    ("62", "66"),  # Kon Tum above Đắk Lắk
    ("79", "96"),  # Hồ Chí Minh above Cà Mau
])
def test_tiles_keep_north_above_south(north, south):
    assert tilemap.TILES[north][1] < tilemap.TILES[south][1]


def test_the_extremes_sit_where_the_country_ends():
    rows = {code: row for code, (_, row) in tilemap.TILES.items()}
    northmost = {c for c, r in rows.items() if r == min(rows.values())}
    assert "02" in northmost  # Hà Giang
    assert rows["96"] == max(rows.values())  # Cà Mau
    assert tilemap.TILES["22"][0] == max(col for col, _ in tilemap.TILES.values())  # Q. Ninh


def test_labels_are_vietnamese_names_on_at_most_two_lines():
    for code in PROVINCES:
        label = tilemap.tile_label(code)
        assert label.count("<br>") <= 1
        assert label.replace("<br>", " ") in (by_code()[code].short_name,
                                               *tilemap.SHORT_LABELS.values())
    assert tilemap.tile_label("49") == "Quảng<br>Nam"
    assert tilemap.province_name("46") == "Tỉnh Thừa Thiên Huế"  # its 2024 name


def _ranking(rates: dict[str, float]) -> pd.DataFrame:
    rows = sorted(rates.items(), key=lambda kv: -kv[1])
    return pd.DataFrame({"rank": range(1, len(rows) + 1), "code": [c for c, _ in rows],
                         "name": [by_code()[c].name for c, _ in rows],
                         "rate_pct": [r for _, r in rows]})


def test_figure_colours_every_tile_by_its_rate_and_outlines_the_users_province():
    rates = {code: float(i % 30) for i, code in enumerate(PROVINCES)}
    del rates["94"]  # Sóc Trăng without figures
    thresholds = status.RateThresholds(5.0, 15.0)
    fig = tilemap.figure(_ranking(rates), thresholds=thresholds, outlined="49")
    shapes = {s.name: s for s in fig.layout.shapes}
    assert sorted(shapes) == PROVINCES
    for code, shape in shapes.items():
        light = thresholds.light(rates.get(code))
        assert shape.fillcolor == status.light_colour(light)
        assert shape.x1 - shape.x0 == pytest.approx(shape.y1 - shape.y0)  # squares
    assert shapes["94"].fillcolor == status.NO_LIGHT
    outlined = [c for c, s in shapes.items() if s.line.width > 1]
    assert outlined == ["49"]
    labels = fig.data[0].text
    assert any("Quảng<br>Nam" in t and f"{rates['49']:.0f}%" in t for t in labels)
    assert fig.layout.yaxis.scaleanchor == "x"


def test_with_no_user_province_nothing_is_outlined():
    fig = tilemap.figure(_ranking({"01": 20.0}), thresholds=status.DEFAULT_RATE_THRESHOLDS)
    assert all(s.line.width == 1 for s in fig.layout.shapes)
