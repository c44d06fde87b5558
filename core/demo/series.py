"""Building blocks of the demo's daily series: the 2024 calendar, paths through anchor
values with irregular daily steps, exact integer splits, and parents' reports as the sums of
their children's. Deterministic given the random generator passed in."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

START = dt.date(2023, 12, 31)
END = dt.date(2024, 12, 31)
DAYS = pd.date_range(START, END, freq="D").date
RANKING_DAY = dt.date(2024, 1, 23)


def day_index(day: dt.date) -> int:
    return (day - START).days


def path(anchors: dict[dt.date, int], rng: np.random.Generator) -> np.ndarray:
    """A non-decreasing integer series over DAYS through the anchor values, with irregular
    daily steps (gamma-distributed weights) between anchors."""
    points = sorted((day_index(d), v) for d, v in anchors.items())
    out = np.zeros(len(DAYS), dtype=np.int64)
    first_i, first_v = points[0]
    out[: first_i + 1] = first_v
    for (i0, v0), (i1, v1) in zip(points, points[1:], strict=False):
        weights = rng.gamma(0.8, size=i1 - i0)
        share = np.cumsum(weights) / weights.sum()
        out[i0 + 1: i1 + 1] = np.round(v0 + (v1 - v0) * share).astype(np.int64)
    last_i, last_v = points[-1]
    out[last_i:] = last_v
    return out


def split(total: int, n: int, rng: np.random.Generator, spread: float = 0.5) -> np.ndarray:
    """Split an integer into n positive integer parts summing exactly to it."""
    weights = rng.uniform(1 - spread, 1 + spread, size=n)
    parts = np.floor(weights / weights.sum() * total).astype(np.int64)
    parts[np.argsort(-weights)[: total - parts.sum()]] += 1
    return parts


def daily_rows(code: str, grp: str, total: np.ndarray | int, accounts: np.ndarray,
          cashless: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_code": code, "grp": grp, "report_date": DAYS,
        "total": np.broadcast_to(total, len(DAYS)), "accounts": accounts, "cashless": cashless,
    })


def drop_some_reports(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """About 3% of commune-days go unreported, as in real life (never the first day)."""
    missing = (rng.random(len(frame)) < 0.03) & (frame["report_date"] != START)
    return frame[~missing].reset_index(drop=True)


def summed(frame: pd.DataFrame, codes: list[str], parent: str) -> pd.DataFrame:
    """A parent's own daily report: the sum of its children's latest figures each day."""
    part = frame[frame["unit_code"].isin(codes)]
    out = []
    for grp, rows in part.groupby("grp"):
        wide = {
            field: rows.pivot(index="report_date", columns="unit_code", values=field)
            .reindex(DAYS).ffill().fillna(0).sum(axis=1).astype(np.int64)
            for field in ("total", "accounts", "cashless")
        }
        out.append(pd.DataFrame({"unit_code": parent, "grp": grp, "report_date": DAYS,
                                 **{k: v.to_numpy() for k, v in wide.items()}}))
    return pd.concat(out, ignore_index=True)


def proportional(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer parts of `total` proportional to `weights`, summing exactly (largest
    remainders get the leftover units)."""
    exact = weights / weights.sum() * total
    parts = np.floor(exact).astype(np.int64)
    parts[np.argsort(-(exact - parts), kind="stable")[: total - parts.sum()]] += 1
    return parts


def allocate(series: np.ndarray, weights: np.ndarray, caps: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """Spread a non-decreasing integer series over n parts (days x n), exactly: each part
    non-decreasing, at most its cap that day, the day's increase drawn in proportion to
    the day's weights among the parts with room left."""
    days, n = weights.shape
    out = np.zeros((days, n), dtype=np.int64)
    current = np.zeros(n, dtype=np.int64)
    previous = 0
    for t in range(days):
        remaining = int(series[t]) - previous
        previous = int(series[t])
        room = caps[t] - current
        while remaining > 0:
            w = np.where(room > 0, weights[t], 0.0)
            if w.sum() <= 0:
                w = np.where(room > 0, 1.0, 0.0)
            drawn = np.minimum(rng.multinomial(remaining, w / w.sum()), room)
            current += drawn
            room -= drawn
            remaining -= int(drawn.sum())
        out[t] = current
    return out
