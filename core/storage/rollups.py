"""The rules of "figures as of a date", computed for many units and dates at once, and the
daily roll-ups of districts and provinces that keep their results.

The rules (core.analytics.metrics states them for the pages):
- "As of D" means each unit's latest report on or before D, per group.
- A unit's figures are its own report when it has one; otherwise the sum of its children's
  figures (each child by these same rules, so a commune that skipped a day still counts with
  its latest report).
- Group `all` is the sum of the unit's group reports (ncc, btxh, ngheo) as of D where it has
  any, else its `all` report.
- Counts sum with missing values skipped; an optional count no one reported stays missing.
  The figure's report_date is the newest report behind it.

Why roll-ups: a province's figure depends on the latest report of each of its communes, and
the national ranking on all 10,051 of them; recomputing that from the reports on every page
view costs seconds at national scale. Table `rollups` holds the result for every district
and province whose figure is a sum from below (not its own report), every group (ncc, btxh,
ngheo, all) and every date on which that sum changes, i.e. the dates of the reports behind
it (its report_date). "As of D" is then one index seek per unit, a trend one range scan,
whatever the number of communes below. A unit's own reports are read from figures, as for
communes: storing them again would only copy them.

`refresh` keeps the table right: every change to figures calls it in the same transaction
(store.write_figures, the importer's revert, the demo load and reset, the bench loader),
for the provinces touched and from the first date touched, since a report only moves the
figures on and after its date. `rebuild` recomputes everything (migration 0004).

`compute` is the one implementation of the rules: the roll-ups are built with it, and
core.analytics.metrics applies it to communes' own reports directly (communes have no children).
tests/storage/test_rollups.py checks it against a unit-by-unit recomputation.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.catalogue.units import by_code, child_codes, descendant_codes
from core.storage import store
from core.storage.db import figures, rollups
from core.storage.db import units as units_table
from core.vocabulary import ALL_GROUPS, COMMUNE, COUNT_FIELDS, DISTRICT, GROUPS, PROVINCE

ROLLUP_GROUPS = (*GROUPS, ALL_GROUPS)
ROLLUP_COLUMNS = ["unit_code", "grp", "report_date", *COUNT_FIELDS]
_GROUP_INDEX = {g: i for i, g in enumerate(ROLLUP_GROUPS)}
_CHUNK = 500
# Bound on units x dates computed at once (a few arrays of this many floats per group and
# count): keeps a rebuild at national scale within a few hundred MB.
_CELLS_PER_BATCH = 1_000_000
_FETCH_ROWS = 100_000


# ------------------------------------------------------------------------------ the rules

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
        group = np.array([_GROUP_INDEX.get(g, -1) for g in columns[1]], dtype=np.int64)
        values = np.empty((len(unit), len(COUNT_FIELDS)))
        for i, column in enumerate(columns[3:]):
            values[:, i] = np.array(column, dtype="float64")  # None becomes NaN
        return cls(unit.astype(np.int64), group, _day_numbers(columns[2]), values)

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence], codes: Sequence[str]) -> Reports:
        """From result rows in the order unit_code, grp, report_date, *COUNT_FIELDS."""
        if not rows:
            return cls.concat([])
        return cls.from_columns(list(zip(*rows, strict=True)), codes)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, codes: Sequence[str]) -> Reports:
        """From a figures frame (store.own_figures_as_of, store.own_series)."""
        unit = pd.Index(codes).get_indexer(frame["unit_code"])
        group = np.array([_GROUP_INDEX.get(g, -1) for g in frame["grp"]], dtype=np.int64)
        values = frame[list(COUNT_FIELDS)].astype("Float64").to_numpy(
            dtype="float64", na_value=np.nan)
        return cls(unit.astype(np.int64), group, _day_numbers(frame["report_date"]),
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


def _day_numbers(dates: Sequence) -> np.ndarray:
    """Dates (date objects or ISO text) as days since 1970, for vectorised comparison."""
    try:
        days = np.array(dates, dtype="datetime64[D]")
    except ValueError:  # text with a time part
        days = np.array([str(d)[:10] for d in dates], dtype="datetime64[D]")
    return days.astype(np.int64).astype(float)


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers back to date objects (an object array)."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(object)


def figures_as_of(conn: Connection, codes: Sequence[str], day: dt.date, group: str,
                  reported: set[str] | None = None) -> pd.DataFrame:
    """Units' figures as of a day (analytics.metrics.figures_as_of without the rate): own reports
    by the rules, one index seek per unit and group; districts and provinces without one from
    the roll-ups, one seek each. Indexed by unit code in the order of `codes`: COUNT_FIELDS
    (Int64), report_date, source ("own" or "rollup"). Units without figures are absent.
    `reported`, when given, receives the units with a report of any group dated `day` (the
    same seeks tell, so the lagging list needs no second query)."""
    latest = store.own_latest_rows(conn, codes, day)
    if reported is not None:
        reported.update(r[0] for r in latest if _as_date(r[2]) == day)
    reports = Reports.from_rows(latest, codes).sorted()
    state = compute(reports, codes, np.zeros(len(reports), dtype=np.int64), 1,
                    roll_up=False)[group]
    own = state.present[0]
    units = by_code()
    missing = [c for c, has in zip(codes, own, strict=True)
               if not has and c in units and units[c].level < COMMUNE]
    rolled_codes, rolled_values, rolled_days = _rolled_as_of(conn, missing, day, group)
    at = {c: i for i, c in enumerate(rolled_codes)}
    found, values, days, sources = [], [], [], []
    own_values = state.full((0, slice(None)))
    for i, code in enumerate(codes):
        if own[i]:
            found.append(code)
            values.append(own_values[i])
            days.append(state.day[0, i])
            sources.append("own")
        elif code in at:
            found.append(code)
            values.append(rolled_values[at[code]])
            days.append(rolled_days[at[code]])
            sources.append("rollup")
    table = np.array(values).reshape(len(found), len(COUNT_FIELDS))
    frame = pd.DataFrame(count_arrays(table),
                         index=pd.Index(found, dtype="str", name="unit_code"))
    frame["report_date"] = _dates(np.array(days))
    frame["source"] = pd.array(sources, dtype="str")
    return frame


def _rolled_as_of(conn: Connection, codes: Sequence[str], day: dt.date, group: str
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Roll-ups as of a day: (codes found, counts, report day numbers)."""
    found = []
    for chunk in _chunks(list(codes)):
        latest = sa.select(sa.func.max(rollups.c.report_date)).where(
            rollups.c.unit_code == units_table.c.code, rollups.c.grp == group,
            rollups.c.report_date <= day).scalar_subquery()
        pairs = (sa.select(units_table.c.code.label("unit_code"), latest.label("report_date"))
                 .where(units_table.c.code.in_(chunk))).subquery()
        query = sa.select(*_ROLLUP_READ).join(pairs, sa.and_(
            rollups.c.unit_code == pairs.c.unit_code, rollups.c.grp == group,
            rollups.c.report_date == pairs.c.report_date))
        found.extend(conn.execute(query).all())
    if not found:
        return [], np.zeros((0, len(COUNT_FIELDS))), np.zeros(0)
    columns = list(zip(*found, strict=True))
    values = np.array(columns[3:], dtype="float64").T
    return list(columns[0]), values, _day_numbers(columns[2])


def series(conn: Connection, code: str, group: str, until: dt.date | None = None
           ) -> pd.DataFrame:
    """A unit's figures on every date they change (a report behind them is dated that day),
    oldest first, indexed by report_date: COUNT_FIELDS (Int64). Its own reports by the
    rules; before they begin, a district's or province's roll-ups (one range scan)."""
    own = store.own_series_rows(conn, [code], until=until)
    reports = Reports.from_rows(own, [code]).sorted()
    axis = np.unique(reports.day)
    state = compute(reports, [code], np.searchsorted(axis, reports.day), len(axis),
                    roll_up=False)[group]
    keep = np.flatnonzero(state.day[:, 0] == axis)
    values, days = state.full((keep, 0)), axis[keep]
    unit = by_code().get(code)
    if unit is not None and unit.level < COMMUNE:
        query = sa.select(*_ROLLUP_READ).where(rollups.c.unit_code == code,
                                               rollups.c.grp == group)
        if until is not None:
            query = query.where(rollups.c.report_date <= until)
        rolled = conn.execute(query.order_by(rollups.c.report_date)).all()
        if rolled:  # all dated before the unit's own reports begin
            columns = list(zip(*rolled, strict=True))
            values = np.vstack([np.array(columns[3:], dtype="float64").T, values])
            days = np.concatenate([_day_numbers(columns[2]), days])
    frame = pd.DataFrame(count_arrays(values.reshape(len(days), len(COUNT_FIELDS))))
    frame.index = pd.Index(_dates(days), name="report_date", dtype=object)
    return frame


# ---------------------------------------------------------------------------- maintenance

def refresh(conn: Connection, codes: Iterable[str], since: dt.date | None = None) -> int:
    """Recompute the roll-ups of the provinces of `codes` (and all their districts) from
    `since` on (every date when None), after their own figures changed. Returns rows written.

    Must run in the transaction that changed the figures, after the change. On PostgreSQL an
    advisory lock per province makes concurrent uploads in one province take turns, so each
    recomputes from what the other committed.
    """
    units = by_code()
    provinces = sorted({units[c].province_code for c in codes if c in units})
    if not provinces:
        return 0
    _lock(conn, provinces)
    # Two queries: SQLite answers a lone min() or max() from the end of an index, but scans
    # the whole index for both in one statement.
    first = _as_date(conn.scalar(sa.select(sa.func.min(figures.c.report_date))))
    newest = _as_date(conn.scalar(sa.select(sa.func.max(figures.c.report_date))))
    if since is None or (first is not None and since <= first):
        since = None
        span = 1 if first is None else (newest - first).days + 1
    else:
        span = 1 if newest is None else max((newest - since).days + 2, 1)
    # A day's file for much of the country (the usual case: the newest day, or the one
    # before): read the few days from `since` by the date index.
    recent = since is not None and span <= 3
    return sum(_refresh(conn, batch, since, recent)
               for batch in _batches(provinces, span))


def rebuild(conn: Connection) -> int:
    """Recompute every roll-up from the stored reports (the migration that adds them, and
    bulk loads that bypass store.write_figures)."""
    conn.execute(rollups.delete())
    return refresh(conn, [u.code for u in by_code().values() if u.level == PROVINCE])


def build_from_frame(conn: Connection, frame: pd.DataFrame) -> int:
    """Roll up reports just written, computed from the frame in memory instead of read back
    (the demo's first load, the bench loader). `frame` (unit_code, grp, report_date, counts)
    must hold every stored report of the provinces it touches."""
    units = by_code()
    provinces = sorted({units[c].province_code for c in frame["unit_code"].unique()
                        if c in units})
    codes = [c for p in provinces for c in (p, *descendant_codes(p))]
    parents = [c for c in codes if units[c].level < COMMUNE]
    for chunk in _chunks(parents):
        conn.execute(rollups.delete().where(rollups.c.unit_code.in_(chunk)))
    if frame.empty:
        return 0
    full = frame.reindex(columns=["unit_code", "grp", "report_date", *COUNT_FIELDS])
    reports = Reports.from_frame(full, codes).sorted()
    axis = np.unique(reports.day)
    return _write(conn, reports, codes, np.searchsorted(axis, reports.day), axis, 0)


def delete_all(conn: Connection) -> None:
    """With every report deleted (demo reset), no roll-up is left either."""
    conn.execute(rollups.delete())


def _lock(conn: Connection, provinces: list[str]) -> None:
    if conn.dialect.name != "postgresql":
        return  # SQLite lets one writer at a time anyway
    for province in provinces:  # sorted: two uploads never wait for each other in a circle
        key = zlib.crc32(f"asxh-rollups-{province}".encode())
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _batches(provinces: list[str], span: int) -> Iterable[list[str]]:
    batch: list[str] = []
    cells = 0
    for province in provinces:
        size = (len(descendant_codes(province)) + 1) * span
        if batch and cells + size > _CELLS_PER_BATCH:
            yield batch
            batch, cells = [], 0
        batch.append(province)
        cells += size
    if batch:
        yield batch


def _refresh(conn: Connection, provinces: list[str], since: dt.date | None,
             recent: bool = False) -> int:
    """Recompute the roll-ups of these provinces' subtrees on and after `since` (all dates
    when None): delete, read the reports that matter, compute, insert."""
    codes = [c for p in provinces for c in (p, *descendant_codes(p))]
    parents = [c for c in codes if by_code()[c].level < COMMUNE]
    for chunk in _chunks(parents):
        delete = rollups.delete().where(rollups.c.unit_code.in_(chunk))
        if since is not None:
            delete = delete.where(rollups.c.report_date >= since)
        conn.execute(delete)
    if since is None:
        reports = _fetch(conn, [_all_reports_query(provinces)], codes)
        axis = np.unique(reports.day)
        positions = np.searchsorted(axis, reports.day)
        first = 0
    else:
        if recent and len(codes) >= store.BULK_UNITS:
            reports = _fetch_recent(conn, codes, since)
        else:
            reports = _fetch(conn, [_reports_since_query(chunk, since)
                                    for chunk in _chunks(codes)], codes)
        start = float((since - dt.date(1970, 1, 1)).days)
        window = np.unique(reports.day[reports.day >= start])
        # Axis position 0 stands for "before since": each unit and group's latest report
        # before it counts from there.
        axis = np.r_[start - 1, window]
        positions = np.where(reports.day >= start, np.searchsorted(window, reports.day) + 1, 0)
        first = 1
    if not len(reports):
        return 0
    return _write(conn, reports, codes, positions, axis, first)


def _all_reports_query(provinces: list[str]) -> sa.Select:
    return (sa.select(*_REPORT_COLS).select_from(figures.join(
        units_table, units_table.c.code == figures.c.unit_code))
        .where(units_table.c.province_code.in_(provinces)))


def _reports_since_query(codes: Sequence[str], since: dt.date) -> sa.Select:
    """Each unit and group's reports from its latest before `since` on: per (unit, group) one
    index seek for that latest date and one range scan from it."""
    groups = sa.union_all(*[sa.select(sa.literal(g).label("grp"))
                            for g in ROLLUP_GROUPS]).subquery("groups")
    before = sa.select(sa.func.max(figures.c.report_date)).where(
        figures.c.unit_code == units_table.c.code, figures.c.grp == groups.c.grp,
        figures.c.report_date < since).scalar_subquery()
    pairs = (sa.select(units_table.c.code.label("unit_code"), groups.c.grp,
                       sa.func.coalesce(before, since).label("start"))
             .select_from(units_table).join(groups, sa.true())
             .where(units_table.c.code.in_(codes))).subquery("pairs")
    return sa.select(*_REPORT_COLS).join(pairs, sa.and_(
        figures.c.unit_code == pairs.c.unit_code, figures.c.grp == pairs.c.grp,
        figures.c.report_date >= pairs.c.start))


# Dates as text: ISO on both databases, parsed by numpy in bulk (no date object per row).
_REPORT_COLS = [figures.c.unit_code, figures.c.grp,
                sa.cast(figures.c.report_date, sa.String).label("report_date"),
                *[figures.c[f] for f in COUNT_FIELDS]]


def _fetch(conn: Connection, queries: list[sa.Select], codes: list[str],
           only: set[str] | None = None) -> Reports:
    """Run the queries and gather their rows as Reports, a partition at a time (millions of
    rows never exist as Python tuples all at once); with `only`, rows of those units only."""
    parts = []
    for query in queries:
        # Per statement: Connection.execution_options would stream every later statement.
        result = conn.execute(query, execution_options={"yield_per": _FETCH_ROWS})
        for partition in result.partitions():
            if only is not None:
                partition = [r for r in partition if r[0] in only]
            parts.append(Reports.from_rows(partition, codes))
    return Reports.concat(parts).sorted()


def _fetch_recent(conn: Connection, codes: list[str], since: dt.date) -> Reports:
    """_reports_since_query for much of the country and a window of a few days: the window's
    reports by the date index, then the latest report before `since` only for the (unit,
    group) pairs without one on `since` (a third of the seeks for a national daily file)."""
    wanted = set(codes)
    window = _fetch(conn, [sa.select(*_REPORT_COLS).where(figures.c.report_date >= since)],
                    codes, only=wanted)
    start = float((since - dt.date(1970, 1, 1)).days)
    on_since = window.day == start
    found = set(zip(window.unit[on_since].tolist(), window.group[on_since].tolist(),
                    strict=True))
    before = []
    for g, group in enumerate(ROLLUP_GROUPS):
        rest = [c for i, c in enumerate(codes) if (i, g) not in found]
        if rest:
            before.extend(store.own_latest_rows(conn, rest, since, before=True,
                                                groups=(group,)))
    return Reports.concat([window, Reports.from_rows(before, codes)]).sorted()


def _write(conn: Connection, reports: Reports, codes: list[str], positions: np.ndarray,
           axis: np.ndarray, first: int) -> int:
    """Compute the subtrees' figures on the axis and store the parents' rolled-up figures
    where they change, from axis position `first` on."""
    used = _with_ancestors({codes[i] for i in np.unique(reports.unit)}, codes)
    remap = pd.Index(used).get_indexer(codes)
    reports.unit = remap[reports.unit]
    states = compute(reports, used, positions, len(axis))
    parents = np.array([i for i, c in enumerate(used) if by_code()[c].level < COMMUNE],
                       dtype=np.int64)
    parts = []
    for group, state in states.items():
        changed = (state.day[:, parents] == axis[:, None]) & ~state.own[:, parents]
        changed[:first] = False
        t, k = np.nonzero(changed)
        if not len(t):
            continue
        unit = parents[k]
        part = state.counts((t, unit))
        part.insert(0, "unit_code", np.array(used, dtype=object)[unit])
        part.insert(1, "grp", group)
        part.insert(2, "report_date", _dates(axis[t]))
        parts.append(part)
    if not parts:
        return 0
    out = pd.concat(parts, ignore_index=True)
    store.insert_frame(conn, rollups, out[ROLLUP_COLUMNS])
    return len(out)


def _with_ancestors(reporting: set[str], codes: list[str]) -> list[str]:
    """The units of `codes` that report or have a reporting unit below them: the others
    have no figures, and leaving them out keeps the arrays small where few units report."""
    units = by_code()
    keep = set(reporting)
    for code in reporting:
        parent = units[code].parent_code
        while parent is not None and parent not in keep:
            keep.add(parent)
            parent = units[parent].parent_code
    return [c for c in codes if c in keep]


def _chunks(items: Sequence) -> Iterable[Sequence]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------------------------- reads

# Dates as text (ISO on both databases), parsed by numpy in bulk.
_ROLLUP_READ = [rollups.c.unit_code, rollups.c.grp,
                sa.cast(rollups.c.report_date, sa.String).label("report_date"),
                *[rollups.c[f] for f in COUNT_FIELDS]]
