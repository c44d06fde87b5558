"""The Vietnamese sentence that opens the overview and the meeting notes.

Leaders read one sentence before any chart ("Toàn tỉnh đạt 4,8%, xếp thứ 58/63, tăng 30 tài
khoản trong 5 ngày."), so it is built here from the metrics, with the same rules as the
cards, and tested on the figures of the source documents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Connection

from core import formatting as fmt
from core.analytics import metrics, quotas
from core.catalogue.units import by_code
from core.vocabulary import ALL_GROUPS, GROUP_LABELS, UNIT_KIND_LABELS


@dataclass(frozen=True)
class Situation:
    """Everything the sentence says about one unit, group and date."""

    code: str
    as_of: dt.date
    group: str
    days: int
    rate_pct: float | None
    rank: tuple[int, int] | None
    rank_change: int | None
    account_change: int | None
    gap: tuple[str, int] | None
    year_target: int | None
    projection: dict | None


def situation(conn: Connection, code: str, as_of: dt.date, group: str = ALL_GROUPS,
              days: int = 7) -> Situation | None:
    """Gather the figures of the sentence; None when the unit has no figures on the date."""
    figs = metrics.figures_as_of(conn, [code], as_of, group)
    if figs.empty:
        return None
    return assemble(code, as_of, group, days, figs,
                    peers=metrics.ranking_change(conn, as_of, group, metrics.peers_parent(code),
                                                 days),
                    trend=metrics.trend(conn, code, group, until=as_of),
                    target=quotas.year_target(conn, code, as_of.year, group))


def assemble(code: str, as_of: dt.date, group: str, days: int, figs: pd.DataFrame, *,
             peers: pd.DataFrame, trend: pd.DataFrame, target: int | None) -> Situation | None:
    """The situation from what `situation` reads: the unit's figures on the date, its peers'
    ranking with the change over `days` (metrics.ranking_change of metrics.peers_parent),
    its trend to the date and its year target. Pages pass what they have already read (and
    share the peers' ranking between units)."""
    if figs.empty:
        return None
    hit = peers[peers["code"] == code]
    rank_change = None
    if not hit.empty and not _missing(hit["rank_change"].iloc[0]):
        rank_change = int(hit["rank_change"].iloc[0])
    projection = None
    if target is not None:
        projection = metrics.projection(trend, as_of, target, dt.date(as_of.year, 12, 31))
    rate = figs["rate_pct"].iloc[0]
    return Situation(
        code=code, as_of=as_of, group=group, days=days,
        rate_pct=None if _missing(rate) else float(rate),
        rank=metrics.rank_of(peers, code), rank_change=rank_change,
        account_change=metrics.change_over(trend, "accounts", as_of, days),
        gap=metrics.gap_to_next(peers, code), year_target=target, projection=projection)


# A rank among fewer units is no news ("1/1" says nothing): it is left out of the headline
# cards, the summary sentence and the briefing's ranking section.
MIN_RANKED = 3


def rank_is_news(rank: tuple[int, int] | None) -> bool:
    """Whether a rank (position, units ranked) is worth a headline."""
    return rank is not None and rank[1] >= MIN_RANKED


def whole_unit(code: str) -> str:
    """"Toàn tỉnh", "Toàn huyện", "Toàn thị xã", "Toàn phường"... from the unit's kind."""
    kind = UNIT_KIND_LABELS[by_code()[code].kind].lower()
    return f"Toàn {kind}"


def peers_scope(code: str) -> str:
    """" trong tỉnh", " trong huyện"...: whom a unit is ranked among; "" for provinces
    (ranked nationally)."""
    parent = metrics.peers_parent(code)
    if parent is None:
        return ""
    return f" trong {UNIT_KIND_LABELS[by_code()[parent].kind].lower()}"


def sentence(s: Situation) -> str:
    """The headline sentence, then what it takes to move up and where the pace leads."""
    head = [f"{whole_unit(s.code)} đạt {fmt.percent(s.rate_pct)}"]
    if rank_is_news(s.rank):
        head.append(f"xếp thứ {s.rank[0]}/{s.rank[1]}{peers_scope(s.code)}")
    if s.account_change is not None:
        head.append(_account_change(s.account_change, s.days))
    text = ", ".join(head) + "."
    if s.group != ALL_GROUPS:
        text = f"{GROUP_LABELS[s.group]}: {text[0].lower()}{text[1:]}"
    extra = []
    if s.rank_change and rank_is_news(s.rank):
        moved = "tăng" if s.rank_change > 0 else "giảm"
        extra.append(f"Thứ hạng {moved} {abs(s.rank_change)} bậc so với {s.days} ngày trước.")
    if s.gap is not None:
        extra.append(f"Cần thêm {fmt.number(s.gap[1])} người được chi trả qua tài khoản để "
                     f"vượt {s.gap[0]}.")
    if s.projection is not None and s.year_target is not None:
        extra.append(_projection_text(s.projection, s.year_target, s.as_of))
    return " ".join([text, *extra])


def _account_change(change: int, days: int) -> str:
    if change > 0:
        return f"tăng {fmt.number(change)} tài khoản trong {days} ngày"
    if change < 0:
        return f"giảm {fmt.number(-change)} tài khoản trong {days} ngày"
    return f"không có thêm tài khoản nào trong {days} ngày"


def _projection_text(p: dict, target: int, as_of: dt.date) -> str:
    year_end = dt.date(as_of.year, 12, 31)
    met = p.get("date_target_met")
    if p.get("current") is not None and p["current"] >= target:
        return f"Đã đạt chỉ tiêu năm ({fmt.number(p['current'])}/{fmt.number(target)})."
    if met is not None and met <= year_end:
        return (f"Theo tốc độ {metrics.RECENT_PACE_DAYS} ngày gần nhất, dự kiến đạt chỉ tiêu "
                f"năm ({fmt.number(target)} người) vào ngày {fmt.date(met)}.")
    if p.get("projected_at_horizon") is not None:
        return (f"Theo tốc độ {metrics.RECENT_PACE_DAYS} ngày gần nhất, đến {fmt.date(year_end)}"
                f" chỉ đạt khoảng {fmt.number(p['projected_at_horizon'])}/{fmt.number(target)}"
                f" người, không hoàn thành chỉ tiêu năm.")
    return ""


def _missing(value) -> bool:
    return value is None or value is pd.NA or str(value) in ("<NA>", "nan", "NaN")
