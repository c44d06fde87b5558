"""What the meeting briefing says about one unit on one date, gathered once for both files.

The deck (exports.briefing_pptx) and its PDF (exports.briefing_pdf) show the same content: the
headline figures with the generated summary sentence, the ranking among peers (and of the
unit's own districts or communes), quota attainment by district, the lagging communes and
the trend toward the targets. Everything comes from analytics.metrics and analytics.summary, the
same functions the pages call, and the charts from exports.charts, the pages' own builders;
so
what leaves the meeting as a file is what was on the screen.

A section with nothing to show (no quotas, no commune reports) is left out rather than
shown empty; `sections` says which are in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy.engine import Connection

from core import formatting as fmt
from core.access import settings
from core.analytics import metrics, quotas, status, summary
from core.analytics.status import ATTAINMENT_LABELS, RateThresholds, attainment_light, lag_light
from core.catalogue.units import by_code, descendant_codes
from core.errors import UserError
from core.exports import charts as figures
from core.exports import render, tilemap
from core.storage import sources
from core.vocabulary import (
    ALL_GROUPS,
    COMMUNE,
    DISTRICT,
    FIELD_LABELS,
    GROUP_LABELS,
    PROVINCE,
    REASON_LABELS,
    UNIT_KIND_LABELS,
)

TITLE = "BÁO CÁO TIẾN ĐỘ CHI TRẢ AN SINH XÃ HỘI KHÔNG DÙNG TIỀN MẶT"
DEMO_NOTE = "Dữ liệu mẫu (demo) — số liệu minh họa, không phải số liệu thật"
# A ranking is drawn in meeting-size type up to MEETING_BARS bars a column (two columns at
# most), longer ones (63 provinces) in page-size type up to BARS_PER_COLUMN a column.
MEETING_BARS, BARS_PER_COLUMN = 24, 32
SECTION_LABELS = {
    "headline": "Kết quả chung",
    "ranking": "Xếp hạng",
    "tilemap": "Bản đồ các tỉnh, thành phố",
    "children": "Xếp hạng các đơn vị trực thuộc",
    "attainment": "Kết quả so với chỉ tiêu",
    "lagging": "Xã chậm tiến độ",
    "trend": "Xu hướng và lộ trình chỉ tiêu",
}
CARD_LABELS = (("total", "Đối tượng đang hưởng"), ("accounts", "Đã có tài khoản"),
               ("cashless", "Chi trả qua tài khoản"), ("rate_pct", "Tỷ lệ"))


@dataclass(frozen=True)
class Card:
    """One headline figure as the deck writes it: label, value, what changed."""

    label: str
    value: str
    change: str


@dataclass
class Briefing:
    """The briefing's content for one unit, date and group; texts already formatted."""

    unit: str
    as_of: dt.date
    group: str
    days: int
    demo: bool
    source: str
    sentence: str
    cards: list[Card]
    quota_lines: list[str]
    ranking: pd.DataFrame
    ranking_title: str
    average: float | None
    average_label: str
    children: pd.DataFrame
    children_title: str
    children_average: float | None
    thresholds: RateThresholds
    attainment: pd.DataFrame
    quarter: int
    lagging: pd.DataFrame | None
    lag_threshold: float | None
    trend: pd.DataFrame
    path: pd.DataFrame
    outlook: dict
    sections: list[str] = field(default_factory=list)
    rate_pct: float | None = None  # the headline rate as a number (its light's colour)
    provinces: pd.DataFrame | None = None  # the national ranking, for the tile map

    @property
    def name(self) -> str:
        return by_code()[self.unit].name

    @property
    def scope(self) -> str:
        """"Huyện Bình Sơn, Tỉnh Quảng Ngãi": the unit and, below a province, its province."""
        place = by_code()[self.unit]
        if place.level == PROVINCE:
            return place.name
        return f"{place.name}, {by_code()[place.province_code].name}"

    @property
    def subtitle(self) -> str:
        return f"Số liệu tính đến ngày {fmt.date(self.as_of)} · {GROUP_LABELS[self.group]}"

    @property
    def footer(self) -> str:
        text = f"{self.name} · Tính đến ngày {fmt.date(self.as_of)}"
        return f"{text} · DỮ LIỆU MẪU" if self.demo else text

    def lag_summary(self) -> str:
        """"18 xã: 4 chưa triển khai, 14 dưới ngưỡng; ngưỡng: dưới 8,67% (tỷ lệ chung của
        Huyện Bình Sơn)"."""
        table = self.lagging if self.lagging is not None else pd.DataFrame()
        counts = metrics.lag_counts(table)
        parts = [f"{n} {REASON_LABELS[r].lower()}" for r, n in counts.items() if n]
        head = f"{len(table)} xã" + (f": {', '.join(parts)}" if parts else "")
        return (f"{head}; ngưỡng: dưới {fmt.percent(self.lag_threshold)} (tỷ lệ chung của "
                f"{self.name}).")

    def outlook_line(self) -> str:
        """The year's target, where the recent pace leads and the pace still needed."""
        o = self.outlook
        year_end = o.get("year_end") or dt.date(self.as_of.year, 12, 31)
        parts = []
        if o.get("per_day") is not None:
            parts.append(f"Tốc độ {metrics.RECENT_PACE_DAYS} ngày gần nhất: "
                         f"{fmt.number(o['per_day'], 1)} người/ngày")
        if o.get("projected_at_horizon") is not None:
            parts.append(f"dự báo đến {fmt.date(year_end)}: "
                         f"{fmt.number(o['projected_at_horizon'])} người")
        if o.get("target") is None:
            parts.append(f"chưa có chỉ tiêu năm {self.as_of.year}")
        else:
            parts.append(f"chỉ tiêu năm {self.as_of.year}: {fmt.number(o['target'])}")
            if o.get("pace_needed") is not None:
                parts.append(f"cần {fmt.number(o['pace_needed'], 1)} người/ngày để đạt "
                             f"đúng hạn")
        text = "; ".join(parts)
        return (text[:1].upper() + text[1:] + ".") if text else ""


# --------------------------------------------------------------------------------- gather

def collect(conn: Connection, unit: str, as_of: dt.date | None = None,
            group: str = ALL_GROUPS, days: int = 7) -> Briefing:
    """Everything the briefing shows; a Vietnamese UserError when the unit has no figures."""
    place = by_code()[unit]
    as_of = as_of or metrics.latest_date(conn, unit)
    if as_of is None:
        raise UserError(f"Chưa có số liệu nào của {place.name}.")
    situation = summary.situation(conn, unit, as_of, group, days)
    figs = metrics.figures_as_of(conn, [unit], as_of, group)
    if situation is None or figs.empty:
        raise UserError(f"Chưa có số liệu của {place.name} tính đến ngày {fmt.date(as_of)}.")
    trend = metrics.trend(conn, unit, group, until=as_of)
    peers = metrics.peers_parent(unit)
    ranking = metrics.ranking(conn, as_of, group, peers)
    children = (metrics.ranking(conn, as_of, group, unit) if place.level < COMMUNE
                else pd.DataFrame())
    detail = quotas.attainment_detail(conn, unit, as_of, group)
    lagging, lag_threshold = _lagging(conn, unit, as_of, group)
    b = Briefing(
        unit=unit, as_of=as_of, group=group, days=days, demo=sources.is_demo_loaded(conn),
        source=sources.describe(sources.source_uploads(conn, unit, as_of)),
        sentence=summary.sentence(situation),
        cards=_cards(figs.iloc[0], trend, as_of, days, situation),
        quota_lines=_quota_lines(detail, as_of),
        ranking=ranking, ranking_title=_ranking_title(unit, len(ranking)),
        average=metrics.overall_rate(ranking), average_label=_average_label(peers),
        children=children, children_title=_children_title(unit),
        children_average=metrics.overall_rate(children) if not children.empty else None,
        thresholds=status.rate_thresholds(settings.load(conn)),
        attainment=detail[detail["level"] == "child"].reset_index(drop=True),
        quarter=metrics.quarter_of(as_of), lagging=lagging, lag_threshold=lag_threshold,
        trend=trend, path=metrics.target_path(conn, unit, as_of.year, group),
        outlook=quotas.outlook(conn, unit, as_of, group),
        rate_pct=None if pd.isna(figs.iloc[0]["rate_pct"]) else float(figs.iloc[0]["rate_pct"]),
        provinces=ranking if peers is None else metrics.ranking(conn, as_of, group))
    b.sections = _sections(b)
    return b


def _cards(row: pd.Series, trend: pd.DataFrame, as_of: dt.date, days: int,
           situation: summary.Situation) -> list[Card]:
    changes = metrics.headline_changes(trend, as_of, days)
    cards = []
    for field_name, label in CARD_LABELS:
        is_rate = field_name == "rate_pct"
        value = fmt.percent(row[field_name]) if is_rate else fmt.number(row[field_name])
        over = changes[field_name]["over_days"]
        if over is None:
            change = f"{days} ngày: –"
        elif is_rate:
            change = f"{days} ngày: {_signed_points(over)}"
        else:
            change = f"{days} ngày: {fmt.signed(int(over))}"
        cards.append(Card(label, value, change))
    rank = situation.rank
    if not summary.rank_is_news(rank):
        return cards
    moved = situation.rank_change
    change = (f"{days} ngày: " + ("không đổi" if moved == 0 else
                                  f"{'tăng' if moved > 0 else 'giảm'} {abs(moved)} bậc")
              ) if moved is not None else ""
    cards.append(Card(_rank_label(situation.code), f"{rank[0]}/{rank[1]}", change))
    return cards


def _signed_points(value: float) -> str:
    if round(value, 2) == 0:
        return "0 điểm\u00a0%"
    return f"{'+' if value > 0 else '−'}{fmt.number(abs(value), 2)} điểm\u00a0%"


def _rank_label(code: str) -> str:
    return f"Xếp hạng{summary.peers_scope(code) or ' toàn quốc'}"


def _ranking_title(code: str, ranked: int) -> str:
    """Short enough for one line of a slide title: "Xếp hạng toàn quốc · 63 tỉnh, thành phố"."""
    peers = metrics.peers_parent(code)
    if peers is None:
        return f"Xếp hạng toàn quốc · {ranked} tỉnh, thành phố"
    kind = "huyện" if by_code()[code].level == DISTRICT else "xã"
    return f"Xếp hạng trong {by_code()[peers].name} · {ranked} {kind}"


def _children_title(code: str) -> str:
    place = by_code()[code]
    kind = "huyện" if place.level == PROVINCE else "xã"
    return f"Xếp hạng các {kind} của {place.name}"


def _average_label(peers: str | None) -> str:
    if peers is None:
        return "Tỷ lệ chung cả nước"
    return f"Tỷ lệ chung {UNIT_KIND_LABELS[by_code()[peers].kind].lower()}"


def _quota_lines(detail: pd.DataFrame, as_of: dt.date) -> list[str]:
    own = detail[detail["level"] == "self"]
    if own.empty:
        return []
    goal = own.iloc[0]
    quarter = metrics.quarter_of(as_of)
    return [
        f"Chỉ tiêu cộng dồn đến hết quý {quarter}: đạt {fmt.percent(goal['attainment_pct'])} "
        f"({fmt.number(goal['cashless'])}/{fmt.number(goal['quota_to_date'])}) · "
        f"{ATTAINMENT_LABELS.get(goal['status'], '–')}",
        f"Chỉ tiêu năm {as_of.year}: đạt {fmt.percent(goal['year_attainment_pct'])} "
        f"({fmt.number(goal['cashless'])}/{fmt.number(goal['quota_year'])}) · cần "
        f"{fmt.number(goal['pace_year'], 1)} người/ngày",
    ]


def _lagging(conn: Connection, unit: str, as_of: dt.date,
             group: str) -> tuple[pd.DataFrame | None, float | None]:
    """The lagging communes, or (None, None) where no commune under the unit reports: a list
    of every commune as «not reported» would say nothing."""
    place = by_code()[unit]
    if place.level == COMMUNE:
        return None, None
    reporting = set(sources.districts_with_commune_reports(conn))
    districts = {unit} if place.level == DISTRICT else set(descendant_codes(unit, DISTRICT))
    if not reporting & districts:
        return None, None
    threshold = metrics.lag_threshold(conn, unit, as_of, group)
    return metrics.lagging(conn, unit, as_of, threshold, group), threshold


def _sections(b: Briefing) -> list[str]:
    found = ["headline"]
    if len(b.ranking) >= summary.MIN_RANKED:  # a ranking of one or two says nothing
        found.append("ranking")
    if b.provinces is not None and len(b.provinces) > 1:
        found.append("tilemap")
    if len(b.children) >= summary.MIN_RANKED:
        found.append("children")
    if not b.attainment.empty:
        found.append("attainment")
    if b.lagging is not None:
        found.append("lagging")
    if not b.trend.empty:
        found.append("trend")
    return found


# -------------------------------------------------------------------------------- figures
# Charts are rendered once per briefing at one pixel size and placed by both files: the deck
# at PX_PER_IN (a meeting figure's 20 px type is then 14 pt on the slide), the PDF scaled to
# its page; so the PDF made after the deck reuses the rendered images (core.exports.render's cache).
PX_PER_IN = 100
CHART_WIDTH_IN, CHART_HEIGHT_IN, COLUMN_GAP_IN = 12.43, 5.7, 0.3
NOTE_HEIGHT_IN = 0.6


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes (at scale 2) and its size in CSS pixels and inches."""

    png: bytes
    width_px: int
    height_px: int
    px_per_in: int

    @property
    def width_in(self) -> float:
        return self.width_px / self.px_per_in

    @property
    def height_in(self) -> float:
        return self.height_px / self.px_per_in


def draw(fig: go.Figure, width_in: float, height_in: float,
         px_per_in: int = PX_PER_IN) -> Chart:
    """Render a figure at the size of its place (its type stays the size the figure asks)."""
    fig = go.Figure(fig)
    width, height = round(width_in * px_per_in), round(height_in * px_per_in)
    fig.update_layout(width=width, height=height)
    return Chart(render.png(fig, width, height, scale=2), width, height, px_per_in)


def split_ranking(table: pd.DataFrame, per_column: int) -> list[pd.DataFrame]:
    """A long ranking in columns of at most `per_column` units, as even as possible
    (63 provinces: 32 and 31)."""
    if len(table) <= per_column:
        return [table]
    columns = -(-len(table) // per_column)
    size = -(-len(table) // columns)
    return [table.iloc[i:i + size] for i in range(0, len(table), size)]


def ranking_layout(count: int) -> tuple[int, bool]:
    """(bars per column, meeting-size type) for a ranking of `count` units."""
    if count <= 2 * MEETING_BARS:
        return MEETING_BARS, True
    return BARS_PER_COLUMN, False


def ranking_figures(table: pd.DataFrame, *, highlight: str | None, average: float | None,
                    average_label: str, thresholds: RateThresholds) -> list[go.Figure]:
    """The pages' ranking bars, one figure per column, on a shared rate axis, every unit
    named (plotly would otherwise drop labels it finds crowded)."""
    per_column, meeting = ranking_layout(len(table))
    top = max([float(v) for v in table["rate_pct"]] + [average or 0.0])
    out = []
    for part in split_ranking(table, per_column):
        fig = figures.ranking_bars(part, highlight=highlight, average=average,
                                   average_label=average_label, thresholds=thresholds,
                                   meeting=meeting)
        fig.update_xaxes(range=[0, top * 1.18 + 0.5])
        fig.update_yaxes(dtick=1)
        out.append(fig)
    return out


def ranking_charts(b: Briefing, section: str) -> list[Chart]:
    """The peers' ranking ("ranking") or the unit's own children's ("children"), drawn at a
    pixel density that leaves every bar room for its label."""
    table = b.ranking if section == "ranking" else b.children
    if section == "ranking":
        figs = ranking_figures(table, highlight=b.unit, average=b.average,
                               average_label=b.average_label, thresholds=b.thresholds)
    else:
        figs = ranking_figures(table, highlight=None, average=b.children_average,
                               average_label=f"Tỷ lệ chung của {b.name}",
                               thresholds=b.thresholds)
    _, meeting = ranking_layout(len(table))
    bars = max(len(f.data[0].y) for f in figs)
    needed = ((27 if meeting else 18) * bars + 140) / CHART_HEIGHT_IN
    density = max(PX_PER_IN, math.ceil(needed))
    width = (CHART_WIDTH_IN - COLUMN_GAP_IN * (len(figs) - 1)) / len(figs)
    return [draw(f, width, CHART_HEIGHT_IN, density) for f in figs]


TILE_PX = 48


def tilemap_chart(b: Briefing, height_in: float = CHART_HEIGHT_IN) -> Chart:
    """The provinces' tile map, the unit's province outlined, drawn at a density that keeps
    its labels sharp at the place's height."""
    fig = tilemap.figure(b.provinces, thresholds=b.thresholds,
                         outlined=by_code()[b.unit].province_code, tile_px=TILE_PX)
    width, height = tilemap.width_for(TILE_PX), int(fig.layout.height)
    density = math.ceil(height / height_in)
    return draw(fig, width / density, height / density, density)


def tilemap_lines(b: Briefing) -> list[str]:
    """What the map shows in words: the unit's province, the five best and the five last."""
    table = b.provinces
    province = by_code()[b.unit].province_code
    lines = []
    mine = table[table["code"] == province]
    if not mine.empty:
        r = mine.iloc[0]
        lines.append(f"{tilemap.province_name(province)}: {fmt.percent(r['rate_pct'])}, "
                     f"xếp thứ {int(r['rank'])}/{len(table)}")
    name = {c: tilemap.province_name(c).removeprefix("Tỉnh ") for c in table["code"]}
    best = ", ".join(f"{name[r.code]} {fmt.percent(r.rate_pct)}"
                     for r in table.head(5).itertuples(index=False))
    last = ", ".join(f"{name[r.code]} {fmt.percent(r.rate_pct)}"
                     for r in table.tail(5).iloc[::-1].itertuples(index=False))
    lines.append(f"Dẫn đầu: {best}")
    lines.append(f"Thấp nhất: {last}")
    lines.append(f"Tỷ lệ chung cả nước: {fmt.percent(metrics.overall_rate(table))}")
    return lines


TILEMAP_TITLE = "Tỷ lệ chi trả qua tài khoản các tỉnh, thành phố"


def attainment_chart(b: Briefing) -> Chart:
    return draw(figures.attainment_bars(b.attainment, b.quarter, meeting=True),
                CHART_WIDTH_IN, CHART_HEIGHT_IN)


def trend_chart(b: Briefing) -> Chart:
    fig = figures.progress_figure(b.trend, path=b.path, projection=b.outlook, as_of=b.as_of,
                                  year_end=dt.date(b.as_of.year, 12, 31), meeting=True)
    return draw(fig, CHART_WIDTH_IN, CHART_HEIGHT_IN - NOTE_HEIGHT_IN)


def lag_rows(b: Briefing) -> list[list[str]]:
    """The lagging list as the deck and the PDF print it: STT, commune, (district), total,
    paid via account, rate, reason; numbers as text in Vietnamese format."""
    table = b.lagging if b.lagging is not None else pd.DataFrame()
    with_parent = by_code()[b.unit].level < DISTRICT
    rows = []
    for i, r in enumerate(table.itertuples(index=False), start=1):
        district = by_code()[by_code()[r.code].parent_code].short_name
        rows.append([str(i), r.name, *([district] if with_parent else []), fmt.number(r.total),
                     fmt.number(r.cashless), fmt.percent(r.rate_pct),
                     REASON_LABELS.get(r.reason, r.reason)])
    return rows


def lag_headers(b: Briefing) -> list[str]:
    with_parent = by_code()[b.unit].level < DISTRICT
    return ["STT", "Xã, phường, thị trấn", *(["Thuộc huyện"] if with_parent else []),
            FIELD_LABELS["total"], "Chi trả qua tài khoản", "Tỷ lệ", "Tình trạng"]


def lag_lights(b: Briefing) -> list[str | None]:
    """Each lagging commune's light, by the one rule for a rate (analytics.status.lag_light)."""
    table = b.lagging if b.lagging is not None else pd.DataFrame(columns=["reason", "rate_pct"])
    return [lag_light(r, v, b.thresholds) for r, v in zip(table["reason"], table["rate_pct"],
                                                          strict=True)]


def attainment_lights(b: Briefing) -> list[str | None]:
    return [attainment_light(s) for s in b.attainment["status"]]


def attainment_rows(b: Briefing) -> list[list[str]]:
    """Quota attainment by district as text rows (the PDF prints them under the chart)."""
    rows = []
    for r in b.attainment.itertuples(index=False):
        rows.append([r.name, ATTAINMENT_LABELS.get(r.status, "–"), fmt.number(r.cashless),
                     fmt.number(r.expected_to_date), fmt.number(r.quota_to_date),
                     fmt.number(r.quota_year), fmt.percent(r.attainment_pct),
                     fmt.percent(r.year_attainment_pct)])
    return rows


def attainment_headers(b: Briefing) -> list[str]:
    return ["Đơn vị", "Tình trạng", "Đã chi trả", "Cần đạt đến nay",
            f"Chỉ tiêu quý {b.quarter}", "Chỉ tiêu năm", "% quý", "% năm"]


def file_name(unit: str, as_of: dt.date, extension: str, group: str = ALL_GROUPS) -> str:
    """An ASCII name every mail client keeps: bao-cao-giao-ban_tinh-quang-nam_2024-01-23.pptx
    (with _btxh before the extension for one group)."""
    from core.text import slug

    suffix = "" if group == ALL_GROUPS else f"_{group}"
    return (f"bao-cao-giao-ban_{slug(by_code()[unit].name)}_{as_of.isoformat()}{suffix}"
            f".{extension}")


TREND_TITLE = "Chi trả qua tài khoản, lộ trình chỉ tiêu và dự báo"


def attainment_title(b: Briefing) -> str:
    return f"Kết quả so với chỉ tiêu đến hết quý {b.quarter} theo đơn vị"
