"""Every metric the dashboard shows, computed once here for the pages, the CLI and the exports.

Two rules run through all of them:
- "As of date D" means each unit's latest report on or before D.
- A unit's figures are its own report when it has one; otherwise the sum of its children's
  figures (a district that only receives commune reports still has figures).
Group `all` is the sum of the groups where reports give groups.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from core.catalogue.units import by_code, child_codes, descendant_codes, province_codes
from core.storage import rollups, store
from core.vocabulary import ALL_GROUPS, COMMUNE, COUNT_FIELDS

RECENT_PACE_DAYS = 14


# ------------------------------------------------------------------------------ primitives

def rate_pct(cashless: float | None, total: float | None) -> float | None:
    """cashless / total as a percentage; None where there is nobody to pay."""
    if cashless is None or total is None or pd.isna(cashless) or pd.isna(total) or total <= 0:
        return None
    return float(cashless) / float(total) * 100.0


def _rates(cashless: pd.Series, total: pd.Series) -> pd.Series:
    """rate_pct for whole columns at once; None where total is 0 or unknown."""
    paid = cashless.to_numpy(dtype="float64", na_value=np.nan)
    people = total.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(people > 0, paid / people * 100.0, np.nan)
    out = rates.astype(object)
    out[np.isnan(rates)] = None
    return pd.Series(out, index=cashless.index, dtype=object)


def round_pct(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 2)


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> dt.date:
    month = quarter * 3
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return next_month - dt.timedelta(days=1)


def competition_rank(rates: pd.Series) -> pd.Series:
    """Best first; equal rates (as shown, to 2 decimals) share a rank: 1, 2, 2, 4."""
    return rates.round(2).rank(method="min", ascending=False).astype("Int64")


def pace_needed(current: int, target: int | None, as_of: dt.date,
                deadline: dt.date) -> float | None:
    """People per day still needed to reach `target` by `deadline` (inclusive)."""
    if target is None:
        return None
    days_left = (deadline - as_of).days
    remaining = max(target - current, 0)
    if remaining == 0:
        return 0.0
    return None if days_left <= 0 else remaining / days_left


# -------------------------------------------------------------------------- figures as of D

def figures_as_of(conn: Connection, codes: list[str], as_of: dt.date,
                  group: str = ALL_GROUPS) -> pd.DataFrame:
    """Figures per unit as of a date, indexed by unit code (in the order of `codes`).

    Columns: the counts, report_date (newest report behind the figure), source ("own" or
    "rollup") and rate_pct. Units with no figures at all are absent.
    Own reports are read per unit and group (one index seek each); the figures of districts
    and provinces without one come from the stored roll-ups (one seek each, however many
    communes below): core.storage.rollups, the one implementation of the rules above.
    """
    return _figures_and_reported(conn, codes, as_of, group)


def figures_by_group(conn: Connection, codes: list[str], as_of: dt.date,
                     groups: Sequence[str], reported: set[str] | None = None
                     ) -> dict[str, pd.DataFrame]:
    """figures_as_of for each of `groups`, the reports read once for all of them."""
    found = rollups.figures_as_of_groups(conn, list(dict.fromkeys(codes)), as_of, groups,
                                         reported)
    for result in found.values():
        result["rate_pct"] = _rates(result["cashless"], result["total"])
    return found


def _figures_and_reported(conn: Connection, codes: list[str], as_of: dt.date, group: str,
                          reported: set[str] | None = None) -> pd.DataFrame:
    return figures_by_group(conn, codes, as_of, (group,), reported)[group]


def latest_date(conn: Connection, unit: str | None = None) -> dt.date | None:
    """The newest report date for a unit's subtree (or anywhere, without a unit)."""
    if unit is None:
        return store.latest_report_date(conn)
    return store.latest_report_date(conn, [unit, *descendant_codes(unit)])


def resolve_date(conn: Connection, as_of: dt.date | None, unit: str | None) -> dt.date | None:
    return as_of or latest_date(conn, unit)


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    catalogue = by_code()
    frame = frame.reset_index()
    frame.insert(1, "name", [catalogue[c].name for c in frame["unit_code"]])
    return frame.rename(columns={"unit_code": "code"})


# -------------------------------------------------------------------------------- ranking

def ranking(conn: Connection, as_of: dt.date | None = None, group: str = ALL_GROUPS,
            parent: str | None = None) -> pd.DataFrame:
    """Units ranked by rate, best first: the provinces, or the children of `parent`.

    Columns: rank, code, name, total, accounts, cashless, rate_pct, report_date, source.
    Units without figures are left out (the count of ranked units is len(result)).
    """
    as_of = resolve_date(conn, as_of, parent)
    codes = list(child_codes(parent) if parent else province_codes())
    if as_of is None:
        return _empty_ranking()
    figs = figures_as_of(conn, codes, as_of, group)
    figs = figs[figs["rate_pct"].notna()]
    if figs.empty:
        return _empty_ranking()
    out = _named(figs).sort_values(["rate_pct", "cashless"], ascending=[False, False])
    out.insert(0, "rank", competition_rank(out["rate_pct"]))
    return out.reset_index(drop=True)


def _empty_ranking() -> pd.DataFrame:
    return pd.DataFrame(columns=["rank", "code", "name", *COUNT_FIELDS, "report_date", "source",
                                 "rate_pct"])


def rank_of(table: pd.DataFrame, code: str) -> tuple[int, int] | None:
    """(rank, number ranked) of a unit in a ranking table, e.g. (58, 63)."""
    hit = table[table["code"] == code]
    return None if hit.empty else (int(hit["rank"].iloc[0]), len(table))


def gap_to_next(table: pd.DataFrame, code: str) -> tuple[str, int] | None:
    """Name of the unit ranked just above and how many more paid people would pass it."""
    position = table.index[table["code"] == code]
    if len(position) == 0 or position[0] == 0:
        return None
    me, above = table.loc[position[0]], table.loc[position[0] - 1]
    # Smallest n with (cashless + n) / total > above's rate.
    needed = math.floor(above["rate_pct"] / 100 * me["total"]) + 1 - int(me["cashless"])
    return str(above["name"]), max(int(needed), 1)


# ------------------------------------------------------------------------ quota attainment

def quota_table(conn: Connection, codes: list[str], year: int) -> pd.DataFrame:
    """Quarterly quota increments per unit and group (columns 1..4), own else children's sum."""
    quarters = _quota_quarters(conn, list(codes), year)
    if not quarters:
        return pd.DataFrame(columns=[1, 2, 3, 4],
                            index=pd.MultiIndex.from_tuples([], names=["unit_code", "grp"]))
    keys = sorted(quarters)
    return pd.DataFrame(np.array([quarters[k] for k in keys], dtype=np.int64),
                        index=pd.MultiIndex.from_tuples(keys, names=["unit_code", "grp"]),
                        columns=pd.Index([1, 2, 3, 4], name="quarter"))


def _quota_quarters(conn: Connection, codes: list[str], year: int
                    ) -> dict[tuple[str, str], np.ndarray]:
    """{(unit, group): the four quarters' increments}: a unit's own quotas, else the sum of
    its children's (recursively). Plain arrays: a province's table is a few hundred rows."""
    found: dict[tuple[str, str], np.ndarray] = {}
    for unit, grp, quarter, count in store.quota_rows(conn, codes, year):
        found.setdefault((unit, grp), np.zeros(4, dtype=np.int64))[int(quarter) - 1] += count
    with_quota = {unit for unit, _ in found}
    parent_of = {k: p for p in codes if p not in with_quota for k in child_codes(p)}
    if parent_of:
        for (child, grp), counts in _quota_quarters(conn, list(parent_of), year).items():
            key = (parent_of[child], grp)
            found[key] = found.get(key, np.zeros(4, dtype=np.int64)) + counts
    return found


def attainment(conn: Connection, unit: str, as_of: dt.date | None = None,
               quota: pd.DataFrame | None = None) -> pd.DataFrame:
    """Actual against the cumulative quota to the quarter of the date, and against the year.

    One row per child unit and group with a quota, then one per group for `unit` itself.
    Columns: code, name, group, total, cashless, quota_to_date, quota_year, attainment_pct,
    year_attainment_pct, level ("child" or "self"). `quota`: the quota_table of the unit and
    its children for the date's year, when the caller has it already.
    """
    as_of = resolve_date(conn, as_of, unit)
    columns = ["code", "name", "group", "total", "cashless", "quota_to_date", "quota_year",
               "attainment_pct", "year_attainment_pct", "level"]
    if as_of is None:
        return pd.DataFrame(columns=columns)
    codes = [*child_codes(unit), unit]
    if quota is None:
        quota = quota_table(conn, codes, as_of.year)
    rows = []
    q = quarter_of(as_of)
    figs_by_group = figures_by_group(conn, codes, as_of,
                                     sorted(set(quota.index.get_level_values("grp"))))
    counts = {grp: {field: dict(zip(figs.index, figs[field].astype(object), strict=True))
                    for field in ("total", "cashless")}
              for grp, figs in figs_by_group.items()}
    quarters_of = quota.to_numpy()
    for row, (code, grp) in enumerate(quota.index):
        total = as_int(counts[grp]["total"].get(code))
        cashless = as_int(counts[grp]["cashless"].get(code))
        to_date = int(quarters_of[row, :q].sum())
        year = int(quarters_of[row].sum())
        rows.append({
            "code": code, "name": by_code()[code].name, "group": grp, "total": total,
            "cashless": cashless, "quota_to_date": to_date, "quota_year": year,
            "attainment_pct": ratio_pct(cashless, to_date),
            "year_attainment_pct": ratio_pct(cashless, year),
            "level": "self" if code == unit else "child",
        })
    out = pd.DataFrame(rows, columns=columns).astype(
        {"total": "Int64", "cashless": "Int64", "quota_to_date": "Int64", "quota_year": "Int64",
         "attainment_pct": "Float64", "year_attainment_pct": "Float64"})
    order = {c: i for i, c in enumerate(codes)}
    out["_order"] = out["code"].map(order)
    return out.sort_values(["_order", "group"]).drop(columns="_order").reset_index(drop=True)


def as_int(value) -> int | None:
    """A count as a Python int; None where it is missing."""
    return None if value is None or pd.isna(value) else int(value)


def ratio_pct(actual: int | None, target: int) -> float | None:
    if actual is None or target <= 0:
        return None
    return actual / target * 100.0


# ---------------------------------------------------------------------------- lagging units

LAG_REASONS = ("not_started", "below_threshold", "not_reported")


def lagging(conn: Connection, unit: str, as_of: dt.date | None = None,
            below: float | None = None, group: str = ALL_GROUPS) -> pd.DataFrame:
    """Communes under `unit` that have not started, are below a threshold, or did not report.

    The threshold defaults to the rate of `unit` itself (the district's or province's average).
    A commune with no figures at all, or none on the date, is `not_reported`; otherwise a
    commune paying nobody is `not_started`, then `below_threshold`.
    Columns: code, name, parent, total, cashless, rate_pct, reason, report_date.
    """
    columns = ["code", "name", "parent", "total", "cashless", "rate_pct", "reason",
               "report_date"]
    as_of = resolve_date(conn, as_of, unit)
    communes = [unit] if by_code()[unit].level == COMMUNE else descendant_codes(unit, COMMUNE)
    if as_of is None or not communes:
        return pd.DataFrame(columns=columns)
    threshold = below if below is not None else lag_threshold(conn, unit, as_of, group)
    on_the_day: set[str] = set()
    figs = _figures_and_reported(conn, communes, as_of, group, on_the_day).reindex(communes)
    has = figs["total"].notna().to_numpy()
    cashless = figs["cashless"].to_numpy(dtype="float64", na_value=np.nan)
    rate = figs["rate_pct"].to_numpy(dtype=object)
    known_rate = np.array([r is not None and r == r for r in rate])
    below_threshold = known_rate & (np.where(known_rate, rate, 0.0).astype(float) < threshold)
    reported = np.isin(communes, list(on_the_day))
    # The first reason that holds, in this order (a commune paying nobody is not started
    # even if silent today).
    reason = np.select([~has, cashless == 0, below_threshold, ~reported],
                       ["not_reported", "not_started", "below_threshold", "not_reported"],
                       default="")
    keep = np.flatnonzero(reason != "")
    units = by_code()
    picked = figs.iloc[keep]
    out = pd.DataFrame({
        "code": [communes[i] for i in keep],
        "name": [units[communes[i]].name for i in keep],
        "parent": [units[units[communes[i]].parent_code].name for i in keep],
        "total": [as_int(v) for v in picked["total"]],
        "cashless": [as_int(v) for v in picked["cashless"]],
        "rate_pct": [rate[i] if has[i] else None for i in keep],
        "reason": list(reason[keep]),
        "report_date": [picked["report_date"].iloc[j] if has[i] else None
                        for j, i in enumerate(keep)],
    }, columns=columns)
    out["_r"] = out["reason"].map({r: i for i, r in enumerate(LAG_REASONS)})
    out = out.sort_values(["_r", "rate_pct", "name"], na_position="first")
    return out.drop(columns="_r").reset_index(drop=True)


def lag_threshold(conn: Connection, unit: str, as_of: dt.date, group: str = ALL_GROUPS) -> float:
    """The default threshold: the unit's own average rate as of the date (0 without data)."""
    figs = figures_as_of(conn, [unit], as_of, group)
    rate = figs["rate_pct"].iloc[0] if not figs.empty else None
    return float(rate) if rate is not None and not pd.isna(rate) else 0.0


# ------------------------------------------------------------------------------------ trend

def series(conn: Connection, unit: str, group: str = ALL_GROUPS,
           until: dt.date | None = None) -> pd.DataFrame:
    """Daily figures of a unit (own reports, else rolled up from its subtree), indexed by date.

    One row per date on which the figures change (a report behind them is dated that day):
    the figures as of that date by the rules above, so each contributing unit and group
    carries its last report forward to the dates others reported on. Before a district's or
    province's own reports begin, its figures are the stored roll-ups (one range scan).
    """
    out = rollups.series(conn, unit, group, until)
    if out.empty:
        return pd.DataFrame(columns=list(COUNT_FIELDS), index=pd.Index([], name="report_date"))
    return out


def trend(conn: Connection, unit: str, group: str = ALL_GROUPS,
          until: dt.date | None = None) -> pd.DataFrame:
    """One row per report date: counts, rate, day-on-day change and the quota path.

    Columns: date, total, accounts, cashless, rate_pct, new_cashless, new_accounts,
    target_cashless (cumulative quota to the quarter of the date; missing without a quota).
    """
    data = series(conn, unit, group, until)
    columns = ["date", "total", "accounts", "cashless", "rate_pct", "new_cashless",
               "new_accounts", "target_cashless"]
    if data.empty:
        return pd.DataFrame(columns=columns)
    out = data.reset_index().rename(columns={"report_date": "date"})
    out["rate_pct"] = [rate_pct(c, t) for c, t in zip(out["cashless"], out["total"],
                                                       strict=True)]
    out["new_cashless"] = out["cashless"].diff()
    out["new_accounts"] = out["accounts"].diff()
    targets = _targets_by_quarter(conn, unit, group, {d.year for d in out["date"]})
    out["target_cashless"] = [targets.get((d.year, quarter_of(d))) for d in out["date"]]
    return out[columns]


def _targets_by_quarter(conn: Connection, unit: str, group: str,
                        years: set[int]) -> dict[tuple[int, int], int]:
    targets: dict[tuple[int, int], int] = {}
    for year in years:
        table = quota_table(conn, [unit], year)
        if table.empty:
            continue
        if group != ALL_GROUPS:
            table = table[table.index.get_level_values("grp") == group]
            if table.empty:
                continue
        cumulative = table.sum().cumsum()
        for quarter in range(1, 5):
            targets[(year, quarter)] = int(cumulative[quarter])
    return targets


def target_path(conn: Connection, unit: str, year: int,
                group: str = ALL_GROUPS) -> pd.DataFrame:
    """The quarterly target as a step line: (date, target) at each quarter's end."""
    targets = _targets_by_quarter(conn, unit, group, {year})
    return pd.DataFrame(
        [{"date": quarter_end(year, q), "quarter": q, "target": targets[(year, q)]}
         for q in range(1, 5) if (year, q) in targets],
        columns=["date", "quarter", "target"])


def change_over(trend_frame: pd.DataFrame, field: str, end: dt.date, days: int) -> int | None:
    """Increase of a count over the `days` days ending on `end` (inclusive): value(end) -
    value(end - days). "From 19/1 to 23/1" is five days ending on 23/1."""
    delta = delta_over(trend_frame, field, end, days)
    return None if delta is None else int(round(delta))


def projection(trend_frame: pd.DataFrame, as_of: dt.date, target: int | None,
               horizon: dt.date, window: int = RECENT_PACE_DAYS) -> dict:
    """Where the recent pace leads: people per day over `window` days, the count projected
    at `horizon`, and the date the target would be met (None if never at this pace)."""
    gained = change_over(trend_frame, "cashless", as_of, window)
    current = trend_frame.loc[trend_frame["date"] <= as_of, "cashless"]
    now = int(current.iloc[-1]) if not current.empty and not pd.isna(current.iloc[-1]) else None
    per_day = None if gained is None else gained / window
    result = {"current": now, "per_day": per_day, "projected_at_horizon": None,
              "target": target, "date_target_met": None}
    if now is None or per_day is None:
        return result
    result["projected_at_horizon"] = round(now + per_day * (horizon - as_of).days)
    if target is not None:
        if now >= target:
            result["date_target_met"] = as_of
        elif per_day > 0:
            result["date_target_met"] = as_of + dt.timedelta(days=math.ceil(
                (target - now) / per_day))
    return result


# --------------------------------------------------------------------- movement and context

def ranking_change(conn: Connection, as_of: dt.date | None = None, group: str = ALL_GROUPS,
                   parent: str | None = None, days: int = 7) -> pd.DataFrame:
    """The ranking with each unit's rank `days` earlier: rank_before and rank_change
    (positive = moved up), missing where the unit was not ranked then."""
    as_of = resolve_date(conn, as_of, parent)
    now = ranking(conn, as_of, group, parent)
    if now.empty or as_of is None:
        return now.assign(rank_before=pd.Series(dtype="Int64"),
                          rank_change=pd.Series(dtype="Int64"))
    before = ranking(conn, as_of - dt.timedelta(days=days), group, parent)
    previous = dict(zip(before["code"], before["rank"], strict=True))
    out = now.copy()
    out["rank_before"] = pd.array([previous.get(c) for c in out["code"]], dtype="Int64")
    out["rank_change"] = out["rank_before"] - out["rank"]
    return out


def peers_parent(code: str) -> str | None:
    """Whom a unit is ranked among: a province among all provinces (None), a district among
    its province's districts, a commune among its district's communes."""
    return by_code()[code].parent_code


def overall_rate(table: pd.DataFrame) -> float | None:
    """The rate of the ranked units taken together (sum paid / sum beneficiaries): the
    national average on the provinces' ranking, not the mean of their rates."""
    if table.empty:
        return None
    return rate_pct(float(table["cashless"].sum()), float(table["total"].sum()))


def delta_over(trend_frame: pd.DataFrame, field: str, end: dt.date,
               days: int) -> float | None:
    """Change of a field over the `days` days ending on `end`, as a float (the rate moves in
    fractions of a point); change_over is its whole-count form."""
    if trend_frame.empty:
        return None
    # The trend is in date order: the last value on or before a day is found by bisection
    # (no index built on each call: eight calls a run on «Tổng quan»).
    dates = trend_frame["date"].tolist()
    values = trend_frame[field].tolist()
    now = bisect.bisect_right(dates, end) - 1
    before = bisect.bisect_right(dates, end - dt.timedelta(days=days)) - 1
    if now < 0 or before < 0 or pd.isna(values[now]) or pd.isna(values[before]):
        return None
    return float(values[now]) - float(values[before])


def previous_report_date(trend_frame: pd.DataFrame, end: dt.date) -> dt.date | None:
    """The report date just before the newest one on or before `end` ("since the previous
    report" is then change_over with the days between them)."""
    if trend_frame.empty:
        return None
    dates = [d for d in trend_frame["date"] if d <= end]
    return dates[-2] if len(dates) >= 2 else None


HEADLINE_FIELDS = ("total", "accounts", "cashless", "rate_pct")


def headline_changes(trend_frame: pd.DataFrame, as_of: dt.date,
                     days: int) -> dict[str, dict[str, float | None]]:
    """For each headline figure: the change since the previous report and over `days` days
    (counts as whole numbers, the rate in percentage points)."""
    previous = previous_report_date(trend_frame, as_of)
    latest = [d for d in trend_frame["date"] if d <= as_of] if not trend_frame.empty else []
    out: dict[str, dict[str, float | None]] = {}
    for field in HEADLINE_FIELDS:
        since = None
        if previous is not None:
            since = delta_over(trend_frame, field, latest[-1], (latest[-1] - previous).days)
        over = delta_over(trend_frame, field, as_of, days)
        if field != "rate_pct":
            since = None if since is None else round(since)
            over = None if over is None else round(over)
        out[field] = {"since_previous": since, "over_days": over}
    return out


def lag_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many communes of a lagging list fall under each reason (every reason present)."""
    counts = table["reason"].value_counts() if not table.empty else {}
    return {reason: int(counts.get(reason, 0)) for reason in LAG_REASONS}


def neighbours(table: pd.DataFrame, code: str, around: int = 2) -> list[str]:
    """The unit and those ranked just above and below it in a ranking table (for a
    comparison that means something: the units it competes with)."""
    position = table.index[table["code"] == code]
    if len(position) == 0:
        return [code]
    i = int(position[0])
    return list(table["code"].iloc[max(0, i - around): i + around + 1])


def comparison_units(table: pd.DataFrame, focus: str | None = None,
                     limit: int = 8) -> list[str]:
    """Units to draw on a comparison chart from a ranking table (best first): always the
    best and the worst; with a `focus` unit, it and the units ranked next to it; without,
    ranks spread evenly between the two ends. In ranking order."""
    codes = list(table["code"])
    if len(codes) <= limit and focus is None:
        return codes
    if focus is not None:
        picked = {*neighbours(table, focus), *codes[:1], *codes[-1:]}
        return [c for c in codes if c in picked] or [focus]
    spots = sorted({round(i * (len(codes) - 1) / (limit - 1)) for i in range(limit)})
    return [codes[i] for i in spots]


def rate_series(conn: Connection, unit: str, group: str = ALL_GROUPS,
                until: dt.date | None = None) -> pd.DataFrame:
    """trend() without the quota path or daily changes: date, total, accounts, cashless and
    rate_pct; what a comparison of several units draws, at a fraction of the cost."""
    data = series(conn, unit, group, until)
    columns = ["date", "total", "accounts", "cashless", "rate_pct"]
    if data.empty:
        return pd.DataFrame(columns=columns)
    out = data.reset_index().rename(columns={"report_date": "date"})
    out["rate_pct"] = [rate_pct(c, t) for c, t in zip(out["cashless"], out["total"],
                                                       strict=True)]
    return out[columns]
