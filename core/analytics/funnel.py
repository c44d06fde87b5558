"""The identity-verification funnel, where reports carry it (seed 003: "10.778 trường hợp đã
xác thực, 1.232 đang chờ xác thực, khoảng 223 không có CCCD, lệch thông tin, không tìm thấy").

Payment into an account needs a verified identity in the population database, so the funnel
runs from everyone to verify, through those with usable identity data and those verified, to
accounts opened and payments made. Figures follow core.analytics.metrics (own report as of the date,
else the sum of the children).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Connection

from core.analytics import metrics
from core.catalogue.units import by_code, descendant_codes
from core.vocabulary import ALL_GROUPS, FIELD_LABELS

ID_FIELDS = ("id_verified", "id_pending", "id_problem")
STAGES: tuple[tuple[str, str], ...] = (
    ("to_verify", "Cần xác thực"),
    ("usable", "Đã xác thực hoặc đang chờ"),
    ("verified", FIELD_LABELS["id_verified"]),
    ("accounts", "Đã có tài khoản"),
    ("cashless", "Đã chi trả qua tài khoản"),
)
UNRESOLVED_COLUMNS = ["code", "name", "parent", "verified", "pending", "problem", "unresolved",
                      "unresolved_pct", "report_date"]


def _value(row: pd.Series, field: str) -> int | None:
    value = row.get(field)
    return None if value is None or pd.isna(value) else int(value)


def has_identity_figures(figs: pd.DataFrame, code: str) -> bool:
    return code in figs.index and any(
        _value(figs.loc[code], f) is not None for f in ID_FIELDS)


def stages(row: pd.Series) -> pd.DataFrame:
    """The funnel of one unit's figures: stage, label, count, pct (of the first stage)."""
    verified, pending, problem = (_value(row, f) or 0 for f in ID_FIELDS)
    counts = {"to_verify": verified + pending + problem, "usable": verified + pending,
              "verified": verified, "accounts": _value(row, "accounts"),
              "cashless": _value(row, "cashless")}
    first = counts["to_verify"]
    out = pd.DataFrame([{"stage": key, "label": label, "count": counts[key]}
                        for key, label in STAGES if counts[key] is not None])
    out["pct"] = [c / first * 100 if first else None for c in out["count"]]
    return out


def funnel(conn: Connection, unit: str, as_of: dt.date,
           group: str = ALL_GROUPS) -> pd.DataFrame:
    """The unit's funnel as of a date; empty when its reports carry no identity figures."""
    figs = metrics.figures_as_of(conn, [unit], as_of, group)
    if not has_identity_figures(figs, unit):
        return pd.DataFrame(columns=["stage", "label", "count", "pct"])
    return stages(figs.loc[unit])


def unresolved(conn: Connection, unit: str, as_of: dt.date, group: str = ALL_GROUPS,
               limit: int | None = 15) -> pd.DataFrame:
    """Units below `unit` with the most cases still open (pending or problem), from their own
    reports; only the deepest level that reports identity checks, so that a district's total
    is not ranked against its own communes."""
    codes = descendant_codes(unit)
    if not codes:
        return pd.DataFrame(columns=UNRESOLVED_COLUMNS)
    figs = metrics.figures_as_of(conn, codes, as_of, group)
    figs = figs[(figs["source"] == "own") & figs[list(ID_FIELDS)].notna().any(axis=1)]
    if figs.empty:
        return pd.DataFrame(columns=UNRESOLVED_COLUMNS)
    levels = figs.index.map(lambda c: by_code()[c].level)
    figs = figs[levels == levels.max()]
    rows = []
    for code, row in figs.iterrows():
        verified, pending, problem = (_value(row, f) or 0 for f in ID_FIELDS)
        people = verified + pending + problem
        parent = by_code()[code].parent_code
        rows.append({"code": code, "name": by_code()[code].name,
                     "parent": by_code()[parent].name if parent else None,
                     "verified": verified, "pending": pending, "problem": problem,
                     "unresolved": pending + problem,
                     "unresolved_pct": (pending + problem) / people * 100 if people else None,
                     "report_date": row["report_date"]})
    out = pd.DataFrame(rows, columns=UNRESOLVED_COLUMNS).sort_values(
        ["unresolved", "problem", "code"], ascending=[False, False, True], ignore_index=True)
    return out if limit is None else out.head(limit)
