"""Each unit's figures as of every day, for the reconciliation rules of core.analytics.quality
(a parent's own report against the sum of its children's)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.catalogue.units import by_code, child_codes
from core.vocabulary import ALL_GROUPS, GROUPS


class AsOf:
    """Each unit's figures as of every day, by the rule of core.analytics.metrics: its latest own
    report, else the sum of its children; `all` is the sum of a unit's groups when it reports
    by group. Arrays over the days from the first report to `until`, NaN where unknown."""

    def __init__(self, series: pd.DataFrame, until: dt.date, fields: tuple[str, ...]) -> None:
        self.series = series
        self.fields = fields  # pivoted together at the first use of any of them
        first = min(series["report_date"]) if not series.empty else until
        self.days = pd.date_range(first, until, freq="D")
        self.known = self._known_units(series)
        self.groups: dict[str, set[str]] = {}
        pairs = series[["unit_code", "grp"]].drop_duplicates()
        for code, grp in zip(pairs["unit_code"].tolist(), pairs["grp"].tolist(), strict=True):
            self.groups.setdefault(code, set()).add(grp)
        self._own: dict[str, dict[tuple[str, str], np.ndarray]] = {}
        self._filled: dict[str, dict[tuple[str, str], np.ndarray]] = {}
        self._memo: dict[tuple, np.ndarray | None] = {}

    @staticmethod
    def _known_units(series: pd.DataFrame) -> set[str]:
        """Units with figures of their own or below them: the children 'in the system'."""
        known: set[str] = set()
        for code in series["unit_code"].unique().tolist():
            current: str | None = code
            while current is not None and current not in known:
                known.add(current)
                current = by_code()[current].parent_code
        return known

    def own(self, field: str) -> dict[tuple[str, str], np.ndarray]:
        """Reports as filed, on the day they are dated (NaN on other days), per (unit, grp)."""
        if field not in self._own:
            # Every reconciled field in one pivot: the dates and series are sorted out once.
            fields = [f for f in dict.fromkeys((field, *self.fields))
                      if f in self.series.columns and f not in self._own]
            long = pd.DataFrame({"report_date": pd.to_datetime(self.series["report_date"]),
                                 "unit_code": self.series["unit_code"],
                                 "grp": self.series["grp"],
                                 **{f: pd.to_numeric(self.series[f]).astype("float64")
                                    .to_numpy() for f in fields}})
            wide_all = long.pivot(index="report_date", columns=["unit_code", "grp"],
                                  values=fields).reindex(self.days)
            for name in fields:
                wide = wide_all[name]
                matrix = wide.to_numpy(dtype="float64")
                self._own[name] = {col: matrix[:, i] for i, col in enumerate(wide.columns)}
                filled = wide.ffill().to_numpy(dtype="float64")
                self._filled[name] = {col: filled[:, i] for i, col in enumerate(wide.columns)}
        return self._own[field]

    def filled(self, field: str) -> dict[tuple[str, str], np.ndarray]:
        self.own(field)
        return self._filled[field]

    def value(self, code: str, grp: str, field: str) -> np.ndarray | None:
        """The unit's figure as of each day (NaN where not complete); None when nothing of it
        is known."""
        key = (code, grp, field)
        if key not in self._memo:
            self._memo[key] = self._value(code, grp, field)
        return self._memo[key]

    def _value(self, code: str, grp: str, field: str) -> np.ndarray | None:
        mine = self.groups.get(code, set())
        if grp == ALL_GROUPS and mine & set(GROUPS):
            parts = [self.value(code, g, field) for g in sorted(mine & set(GROUPS))]
            return strict_sum([p for p in parts if p is not None])
        own = self.filled(field).get((code, grp))
        kids = [k for k in child_codes(code) if k in self.known]
        rolled = self.children_sum(kids, grp, field) if kids else None
        if own is None:
            return rolled
        return own if rolled is None else np.where(np.isnan(own), rolled, own)

    def children_sum(self, kids: list[str], grp: str, field: str) -> np.ndarray | None:
        """The children's figures added up, NaN on days one of them has none."""
        parts = [self.value(k, grp, field) for k in kids]
        if any(p is None for p in parts):
            return None
        return strict_sum(parts)


def strict_sum(parts: list[np.ndarray]) -> np.ndarray | None:
    """Sum that stays NaN where any part is NaN (a child without figures that day)."""
    return np.sum(np.vstack(parts), axis=0) if parts else None
