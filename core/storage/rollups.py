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
(after store.write_figures through `after_write`, the importer's revert, the demo load and
reset, the bench loader), for the provinces touched and from the first date touched, since a
report only moves the figures on and after its date. This module calls store, never the
reverse. `rebuild` recomputes everything (migration 0004).

`compute` is the one implementation of the rules: the roll-ups are built with it, and
core.analytics.metrics applies it to communes' own reports directly (communes have no children).
tests/storage/test_rollups.py checks it against a unit-by-unit recomputation.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.catalogue.units import by_code, descendant_codes
from core.storage import store
from core.storage.db import figures, rollups
from core.storage.db import units as units_table
from core.storage.rollup_rules import (
    ROLLUP_GROUPS,
    Reports,
    as_dates,
    compute,
    count_arrays,
    day_numbers,
)
from core.storage.values import as_date, chunks, columns_of, float_matrix
from core.vocabulary import COMMUNE, COUNT_FIELDS, PROVINCE

ROLLUP_COLUMNS = ["unit_code", "grp", "report_date", *COUNT_FIELDS]
# Bound on units x dates computed at once (a few arrays of this many floats per group and
# count): keeps a rebuild at national scale within a few hundred MB.
_CELLS_PER_BATCH = 1_000_000
_FETCH_ROWS = 100_000


def figures_as_of_groups(conn: Connection, codes: Sequence[str], day: dt.date,
                         groups: Sequence[str], reported: set[str] | None = None
                         ) -> dict[str, pd.DataFrame]:
    """Units' figures as of a day for each of `groups` (analytics.metrics.figures_as_of without
    the rate): own reports by the rules, one index seek per unit and group, read once for all
    the groups; districts and provinces without one from the roll-ups, one seek each. Each
    frame is indexed by unit code in the order of `codes`: COUNT_FIELDS (Int64), report_date,
    source ("own" or "rollup"). Units without figures are absent. `reported`, when given,
    receives the units with a report of any group dated `day` (the same seeks tell, so the
    lagging list needs no second query)."""
    latest = store.own_latest_rows(conn, codes, day)
    if reported is not None:
        reported.update(r[0] for r in latest if as_date(r[2]) == day)
    reports = Reports.from_rows(latest, codes).sorted()
    states = compute(reports, codes, np.zeros(len(reports), dtype=np.int64), 1, roll_up=False)
    return {group: _as_of_frame(conn, codes, day, group, states[group]) for group in groups}


def _as_of_frame(conn: Connection, codes: Sequence[str], day: dt.date, group: str,
                 state) -> pd.DataFrame:
    """One group's figures: the units' own, else their roll-ups."""
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
    frame["report_date"] = as_dates(np.array(days))
    frame["source"] = pd.array(sources, dtype="str")
    return frame


def _rolled_as_of(conn: Connection, codes: Sequence[str], day: dt.date, group: str
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Roll-ups as of a day: (codes found, counts, report day numbers)."""
    found = []
    for chunk in chunks(list(codes)):
        latest = sa.select(sa.func.max(rollups.c.report_date)).where(
            rollups.c.unit_code == units_table.c.code, rollups.c.grp == group,
            rollups.c.report_date <= day).scalar_subquery()
        pairs = (sa.select(units_table.c.code.label("unit_code"), latest.label("report_date"))
                 .where(units_table.c.code.in_(chunk))).subquery()
        query = sa.select(*_ROLLUP_READ).join(pairs, sa.and_(
            rollups.c.unit_code == pairs.c.unit_code, rollups.c.grp == group,
            rollups.c.report_date == pairs.c.report_date))
        found.extend(store.driver_rows(conn, query))
    if not found:
        return [], np.zeros((0, len(COUNT_FIELDS))), np.zeros(0)
    columns = columns_of(found, len(found[0]))
    values = float_matrix(columns[3:])
    return list(columns[0]), values, day_numbers(columns[2])


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
        rolled = store.driver_rows(conn, query.order_by(rollups.c.report_date))
        if rolled:  # all dated before the unit's own reports begin
            columns = columns_of(rolled, len(rolled[0]))
            values = np.vstack([float_matrix(columns[3:]), values])
            days = np.concatenate([day_numbers(columns[2]), days])
    frame = pd.DataFrame(count_arrays(values.reshape(len(days), len(COUNT_FIELDS))))
    frame.index = pd.Index(as_dates(days), name="report_date", dtype=object)
    return frame


# ---------------------------------------------------------------------------- maintenance

def after_write(conn: Connection, written: store.WriteResult) -> int:
    """The roll-ups after store.write_figures: its units' provinces, from its first date."""
    return refresh(conn, written.units, written.since) if written.units else 0


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
    first = as_date(conn.scalar(sa.select(sa.func.min(figures.c.report_date))))
    newest = as_date(conn.scalar(sa.select(sa.func.max(figures.c.report_date))))
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
    for chunk in chunks(parents):
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
    for chunk in chunks(parents):
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
                                    for chunk in chunks(codes)], codes)
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
        part.insert(2, "report_date", as_dates(axis[t]))
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




# ---------------------------------------------------------------------------------- reads

# Dates as text (ISO on both databases), parsed by numpy in bulk.
_ROLLUP_READ = [rollups.c.unit_code, rollups.c.grp,
                sa.cast(rollups.c.report_date, sa.String).label("report_date"),
                *[rollups.c[f] for f in COUNT_FIELDS]]
