"""Figures of the timeliness and data-quality pages, in ui.charts' conventions (separators
",." so that d3 writes 12.233 and 88,1%; explicit tick formats; Vietnamese labels)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from core import formatting as fmt
from core.analytics import timeliness
from core.analytics.status import AMBER, GREEN, NEUTRAL, RED, light_colour
from core.vocabulary import FIELD_LABELS
from ui.charts import _style  # one style for every chart

STATUS_COLOURS = {timeliness.ON_TIME: light_colour(GREEN), timeliness.LATE: light_colour(AMBER),
                  timeliness.MISSING: light_colour(RED)}
_CODES = {timeliness.ON_TIME: 0, timeliness.LATE: 1, timeliness.MISSING: 2}
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def _status_scale() -> list[list]:
    """A discrete colour scale for the codes 0, 1, 2."""
    colours = [STATUS_COLOURS[s] for s in timeliness.STATUSES]
    return [[0.0, colours[0]], [1 / 3, colours[0]], [1 / 3, colours[1]], [2 / 3, colours[1]],
            [2 / 3, colours[2]], [1.0, colours[2]]]


def _hover(status: str, minutes) -> str:
    label = timeliness.STATUS_LABELS[status]
    if status == timeliness.LATE and minutes is not None and not pd.isna(minutes):
        return f"{label} {late_text(minutes)}"
    return label


def late_text(minutes: float) -> str:
    """"42 phút", "3 giờ 05 phút", "1 ngày 2 giờ"."""
    minutes = int(round(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ"
    return f"{hours} giờ {mins:02d} phút" if hours else f"{mins} phút"


def _legend(fig: go.Figure) -> None:
    """Invisible markers that name the three colours in a normal legend."""
    for status in timeliness.STATUSES:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=timeliness.STATUS_LABELS[status],
                        marker={"size": 12, "symbol": "square", "color": STATUS_COLOURS[status]},
                        showlegend=True, hoverinfo="skip")


def punctuality_heatmap(hist: pd.DataFrame, order: list[str]) -> go.Figure:
    """Units (rows, in `order`) by day (columns): on time, late or missing."""
    rows = hist[hist["code"].isin(order)]
    days = sorted(set(rows["report_date"]))
    names = {c: n for c, n in zip(rows["code"], rows["name"], strict=True)}
    grid = rows.pivot(index="code", columns="report_date", values="status").reindex(
        index=order, columns=days)
    late = rows.pivot(index="code", columns="report_date", values="minutes_late").reindex(
        index=order, columns=days)
    z = grid.apply(lambda col: col.map(_CODES)).to_numpy(dtype=float)
    text = [[f"{names[c]}<br>{d:%d/%m/%Y}: {_hover(s, m)}"
             for d, s, m in zip(days, grid.loc[c], late.loc[c], strict=True)] for c in order]
    labels = [names[c] for c in order]
    fig = go.Figure(go.Heatmap(
        z=z, x=[pd.Timestamp(d) for d in days], y=labels, text=text,
        hovertemplate="%{text}<extra></extra>", colorscale=_status_scale(), zmin=-0.5,
        zmax=2.5, showscale=False, xgap=2, ygap=2))
    _legend(fig)
    span = (days[-1] - days[0]).days if days else 0
    fig.update_xaxes(tickformat="%d/%m", dtick=86_400_000 * (1 if span <= 14 else 7),
                     showgrid=False)
    fig.update_yaxes(autorange="reversed", type="category", showgrid=False)
    fig = _style(fig, height=max(260, 22 * len(order) + 120))
    fig.update_layout(xaxis={"zeroline": False}, yaxis={"zeroline": False})
    return fig


def calendar(hist: pd.DataFrame, name: str) -> go.Figure:
    """One unit's days as a calendar: weeks across, weekdays down."""
    rows = hist.sort_values("report_date")
    days = list(rows["report_date"])
    monday = days[0] - dt.timedelta(days=days[0].weekday())
    weeks = sorted({(d - monday).days // 7 for d in days})
    z = [[None] * len(weeks) for _ in range(7)]
    text = [[""] * len(weeks) for _ in range(7)]
    for d, status, minutes in zip(rows["report_date"], rows["status"], rows["minutes_late"],
                                  strict=True):
        week = weeks.index((d - monday).days // 7)
        z[d.weekday()][week] = _CODES[status]
        text[d.weekday()][week] = f"{WEEKDAYS[d.weekday()]} {d:%d/%m/%Y}: {_hover(status, minutes)}"
    starts = [monday + dt.timedelta(weeks=w) for w in weeks]
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"{s:%d/%m}" for s in starts], y=WEEKDAYS, text=text,
        hovertemplate="%{text}<extra></extra>", colorscale=_status_scale(), zmin=-0.5,
        zmax=2.5, showscale=False, xgap=3, ygap=3))
    _legend(fig)
    fig.update_xaxes(type="category", title_text=f"Tuần bắt đầu (thứ Hai) · {name}",
                     showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return _style(fig, height=330)


def identity_funnel(stages: pd.DataFrame) -> go.Figure:
    """The funnel from everyone to verify down to payments into an account."""
    colours = ["#90a4ae", "#78909c", "#546e7a", "#37474f", NEUTRAL][:len(stages)]
    fig = go.Figure(go.Funnel(
        y=list(stages["label"]), x=[int(v) for v in stages["count"]],
        text=[f"{fmt.number(c)} · {fmt.percent(p, 1)}" for c, p in zip(
            stages["count"], stages["pct"], strict=True)],
        textinfo="text", marker={"color": colours},
        textposition=["inside" if p is not None and p >= 25 else "outside"
                      for p in stages["pct"]],
        connector={"line": {"color": "#cfd8dc"}},
        hovertemplate="%{y}: %{x:,d}<extra></extra>"))
    fig = _style(fig, height=360, legend=False)
    fig.update_yaxes(tickfont={"size": 14})
    return fig


def unresolved_bars(table: pd.DataFrame) -> go.Figure:
    """Open cases per unit, most first: pending, and no ID card / mismatched / not found."""
    rows = table.iloc[::-1]
    fig = go.Figure()
    fig.add_bar(y=rows["name"], x=rows["pending"].astype(float), orientation="h",
                name=FIELD_LABELS["id_pending"], marker_color=light_colour(AMBER),
                hovertemplate="%{y}<br>Chờ xác thực: %{x:,d}<extra></extra>")
    fig.add_bar(y=rows["name"], x=rows["problem"].astype(float), orientation="h",
                name="Không có CCCD, lệch thông tin, không tìm thấy",
                marker_color=light_colour(RED),
                text=[fmt.number(v) for v in rows["unresolved"]], textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}<br>Không có CCCD, lệch, không tìm thấy: %{x:,d}"
                              "<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="Số trường hợp chưa xác thực", tickformat=",d")
    fig.update_yaxes(type="category")
    return _style(fig, height=max(280, 26 * len(rows) + 140))
