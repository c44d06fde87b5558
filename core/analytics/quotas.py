"""Quotas as the quota page and the briefing show them: each unit's attainment with the quota
due by the date (pro rata inside the quarter) and the pace still needed, the quarters reached,
the year's quota and where the year is heading. Built on core.analytics.metrics (figures as
of a date, attainment, trend, projection), which never imports this module."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from core.analytics import status
from core.analytics.metrics import (
    as_int,
    attainment,
    pace_needed,
    projection,
    quarter_end,
    quarter_of,
    quota_table,
    ratio_pct,
    resolve_date,
    target_path,
    trend,
)
from core.catalogue.units import child_codes
from core.vocabulary import ALL_GROUPS


def year_target(conn: Connection, unit: str, year: int, group: str = ALL_GROUPS) -> int | None:
    """The year's cumulative quota of cashless payments (Q1..Q4), None without quotas."""
    path = target_path(conn, unit, year, group)
    return None if path.empty or 4 not in set(path["quarter"]) else int(
        path.loc[path["quarter"] == 4, "target"].iloc[0])


ATTAINMENT_DETAIL_COLUMNS = [
    "code", "name", "group", "total", "cashless", "quota_to_date", "quota_year",
    "attainment_pct", "year_attainment_pct", "level", "expected_to_date", "pace_quarter",
    "pace_year", "status"]


def expected_by(quarters: pd.Series, day: dt.date) -> float:
    """The quota due by `day`: earlier quarters in full plus the current quarter's increment
    pro rata of the days elapsed (a district 25 days into Q1 owes 25/91 of its Q1 quota)."""
    q = quarter_of(day)
    start = quarter_end(day.year, q - 1) + dt.timedelta(days=1) if q > 1 else dt.date(
        day.year, 1, 1)
    length = (quarter_end(day.year, q) - start).days + 1
    elapsed = (day - start).days + 1
    return float(sum(quarters[k] for k in range(1, q)) + quarters[q] * elapsed / length)


def attainment_detail(conn: Connection, unit: str, as_of: dt.date | None = None,
                      group: str = ALL_GROUPS) -> pd.DataFrame:
    """attainment() for one group (or all groups with a quota summed), with what the quota
    page needs besides: the quota due by the date (pro rata), the people per day still needed
    to meet the current quarter's and the year's quota, and a status (core.analytics.status)."""
    as_of = resolve_date(conn, as_of, unit)
    if as_of is None:
        return pd.DataFrame(columns=ATTAINMENT_DETAIL_COLUMNS)
    quotas = quota_table(conn, [*child_codes(unit), unit], as_of.year)
    base = attainment(conn, unit, as_of, quotas)
    if base.empty:
        return pd.DataFrame(columns=ATTAINMENT_DETAIL_COLUMNS)
    if group != ALL_GROUPS:
        base = base[base["group"] == group]
        quotas = quotas[quotas.index.get_level_values("grp") == group]
        if base.empty:
            return pd.DataFrame(columns=ATTAINMENT_DETAIL_COLUMNS)
    else:
        counts = ["total", "cashless", "quota_to_date", "quota_year"]
        base = base.groupby(["code", "name", "level"], sort=False, as_index=False).agg(
            {c: lambda s: s.sum(min_count=len(s)) for c in counts})
        base["group"] = ALL_GROUPS
        base["attainment_pct"] = [ratio_pct(as_int(a), int(t)) for a, t in
                                  zip(base["cashless"], base["quota_to_date"], strict=True)]
        base["year_attainment_pct"] = [ratio_pct(as_int(a), int(t)) for a, t in
                                       zip(base["cashless"], base["quota_year"], strict=True)]
    per_unit = quotas.groupby(level="unit_code").sum()
    q_end = quarter_end(as_of.year, quarter_of(as_of))
    y_end = dt.date(as_of.year, 12, 31)
    out = base.copy()
    out["expected_to_date"] = [round(expected_by(per_unit.loc[c], as_of)) for c in out["code"]]
    out["pace_quarter"] = [pace_needed(as_int(a) or 0, int(t), as_of, q_end)
                           for a, t in zip(out["cashless"], out["quota_to_date"], strict=True)]
    out["pace_year"] = [pace_needed(as_int(a) or 0, int(t), as_of, y_end)
                        for a, t in zip(out["cashless"], out["quota_year"], strict=True)]
    out["status"] = [status.attainment_status(as_int(a), e, int(t)) for a, e, t in
                     zip(out["cashless"], out["expected_to_date"], out["quota_to_date"],
                         strict=True)]
    out = out.astype({"total": "Int64", "cashless": "Int64", "quota_to_date": "Int64",
                      "quota_year": "Int64", "attainment_pct": "Float64",
                      "year_attainment_pct": "Float64", "expected_to_date": "Int64",
                      "pace_quarter": "Float64", "pace_year": "Float64"})
    return out[ATTAINMENT_DETAIL_COLUMNS].reset_index(drop=True)


def quarter_progress(conn: Connection, unit: str, year: int, as_of: dt.date,
                     group: str = ALL_GROUPS) -> pd.DataFrame:
    """Per quarter: the cumulative quota and the cashless count reached at the quarter's end
    (or on `as_of` for the quarter under way; missing for quarters not yet begun).
    Columns: quarter, quota, actual, actual_date."""
    path = target_path(conn, unit, year, group)
    columns = ["quarter", "quota", "actual", "actual_date"]
    if path.empty:
        return pd.DataFrame(columns=columns)
    frame = trend(conn, unit, group, until=as_of)
    rows = []
    for _, step in path.iterrows():
        q = int(step["quarter"])
        start = dt.date(year, 3 * q - 2, 1)
        day = min(step["date"], as_of)
        actual = None
        if start <= as_of and not frame.empty:
            upto = frame.loc[frame["date"] <= day, "cashless"]
            actual = as_int(upto.iloc[-1]) if not upto.empty else None
        rows.append({"quarter": q, "quota": int(step["target"]), "actual": actual,
                     "actual_date": day if start <= as_of else None})
    return pd.DataFrame(rows, columns=columns).astype({"actual": "Int64"})


def outlook(conn: Connection, unit: str, as_of: dt.date, group: str = ALL_GROUPS) -> dict:
    """Where the unit is heading this year: projection() at the recent pace toward the year's
    quota (target None without one), plus the pace needed from now and the year's end."""
    frame = trend(conn, unit, group, until=as_of)
    target = year_target(conn, unit, as_of.year, group)
    year_end = dt.date(as_of.year, 12, 31)
    result = projection(frame, as_of, target, year_end)
    result["pace_needed"] = (None if target is None or result["current"] is None
                             else pace_needed(result["current"], target, as_of, year_end))
    result["year_end"] = year_end
    return result
