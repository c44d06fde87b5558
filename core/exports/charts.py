"""Plotly figure builders with Vietnamese labels and number formats.

They live in core (no streamlit here) so that the pages (through ui.charts) and the meeting
exports (the briefing deck and its PDF, rendered to images by exports.render) draw the very same
charts.

`layout.separators=",."` makes d3 write 1.912 and 4,8 (decimal comma, thousands dot) in
ticks and hovers; every axis gets an explicit tick format so Plotly never falls back to
"1.9k" or English month names. Bar labels use core.formatting, the same text as the cards.
Figures take `meeting=True` for the projector: bigger type, thicker marks.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from core import formatting as fmt
from core.analytics.status import (
    ATTAINMENT_LABELS,
    BEHIND,
    DONE,
    FAR_BEHIND,
    GREEN,
    NEUTRAL,
    NEUTRAL_SECOND,
    NO_LIGHT,
    ON_TRACK,
    RATE_LIGHT_LABELS,
    RateThresholds,
    attainment_light,
    lag_light,
    light_colour,
)
from core.catalogue.units import by_code
from core.vocabulary import FIELD_LABELS, REASON_LABELS

SEPARATORS = ",."
# Red, amber and green mean behind, at risk and met (core.analytics.status) and nothing else: plain
# figures are drawn in the dashboard's neutral colours, units told apart by hues far from
# the traffic lights.
PRIMARY = NEUTRAL
SECOND = NEUTRAL_SECOND
HIGHLIGHT = "#0d47a1"
TARGET = "#37474f"
MUTED = NO_LIGHT
PALETTE = ["#1f3a5f", "#0288d1", "#7b1fa2", "#5d4037", "#00838f", "#5e35b1", "#283593",
           "#6d4c41", "#546e7a", "#0097a7"]
COUNT_TICKS = ",d"
RATE_TICKS = ",.1~f"
DATE_HOVER = "%{x|%d/%m/%Y}"
PLOTLY_CONFIG = {"displayModeBar": False, "scrollZoom": False}


def _style(fig: go.Figure, *, height: int, meeting: bool = False,
           legend: bool = True) -> go.Figure:
    base = 20 if meeting else 14
    fig.update_layout(
        separators=SEPARATORS, height=height, font={"size": base},
        margin={"l": 10, "r": 30, "t": 50 if legend else 30, "b": 10},
        hoverlabel={"font_size": base}, showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
                "title_text": ""},
        plot_bgcolor="white",
    )
    axis = {"gridcolor": "#eceff1", "zeroline": False, "automargin": True,
            "tickfont": {"size": base - 1, "color": "#263238"},
            "title": {"font": {"size": base, "color": "#263238"}}}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


def _date_axis(fig: go.Figure, first: dt.date, last: dt.date) -> None:
    span = (last - first).days
    if span > 120:
        fig.update_xaxes(tickformat="%m/%Y", dtick="M1")
    else:
        fig.update_xaxes(tickformat="%d/%m/%Y" if span > 20 else "%d/%m", hoverformat="%d/%m/%Y")


def _reference_line(fig: go.Figure, x: float, label: str, meeting: bool) -> None:
    """A dashed vertical line (average, threshold) named above the plot, clear of the bars."""
    fig.add_vline(x=x, line_dash="dash", line_color=TARGET, line_width=2)
    fig.add_annotation(x=x, xref="x", y=1, yref="paper", yanchor="bottom", showarrow=False,
                       text=f"<b>{label}</b>", font={"size": 20 if meeting else 13,
                                                     "color": TARGET},
                       bgcolor="rgba(255,255,255,0.85)")


def _short(code: str) -> str:
    return by_code()[code].short_name


# --------------------------------------------------------------------------------- rankings

def ranking_bars(table: pd.DataFrame, *, highlight: str | None, average: float | None,
                 average_label: str, thresholds: RateThresholds,
                 meeting: bool = False) -> go.Figure:
    """Units by rate, best on top; the user's unit outlined and named in bold, the average
    as a dashed line; colours are the traffic lights of the thresholds."""
    rows = table.reset_index(drop=True)
    labels = [f"<b>{r} · {_short(c)}</b>" if c == highlight else f"{r} · {_short(c)}"
              for r, c in zip(rows["rank"], rows["code"], strict=True)]
    colours = [light_colour(thresholds.light(v)) for v in rows["rate_pct"]]
    fig = go.Figure(go.Bar(
        x=rows["rate_pct"].astype(float), y=labels, orientation="h",
        marker={"color": colours,
                "line": {"color": [HIGHLIGHT if c == highlight else "rgba(0,0,0,0)"
                                   for c in rows["code"]],
                         "width": [4 if c == highlight else 0 for c in rows["code"]]}},
        text=[fmt.percent(v) for v in rows["rate_pct"]], textposition="outside",
        cliponaxis=False,
        customdata=list(zip(rows["name"], rows["total"].astype(float),
                            rows["cashless"].astype(float), rows["rank"].astype(int),
                            rows["code"], strict=True)),
        hovertemplate=("<b>%{customdata[0]}</b><br>Xếp hạng: %{customdata[3]}<br>"
                       "Tỷ lệ: %{x:,.2f}%<br>Chi trả qua tài khoản: %{customdata[2]:,.0f}<br>"
                       f"{FIELD_LABELS['total']}: %{{customdata[1]:,.0f}}<extra></extra>"),
        name="Tỷ lệ",
    ))
    if average is not None:
        _reference_line(fig, average, f"{average_label}: {fmt.percent(average)}", meeting)
    per_bar = 34 if meeting else 22
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title_text="Tỷ lệ chi trả qua tài khoản (%)", ticksuffix="%",
                     tickformat=RATE_TICKS, rangemode="tozero")
    return _style(fig, height=max(320, per_bar * len(rows) + 110), meeting=meeting,
                  legend=False)


# ------------------------------------------------------------------------------ quotas

def attainment_bars(rows: pd.DataFrame, quarter: int, meeting: bool = False) -> go.Figure:
    """Per district: paid via account against the cumulative quota to the current quarter,
    with the share due by the date as a marker. Each paid bar takes its status's colour
    (green met or on track, amber at risk, red behind: core.analytics.status)."""
    names = [_short(c) for c in rows["code"]]
    labels = [ATTAINMENT_LABELS.get(s, "–") for s in rows["status"]]
    fig = go.Figure()
    fig.add_bar(x=names, y=rows["cashless"].astype(float), name="Đã chi trả qua tài khoản",
                marker_color=[light_colour(attainment_light(s)) for s in rows["status"]],
                text=[fmt.number(v) for v in rows["cashless"]], customdata=labels,
                textposition="outside", cliponaxis=False,
                hovertemplate="%{x}<br>Đã chi trả: %{y:,.0f}<br>%{customdata}<extra></extra>")
    fig.add_bar(x=names, y=rows["quota_to_date"].astype(float),
                name=f"Chỉ tiêu cộng dồn đến hết quý {quarter}", marker_color=MUTED,
                text=[fmt.number(v) for v in rows["quota_to_date"]], textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x}<br>Chỉ tiêu đến hết quý: %{y:,.0f}<extra></extra>")
    fig.add_scatter(x=names, y=rows["expected_to_date"].astype(float), mode="markers",
                    name="Cần đạt đến ngày (theo tiến độ quý)",
                    marker={"symbol": "line-ew-open", "size": 34, "color": TARGET,
                            "line": {"width": 3}},
                    hovertemplate="%{x}<br>Cần đạt đến ngày: %{y:,.0f}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Số đối tượng", tickformat=COUNT_TICKS, rangemode="tozero")
    fig = _style(fig, height=460 if meeting else 400, meeting=meeting)
    _status_key(fig, [f"{ATTAINMENT_LABELS[DONE]} hoặc {ATTAINMENT_LABELS[ON_TRACK].lower()}",
                      ATTAINMENT_LABELS[BEHIND], ATTAINMENT_LABELS[FAR_BEHIND]],
                [light_colour(attainment_light(s)) for s in (DONE, BEHIND, FAR_BEHIND)],
                meeting)
    return fig


def _status_key(fig: go.Figure, labels: list[str], colours: list[str], meeting: bool) -> None:
    """A one-line colour key under the plot (bars coloured per point have no legend)."""
    text = "   ".join(f"<span style='color:{c}'>■</span> {label}"
                       for label, c in zip(labels, colours, strict=True))
    fig.add_annotation(x=0, xref="paper", y=0, yref="paper", yshift=-(70 if meeting else 56),
                       xanchor="left", yanchor="top", showarrow=False, align="left",
                       text=text, font={"size": 18 if meeting else 13, "color": TARGET})
    bottom = fig.layout.margin.b or 10
    fig.update_layout(margin={"b": bottom + (44 if meeting else 34)})


def quarter_bars(rows: pd.DataFrame, meeting: bool = False) -> go.Figure:
    """Per quarter of the year: cumulative quota against what was reached by its end."""
    quarters = [f"Quý {q}" for q in rows["quarter"]]
    actual = [None if pd.isna(v) else float(v) for v in rows["actual"]]
    fig = go.Figure()
    fig.add_bar(x=quarters, y=rows["quota"].astype(float), name="Chỉ tiêu cộng dồn",
                marker_color=MUTED, text=[fmt.number(v) for v in rows["quota"]],
                textposition="outside", cliponaxis=False,
                hovertemplate="%{x}<br>Chỉ tiêu cộng dồn: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=quarters, y=actual, name="Thực hiện (cuối quý hoặc đến ngày xem)",
                marker_color=PRIMARY, text=[fmt.number(v) if v is not None else ""
                                            for v in actual],
                textposition="outside", cliponaxis=False,
                hovertemplate="%{x}<br>Thực hiện: %{y:,.0f}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Số đối tượng", tickformat=COUNT_TICKS, rangemode="tozero")
    return _style(fig, height=380, meeting=meeting)


# ------------------------------------------------------------------------------- lagging

def lagging_bars(rows: pd.DataFrame, threshold: float, thresholds: RateThresholds,
                 meeting: bool = False) -> go.Figure:
    """The lagging communes by rate (lowest at the bottom), coloured by their rate's light
    as on every ranking (core.analytics.status.lag_light), with the threshold line; communes not
    started or silent are labelled instead of an invisible zero bar."""
    rows = rows.sort_values("rate_pct", ascending=False, na_position="last")
    labels = [f"{_short(c)} ({REASON_LABELS[r].lower()})" if r != "below_threshold"
              else _short(c) for c, r in zip(rows["code"], rows["reason"], strict=True)]
    rates = [0.0 if pd.isna(v) else float(v) for v in rows["rate_pct"]]
    lights = [lag_light(r, v, thresholds) for r, v in zip(rows["reason"], rows["rate_pct"],
                                                          strict=True)]
    names = {**RATE_LIGHT_LABELS, None: REASON_LABELS["not_reported"]}
    fig = go.Figure()
    for light, label in names.items():
        mask = [x == light for x in lights]
        if not any(mask):
            continue
        fig.add_bar(
            x=[v for v, m in zip(rates, mask, strict=True) if m],
            y=[n for n, m in zip(labels, mask, strict=True) if m], orientation="h",
            name=(f"Tỷ lệ {label.lower()}" if light else label),
            marker_color=light_colour(light),
            text=[fmt.percent(v) for v, m in zip(rows["rate_pct"], mask, strict=True) if m],
            textposition="outside", cliponaxis=False,
            hovertemplate="%{y}<br>Tỷ lệ: %{x:,.2f}%<extra></extra>")
    _reference_line(fig, threshold, f"Ngưỡng: {fmt.percent(threshold)}", meeting)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels[::-1])
    fig.update_xaxes(title_text="Tỷ lệ chi trả qua tài khoản (%)", ticksuffix="%",
                     tickformat=RATE_TICKS, rangemode="tozero",
                     range=[0, max([threshold, *rates]) * 1.25 + 0.5])
    per_bar = 36 if meeting else 24
    fig = _style(fig, height=max(300, per_bar * len(rows) + 150), meeting=meeting)
    # The threshold is named above the plot; the legend goes under the axis title.
    fig.update_layout(legend={"yref": "container", "y": 0.0, "yanchor": "bottom"},
                      margin={"t": 40, "b": 90 if meeting else 70})
    return fig


# -------------------------------------------------------------------------------- trends

def target_steps(path: pd.DataFrame, year: int) -> tuple[list[dt.date], list[int]]:
    """The quarterly target as step points: each quarter's cumulative target held from the
    quarter's first day to its last."""
    xs: list[dt.date] = []
    ys: list[int] = []
    for _, step in path.iterrows():
        q = int(step["quarter"])
        xs += [dt.date(year, 3 * q - 2, 1), step["date"]]
        ys += [int(step["target"])] * 2
    return xs, ys


def progress_figure(trend: pd.DataFrame, *, path: pd.DataFrame, projection: dict | None,
                    as_of: dt.date, year_end: dt.date, meeting: bool = False) -> go.Figure:
    """Paid via account per day, the quarterly target path as steps, and where the recent
    pace leads by the year's end."""
    shown = trend[trend["date"] <= as_of]
    fig = go.Figure()
    fig.add_scatter(x=shown["date"], y=shown["cashless"].astype(float), mode="lines",
                    name="Chi trả qua tài khoản", line={"color": PRIMARY, "width": 3},
                    hovertemplate=DATE_HOVER + "<br>Chi trả qua tài khoản: %{y:,.0f}"
                                               "<extra></extra>")
    fig.add_scatter(x=shown["date"], y=shown["accounts"].astype(float), mode="lines",
                    name="Đã có tài khoản", line={"color": SECOND, "width": 1.5},
                    hovertemplate=DATE_HOVER + "<br>Đã có tài khoản: %{y:,.0f}<extra></extra>")
    if not path.empty:
        xs, ys = target_steps(path, year_end.year)
        fig.add_scatter(x=xs, y=ys, mode="lines", line_shape="hv",
                        name="Chỉ tiêu cộng dồn theo quý", line={"color": TARGET, "width": 2},
                        hovertemplate=DATE_HOVER + "<br>Chỉ tiêu: %{y:,.0f}<extra></extra>")
    if projection and projection.get("current") is not None and projection.get(
            "projected_at_horizon") is not None and as_of < year_end:
        fig.add_scatter(x=[as_of, year_end],
                        y=[projection["current"], projection["projected_at_horizon"]],
                        mode="lines", line={"color": PRIMARY, "dash": "dot", "width": 2},
                        name="Dự báo theo tốc độ 14 ngày gần nhất",
                        hovertemplate=DATE_HOVER + "<br>Dự báo: %{y:,.0f}<extra></extra>")
        met = projection.get("date_target_met")
        if met is not None and as_of < met <= year_end and projection.get("target"):
            fig.add_scatter(x=[met], y=[projection["target"]], mode="markers+text",
                            marker={"size": 12, "color": light_colour(GREEN),
                                    "symbol": "star"},
                            text=[f"Dự kiến đạt: {fmt.date(met)}"], textposition="top left",
                            name="Ngày dự kiến đạt chỉ tiêu năm",
                            hovertemplate=DATE_HOVER + "<extra>Dự kiến đạt</extra>")
    first = shown["date"].min() if not shown.empty else as_of
    _date_axis(fig, first, year_end)
    fig.update_xaxes(range=[first, year_end + dt.timedelta(days=3)])
    fig.update_yaxes(title_text="Số đối tượng", tickformat=COUNT_TICKS, rangemode="tozero")
    return _style(fig, height=440, meeting=meeting)


def rate_figure(trend: pd.DataFrame, meeting: bool = False, height: int = 320) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=trend["date"], y=trend["rate_pct"].astype(float), mode="lines",
        line={"color": PRIMARY, "width": 3}, name="Tỷ lệ",
        hovertemplate=DATE_HOVER + "<br>Tỷ lệ: %{y:,.2f}%<extra></extra>"))
    if not trend.empty:
        _date_axis(fig, trend["date"].min(), trend["date"].max())
    fig.update_yaxes(title_text=FIELD_LABELS["rate"], ticksuffix="%", tickformat=RATE_TICKS,
                     rangemode="tozero")
    return _style(fig, height=height, meeting=meeting, legend=False)


def daily_new_figure(trend: pd.DataFrame, meeting: bool = False) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(x=trend["date"], y=trend["new_accounts"].astype(float),
                name="Tài khoản mở mới", marker_color=SECOND,
                hovertemplate=DATE_HOVER + "<br>Tài khoản mới: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=trend["date"], y=trend["new_cashless"].astype(float),
                name="Chi trả qua tài khoản mới", marker_color=PRIMARY,
                hovertemplate=DATE_HOVER + "<br>Chi trả mới: %{y:,.0f}<extra></extra>")
    if not trend.empty:
        _date_axis(fig, trend["date"].min(), trend["date"].max())
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Số đối tượng mỗi ngày", tickformat=COUNT_TICKS)
    return _style(fig, height=300, meeting=meeting)


def compare_figure(series: dict[str, pd.DataFrame], field: str,
                   meeting: bool = False) -> go.Figure:
    """Several units on one chart: their rates (or counts) day by day."""
    is_rate = field == "rate_pct"
    fig = go.Figure()
    first, last = None, None
    for i, (name, frame) in enumerate(series.items()):
        if frame.empty:
            continue
        value = "%{y:,.2f}%" if is_rate else "%{y:,.0f}"
        fig.add_scatter(x=frame["date"], y=frame[field].astype(float), mode="lines",
                        name=name, line={"color": PALETTE[i % len(PALETTE)], "width": 2.5},
                        hovertemplate=f"{name}<br>{DATE_HOVER}<br>{value}<extra></extra>")
        first = min(first or frame["date"].min(), frame["date"].min())
        last = max(last or frame["date"].max(), frame["date"].max())
    if first is not None:
        _date_axis(fig, first, last)
    if is_rate:
        fig.update_yaxes(title_text=FIELD_LABELS["rate"], ticksuffix="%", tickformat=RATE_TICKS,
                         rangemode="tozero")
    else:
        fig.update_yaxes(title_text="Chi trả qua tài khoản", tickformat=COUNT_TICKS,
                         rangemode="tozero")
    return _style(fig, height=420, meeting=meeting)


def short_trend(trend: pd.DataFrame, path: pd.DataFrame | None = None) -> go.Figure:
    """The overview's last weeks: accounts opened and payments made into them."""
    fig = go.Figure()
    fig.add_scatter(x=trend["date"], y=trend["accounts"].astype(float), mode="lines+markers",
                    name="Đã có tài khoản", line={"color": SECOND, "width": 2},
                    marker={"size": 4},
                    hovertemplate=DATE_HOVER + "<br>Đã có tài khoản: %{y:,.0f}<extra></extra>")
    fig.add_scatter(x=trend["date"], y=trend["cashless"].astype(float), mode="lines+markers",
                    name="Chi trả qua tài khoản", line={"color": PRIMARY, "width": 3},
                    marker={"size": 4},
                    hovertemplate=DATE_HOVER + "<br>Chi trả qua tài khoản: %{y:,.0f}"
                                               "<extra></extra>")
    if not trend.empty:
        _date_axis(fig, trend["date"].min(), trend["date"].max())
    fig.update_yaxes(title_text="Số đối tượng", tickformat=COUNT_TICKS)
    return _style(fig, height=320)
