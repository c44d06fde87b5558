"""The rules of "figures as of a date" as array computations (core.storage.rollups states
them and stores their results): own reports and units as numbers, so that the figures of
every district and province for every date come out of a few numpy operations. No database
here; rollups reads the reports, calls `compute` and writes or returns the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.catalogue.units import by_code, child_codes
from core.storage.values import columns_of, float_matrix
from core.vocabulary import ALL_GROUPS, COUNT_FIELDS, DISTRICT, GROUPS, PROVINCE

ROLLUP_GROUPS = (*GROUPS, ALL_GROUPS)
GROUP_INDEX = {g: i for i, g in enumerate(ROLLUP_GROUPS)}


@dataclass
class Reports:
    """Own reports as arrays: unit (index into the codes computed), group (index into
    ROLLUP_GROUPS), day (report date as days since 1970) and values (COUNT_FIELDS, NaN where
    not reported). Numbers only, so that millions of reports fit in memory."""

    unit: np.ndarray
    group: np.ndarray
    day: np.ndarray
    values: np.ndarray

    @classmethod
    def from_columns(cls, columns: Sequence[Sequence], codes: Sequence[str]) -> Reports:
        """From columns in the order unit_code, grp, report_date, *COUNT_FIELDS (dates as
        date objects or ISO text; counts as numbers or None)."""
        unit = pd.Index(codes).get_indexer(list(columns[0]))
        if (unit < 0).any():
            raise ValueError("reports of units outside the codes computed")
        group = np.array([GROUP_INDEX.get(g, -1) for g in columns[1]], dtype=np.int64)
        values = float_matrix(columns[3:])  # None becomes NaN
        return cls(unit.astype(np.int64), group, day_numbers(columns[2]), values)

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence], codes: Sequence[str]) -> Reports:
        """From result rows in the order unit_code, grp, report_date, *COUNT_FIELDS."""
        if not rows:
            return cls.concat([])
        return cls.from_columns(columns_of(rows, len(rows[0])), codes)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, codes: Sequence[str]) -> Reports:
        """From a figures frame (store.own_figures_as_of, store.own_series)."""
        unit = pd.Index(codes).get_indexer(frame["unit_code"])
        group = _indices(frame["grp"], GROUP_INDEX)
        values = frame[list(COUNT_FIELDS)].astype("Float64").to_numpy(
            dtype="float64", na_value=np.nan)
        return cls(unit.astype(np.int64), group, day_numbers(frame["report_date"]),
                   values.reshape(len(frame), len(COUNT_FIELDS)))

    def __len__(self) -> int:
        return len(self.unit)

    def sorted(self) -> Reports:
        order = np.lexsort((self.day, self.group, self.unit))
        return Reports(self.unit[order], self.group[order], self.day[order],
                       self.values[order])

    @classmethod
    def concat(cls, parts: list[Reports]) -> Reports:
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) if parts else empty
                     for name, empty in (("unit", np.zeros(0, np.int64)),
                                         ("group", np.zeros(0, np.int64)),
                                         ("day", np.zeros(0)),
                                         ("values", np.zeros((0, len(COUNT_FIELDS)))))))


@dataclass
class State:
    """Figures of units (columns) on the dates of an axis (rows), one group.

    values: (dates, units, fields) floats, NaN where missing, for `fields` (the counts some
    report carries; the others are missing throughout); day: (dates, units) the report_date
    behind each figure as a day number, NaN where the unit has no figures; own: (dates,
    units) True where the figure is the unit's own report.
    """

    values: np.ndarray
    day: np.ndarray
    own: np.ndarray
    fields: tuple[str, ...]

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.day)

    def full(self, at: tuple) -> np.ndarray:
        """Every count (COUNT_FIELDS order, NaN where missing) at (dates, units)."""
        picked = self.values[at]
        out = np.full((picked.shape[0], len(COUNT_FIELDS)), np.nan)
        out[:, [COUNT_FIELDS.index(f) for f in self.fields]] = picked
        return out

    def counts(self, at: tuple) -> pd.DataFrame:
        """COUNT_FIELDS (Int64) of the figures at (date positions, unit positions)."""
        return pd.DataFrame(count_arrays(self.full(at)))


def count_arrays(values: np.ndarray) -> dict[str, pd.api.extensions.ExtensionArray]:
    """Columns of nullable integers (Int64) from floats with NaN for missing: built directly,
    one array per count, without pandas converting value by value."""
    missing = np.isnan(values)
    whole = np.where(missing, 0.0, np.round(values)).astype(np.int64)
    return {field: pd.arrays.IntegerArray(whole[:, i].copy(), missing[:, i].copy())
            for i, field in enumerate(COUNT_FIELDS)}


def compute(reports: Reports, codes: Sequence[str], positions: np.ndarray, n_dates: int,
            roll_up: bool = True) -> dict[str, State]:
    """The figures of `codes` on each date of an axis, per group (ncc, btxh, ngheo, all).

    reports: own reports of these units, sorted (Reports.sorted), holding at least each unit
    and group's latest report on or before every date of the axis; positions: the axis index
    from which each report counts (reports from before the axis count from 0). With roll_up,
    a unit without its own figures gets its children's sum where its children are among
    `codes` (whole subtrees make whole figures).
    """
    known = ~np.isnan(reports.values).all(axis=0) if len(reports) else np.zeros(0, bool)
    fields = tuple(f for f, k in zip(COUNT_FIELDS, known, strict=False) if k) or ("total",)
    columns = [COUNT_FIELDS.index(f) for f in fields]
    raw = {g: _latest_reports(reports, reports.group == i, positions, len(codes), n_dates,
                              fields, columns) for i, g in enumerate(ROLLUP_GROUPS)}
    states = {g: raw[g] for g in GROUPS}
    states[ALL_GROUPS] = _all_groups([raw[g] for g in GROUPS if raw[g] is not None],
                                     raw[ALL_GROUPS])
    index = {code: i for i, code in enumerate(codes)}
    for group, state in states.items():
        if state is None:
            states[group] = _empty_state(n_dates, len(codes), fields)
        elif roll_up:
            _roll_up(state, codes, index)
    return states


def _latest_reports(reports: Reports, mask: np.ndarray, positions: np.ndarray, n_units: int,
                    n_dates: int, fields: tuple[str, ...], columns: list[int]) -> State | None:
    """Each unit's latest report of one group on each date: carry-forward of whole reports
    (never of single counts: a report without accounts has no accounts). None without any
    report of the group."""
    n = int(mask.sum())
    if not n:
        return None
    values = np.full((n + 1, len(fields)), np.nan)  # the last row stands for "no report"
    values[:n] = reports.values[mask][:, columns]
    day = np.full(n + 1, np.nan)
    day[:n] = reports.day[mask]
    latest = np.full((n_dates, n_units), -1, dtype=np.int64)
    # Reports are sorted by unit and date, so a later report has a larger number and the
    # running maximum down the axis is each unit's latest report.
    latest[positions[mask], reports.unit[mask]] = np.arange(n)
    np.maximum.accumulate(latest, axis=0, out=latest)
    return State(values[latest], day[latest], latest >= 0, fields)


def _empty_state(n_dates: int, n_units: int, fields: tuple[str, ...]) -> State:
    return State(np.full((n_dates, n_units, len(fields)), np.nan),
                 np.full((n_dates, n_units), np.nan), np.zeros((n_dates, n_units), bool),
                 fields)


def _all_groups(groups: list[State], reported_all: State | None) -> State | None:
    """Group `all`: the sum of the unit's group figures where it has any, else its `all`
    report."""
    if not groups:
        return reported_all
    known = ~np.isnan(groups[0].values)
    values = np.where(known, groups[0].values, 0.0)
    counted = known.astype(np.int8)
    day = groups[0].day.copy()
    has_groups = groups[0].present
    for group in groups[1:]:
        known = ~np.isnan(group.values)
        values += np.where(known, group.values, 0.0)
        counted += known
        day = np.fmax(day, group.day)
        has_groups = has_groups | group.present
    values[counted == 0] = np.nan  # like pandas' sum(min_count=1)
    if reported_all is None:
        return State(values, day, has_groups.copy(), groups[0].fields)
    values = np.where(has_groups[..., None], values, reported_all.values)
    day = np.where(has_groups, day, reported_all.day)
    return State(values, day, has_groups | reported_all.own, groups[0].fields)


def _roll_up(state: State, codes: Sequence[str], index: dict[str, int]) -> None:
    """Districts without their own figures get their communes' sum, then provinces their
    districts' (in place)."""
    units = by_code()
    for level in (DISTRICT, PROVINCE):
        links = [(index[code], index[child]) for code in codes
                 if code in units and units[code].level == level
                 for child in child_codes(code) if child in index]
        if not links:
            continue
        parent, child = (np.array(x, dtype=np.int64) for x in zip(*links, strict=True))
        starts = np.flatnonzero(np.r_[True, parent[1:] != parent[:-1]])
        parents = parent[starts]
        values = state.values[:, child, :]
        known = ~np.isnan(values)
        counted = np.add.reduceat(known, starts, axis=1)
        sums = np.add.reduceat(np.where(known, values, 0.0), starts, axis=1)
        summed = np.where(counted > 0, sums, np.nan)
        newest = np.fmax.reduceat(state.day[:, child], starts, axis=1)
        without_own = ~state.present[:, parents]
        state.values[:, parents, :] = np.where(without_own[..., None], summed,
                                               state.values[:, parents, :])
        state.day[:, parents] = np.where(without_own, newest, state.day[:, parents])


def _per_distinct(values: Sequence, convert, missing) -> np.ndarray:
    """`convert` applied to each distinct value once (a national series repeats a few hundred
    dates and four groups), spread back over the values; a missing value gets `missing`."""
    codes, uniques = pd.factorize(pd.Index(values))
    return np.append(convert(uniques), missing)[codes]  # code -1 takes the trailing `missing`


def _indices(values: Sequence, index: dict) -> np.ndarray:
    """Each value's number in `index` (-1 when absent or missing)."""
    return _per_distinct(values, lambda uniques: np.array(
        [index.get(u, -1) for u in uniques], dtype=np.int64), np.int64(-1))


def day_numbers(dates: Sequence) -> np.ndarray:
    """Dates (date objects or ISO text) as days since 1970, for vectorised comparison; a
    missing date is NaN."""
    return _per_distinct(dates, _days_since_1970, np.nan)


def _days_since_1970(dates) -> np.ndarray:
    try:
        days = np.array(list(dates), dtype="datetime64[D]")
    except ValueError:  # text with a time part
        days = np.array([str(d)[:10] for d in dates], dtype="datetime64[D]")
    return days.astype(np.int64).astype(float)


def as_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers back to date objects (an object array)."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(object)
