"""A tile map of the 63 provinces: one square per province in its approximate place, coloured
by its rate's light (core.analytics.status), the user's province outlined.

A map of real borders makes the big, empty provinces of the north-west and the Central
Highlands shout and hides Hà Nội, Bắc Ninh or Cần Thơ; equal squares give every province the
same weight and still read as Vietnam: the north's wide block, the narrow centre along the
coast, the Mekong delta at the foot. TILES places each 2024 province code on a grid of
COLUMNS x ROWS cells (column 0 west, row 0 north), a cell at most one province.

The figure is pure plotly (no streamlit): the ranking page and the briefing draw the same
one. Tiles are layout shapes in data coordinates (squares whatever the width, one named
by its code each), the labels and hovers one text trace over them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core import formatting as fmt
from core.analytics.status import AMBER, GREEN, RATE_LIGHT_LABELS, RED, RateThresholds, light_colour
from core.catalogue.units import by_code

COLUMNS, ROWS = 8, 21
TILES: dict[str, tuple[int, int]] = {
    # North-west and north-east
    "12": (2, 0), "10": (3, 0), "02": (4, 0), "04": (5, 0),
    "11": (1, 1), "15": (3, 1), "08": (4, 1), "06": (5, 1), "20": (6, 1),
    "14": (2, 2), "25": (3, 2), "26": (4, 2), "19": (5, 2), "24": (6, 2), "22": (7, 2),
    # Red River delta
    "17": (3, 3), "01": (4, 3), "27": (5, 3), "30": (6, 3), "31": (7, 3),
    "35": (4, 4), "33": (5, 4), "34": (6, 4),
    "38": (3, 5), "37": (4, 5), "36": (5, 5),
    # North Central and the central coast
    "40": (3, 6), "42": (4, 7), "44": (4, 8), "45": (5, 9), "46": (5, 10),
    "49": (5, 11), "48": (6, 11),
    # Central Highlands and the south-central coast
    "62": (5, 12), "51": (6, 12), "64": (5, 13), "52": (6, 13), "66": (5, 14), "54": (6, 14),
    "70": (3, 15), "67": (4, 15), "68": (5, 15), "56": (6, 15),
    # South-east
    "72": (2, 16), "74": (3, 16), "75": (4, 16), "60": (5, 16), "58": (6, 16),
    # Mekong delta
    "89": (0, 17), "87": (1, 17), "80": (2, 17), "79": (3, 17), "77": (4, 17),
    "91": (0, 18), "92": (1, 18), "86": (2, 18), "82": (3, 18),
    "93": (1, 19), "84": (2, 19), "83": (3, 19),
    "96": (0, 20), "95": (1, 20), "94": (2, 20),
}
# Labels that would not fit a tile as the name.
SHORT_LABELS = {"77": "BR - VT", "79": "TP HCM", "46": "TT Huế", "01": "Hà Nội"}
OUTLINE = "#0d47a1"
LIGHT_TEXT = {RED: "#ffffff", GREEN: "#ffffff", AMBER: "#000000", None: "#000000"}


def province_name(code: str) -> str:
    return by_code()[code].name


def tile_label(code: str) -> str:
    """The name on a tile, on at most two lines: "Quảng<br>Nam", "TP HCM"."""
    if code in SHORT_LABELS:
        return SHORT_LABELS[code]
    words = by_code()[code].short_name.split()
    if len(words) == 1:
        return words[0]
    half = (len(words) + 1) // 2
    return " ".join(words[:half]) + "<br>" + " ".join(words[half:])


def figure(ranking: pd.DataFrame, *, thresholds: RateThresholds, outlined: str | None = None,
           tile_px: int = 52) -> go.Figure:
    """The provinces' tile map for a national ranking (rank, code, name, rate_pct ...).

    tile_px sets the type size for the size the tiles will be drawn at (a figure's text is
    in pixels while its tiles follow the width); the figure asks for the height that gives
    tiles of that size."""
    rows = ranking.set_index("code") if not ranking.empty else pd.DataFrame()
    size = max(8, round(tile_px * 0.2))
    fig = go.Figure()
    # The tiles go in at once: plotly validates the whole list on each add_shape (quadratic,
    # seconds for 63 tiles).
    shapes: list[dict] = []
    xs, ys, texts, hovers, codes = [], [], [], [], []
    for code, (col, row) in TILES.items():
        rate = rows.at[code, "rate_pct"] if code in rows.index else None
        rate = None if rate is None or pd.isna(rate) else float(rate)
        light = thresholds.light(rate)
        mine = code == outlined
        shapes.append({"type": "rect", "x0": col + 0.05, "x1": col + 0.95, "y0": row + 0.05,
                       "y1": row + 0.95, "xref": "x", "yref": "y", "name": code,
                       "fillcolor": light_colour(light), "layer": "below",
                       "line": {"color": OUTLINE if mine else "#ffffff",
                                "width": 5 if mine else 1}})
        xs.append(col + 0.5)
        ys.append(row + 0.5)
        colour = LIGHT_TEXT[light]
        label = f"<b>{tile_label(code)}</b><br>{fmt.percent(rate, 1)}"
        texts.append(f"<span style='color:{colour}'>{label}</span>")
        rank = (f"Xếp hạng: {int(rows.at[code, 'rank'])}/{len(rows)}<br>"
                if code in rows.index else "")
        hovers.append(f"<b>{province_name(code)}</b><br>{rank}Tỷ lệ: {fmt.percent(rate)}")
        codes.append(code)
    fig.update_layout(shapes=shapes)
    fig.add_scatter(x=xs, y=ys, mode="markers+text", text=texts, textposition="middle center",
                    textfont={"size": size}, customdata=[[c] for c in codes], hovertext=hovers,
                    hovertemplate="%{hovertext}<extra></extra>", name="Tỉnh, thành phố",
                    marker={"symbol": "square", "size": tile_px * 0.9, "opacity": 0})
    fig.update_xaxes(range=[-0.1, COLUMNS + 0.1], visible=False, fixedrange=True)
    fig.update_yaxes(range=[ROWS + 0.1, -0.1], visible=False, scaleanchor="x", scaleratio=1,
                     fixedrange=True)
    items = [
        f"<span style='color:{light_colour(light)}'>■</span> {text}" for light, text in (
            (GREEN, f"{RATE_LIGHT_LABELS[GREEN]}: từ {fmt.percent(thresholds.green_from)}"),
            (AMBER, f"{RATE_LIGHT_LABELS[AMBER]}: {fmt.percent(thresholds.red_below)} đến dưới "
                    f"{fmt.percent(thresholds.green_from)}"),
            (RED, f"{RATE_LIGHT_LABELS[RED]}: dưới {fmt.percent(thresholds.red_below)}"),
            (None, "Chưa có số liệu"))]
    key = f"{items[0]}   {items[2]}<br>{items[1]}   {items[3]}"
    fig.add_annotation(x=0, xref="paper", y=0, yref="paper", yshift=-8, yanchor="top",
                       xanchor="left", showarrow=False, align="left", text=key,
                       font={"size": max(11, size + 2), "color": "#263238"})
    if outlined in TILES:
        fig.add_annotation(x=0, xref="paper", y=1, yref="paper", yanchor="bottom",
                           xanchor="left", showarrow=False, align="left",
                           text=f"<span style='color:{OUTLINE}'>□</span> Viền xanh đậm: "
                                f"{province_name(outlined)}",
                           font={"size": max(11, size + 2), "color": "#263238"})
    fig.update_layout(separators=",.", showlegend=False, plot_bgcolor="white",
                      paper_bgcolor="white", dragmode=False,
                      margin={"l": 10, "r": 10, "t": 34, "b": 2 * size + 40},
                      height=ROWS * tile_px + 2 * size + 74, font={"size": size})
    return fig


def width_for(tile_px: int) -> int:
    """The figure's width in pixels that gives tiles of tile_px (for an image of it)."""
    return COLUMNS * tile_px + 20

