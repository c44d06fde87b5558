"""Reading and writing stored figures, quotas and uploads.

Every write happens inside the caller's transaction (`engine.begin()`), so an import is all
or nothing. Reads return pandas frames because every consumer (metrics, pages, exports)
works on frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.catalogue import units as catalogue_mod
from core.storage.db import figures, quotas, replaced_figures, uploads
from core.storage.db import units as units_table
from core.storage.values import as_date, chunks, columns_of, floats
from core.vocabulary import ALL_GROUPS, COUNT_FIELDS, GROUPS

FIGURE_KEY = ["unit_code", "grp", "report_date"]
FIGURE_COLUMNS = [*FIGURE_KEY, *COUNT_FIELDS]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ensure_catalogue(conn: Connection) -> int:
    """Load the unit catalogue into an empty (or older) units table; returns rows added."""
    present = set(conn.scalars(sa.select(units_table.c.code)))
    missing = [u for u in catalogue_mod.catalogue() if u.code not in present]
    rows = [
        {"code": u.code, "name": u.name, "short_name": u.short_name, "kind": u.kind,
         "level": u.level, "parent_code": u.parent_code, "province_code": u.province_code}
        for u in missing
    ]
    for start in range(0, len(rows), 2000):
        conn.execute(units_table.insert(), rows[start:start + 2000])
    return len(rows)


def create_upload(conn: Connection, *, file_name: str, sha256: str, kind: str,
                  uploaded_by: str | None, report_date: dt.date | None = None,
                  unit_code: str | None = None, summary: str | None = None,
                  uploaded_at: dt.datetime | None = None) -> int:
    result = conn.execute(uploads.insert().values(
        file_name=file_name, sha256=sha256, kind=kind, report_date=report_date,
        unit_code=unit_code, uploaded_by=uploaded_by, uploaded_at=uploaded_at or utcnow(),
        status="applied", summary=summary,
    ))
    return int(result.inserted_primary_key[0])


@dataclass(frozen=True)
class WriteResult:
    inserted: int
    replaced: int
    unchanged: int
    # The units whose reports changed and the first date changed: what the caller rolls up
    # (core.storage.rollups.after_write) in the same transaction.
    units: frozenset[str] = field(default=frozenset(), compare=False)
    since: dt.date | None = field(default=None, compare=False)


def write_figures(conn: Connection, frame: pd.DataFrame, upload_id: int) -> WriteResult:
    """Store figures; an existing report for the same unit, group and date is replaced.

    The replaced row is kept in `replaced_figures` so that reverting this upload restores it.
    Rows identical to what is stored are left alone, so re-importing a file is harmless.
    The caller then rolls the changes up (rollups.after_write) in the same transaction.
    """
    frame = _normalise_figures(frame)
    duplicated = frame.duplicated(FIGURE_KEY)
    if duplicated.any():
        raise ValueError(f"duplicate figure keys: {frame.loc[duplicated, FIGURE_KEY].head()}")
    existing = _existing_figures(conn, frame)
    merged = frame.merge(existing, on=FIGURE_KEY, how="left", suffixes=("", "_old"),
                         indicator=True)
    is_new = merged["_merge"] == "left_only"
    same = ~is_new & _same_counts(merged)
    changed = ~is_new & ~same

    old_rows = merged.loc[changed]
    if not old_rows.empty:
        ids = [int(i) for i in old_rows["id_old"]]
        for chunk in chunks(ids):
            conn.execute(replaced_figures.insert().from_select(
                ["replaced_by", *FIGURE_COLUMNS, "upload_id"],
                sa.select(sa.literal(upload_id), *[figures.c[c] for c in FIGURE_COLUMNS],
                          figures.c.upload_id).where(figures.c.id.in_(chunk)),
            ))
            conn.execute(figures.delete().where(figures.c.id.in_(chunk)))

    to_insert = merged.loc[is_new | changed, FIGURE_COLUMNS]
    _insert_records(conn, figures, to_insert, upload_id=upload_id)
    return WriteResult(int(is_new.sum()), int(changed.sum()), int(same.sum()),
                       frozenset(to_insert["unit_code"]),
                       min(to_insert["report_date"]) if not to_insert.empty else None)


def _normalise_figures(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in COUNT_FIELDS:
        if col not in out:
            out[col] = pd.NA
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    out["report_date"] = pd.to_datetime(out["report_date"]).dt.date
    out["unit_code"] = out["unit_code"].astype(str)
    out["grp"] = out["grp"].astype(str)
    return out[FIGURE_COLUMNS]


def _existing_figures(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    cols = [figures.c.id.label("id_old"), *[figures.c[c] for c in FIGURE_KEY],
            *[figures.c[c].label(f"{c}_old") for c in COUNT_FIELDS]]
    dates = sorted(set(frame["report_date"]))
    parts = [
        pd.DataFrame(conn.execute(
            sa.select(*cols).where(figures.c.unit_code.in_(chunk),
                                   figures.c.report_date.in_(dates))
        ).mappings().all())
        for chunk in chunks(sorted(set(frame["unit_code"])))
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=[c.key if hasattr(c, "key") else c.name for c in cols])
    existing = pd.concat(parts, ignore_index=True)
    existing["report_date"] = pd.to_datetime(existing["report_date"]).dt.date
    return existing


def _same_counts(merged: pd.DataFrame) -> pd.Series:
    same = pd.Series(True, index=merged.index)
    for col in COUNT_FIELDS:
        new = merged[col].astype("Int64")
        old = pd.to_numeric(merged[f"{col}_old"]).astype("Int64")
        same &= (new == old).fillna(new.isna() & old.isna()).astype(bool)
    return same


def _insert_records(conn: Connection, table: sa.Table, frame: pd.DataFrame, **extra) -> None:
    """Bulk insert through the driver's executemany: tuples, no per-row dict or ORM work.

    This is the hot path of imports and of the demo load (about 5x faster than passing
    dicts through SQLAlchemy's parameter processing). On PostgreSQL it is COPY, in the same
    transaction: a national file's 30,000 rows in a fraction of executemany's time.
    """
    if frame.empty:
        return
    columns = [*frame.columns, *extra]
    values = [_driver_values(conn, frame[c]) for c in frame.columns]
    values += [[v] * len(frame) for v in extra.values()]
    rows = list(zip(*values, strict=True))
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, columns, rows)
        return
    marks = ", ".join("?" if conn.dialect.paramstyle == "qmark" else "%s" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    for start in range(0, len(rows), 20_000):
        conn.exec_driver_sql(sql, rows[start:start + 20_000])


def _copy_rows(conn: Connection, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
    """COPY FROM STDIN through psycopg; a refused row (a key stored meanwhile by another
    upload) raises SQLAlchemy's IntegrityError, as executemany would."""
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as err:
        raise sa.exc.DBAPIError.instance(sql, None, err, conn.dialect.loaded_dbapi.Error,
                                         dialect=conn.dialect) from err


def insert_frame(conn: Connection, table: sa.Table, frame: pd.DataFrame, **extra) -> None:
    """Bulk insert of a frame whose columns are the table's (see _insert_records)."""
    _insert_records(conn, table, frame, **extra)


def _driver_values(conn: Connection, column: pd.Series) -> list:
    """Plain Python values the driver accepts: int or None for counts, ISO text dates on
    SQLite (the format SQLAlchemy's Date type stores there)."""
    if column.name == "report_date":
        if conn.dialect.name == "sqlite":  # numpy's ISO formatting: 20x faster than strftime
            days = pd.to_datetime(column).to_numpy().astype("datetime64[D]")
            return np.datetime_as_string(days).tolist()
        return column.tolist()
    if column.name in COUNT_FIELDS:
        column = column.astype("Int64")
        return column.astype(object).where(column.notna(), None).tolist()
    return column.tolist()


def write_quotas(conn: Connection, frame: pd.DataFrame, upload_id: int) -> int:
    """Store quarterly quotas (unit_code, grp, year, quarter, count); new replace old."""
    records = frame[["unit_code", "grp", "year", "quarter", "count"]].to_dict("records")
    for r in records:
        conn.execute(quotas.delete().where(
            quotas.c.unit_code == r["unit_code"], quotas.c.grp == r["grp"],
            quotas.c.year == int(r["year"]), quotas.c.quarter == int(r["quarter"])))
    if records:
        conn.execute(quotas.insert(), [
            {**r, "year": int(r["year"]), "quarter": int(r["quarter"]),
             "count": int(r["count"]), "upload_id": upload_id} for r in records
        ])
    return len(records)


# ---------------------------------------------------------------------------------- reads

def own_figures_as_of(conn: Connection, codes: Sequence[str], as_of: dt.date,
                      groups: Sequence[str] = (*GROUPS, ALL_GROUPS)) -> pd.DataFrame:
    """Each unit's latest own report on or before `as_of`, per group (no roll-up here).

    Driven from the (unit, group) pairs, so that each latest date is one index seek on
    (unit_code, grp, report_date) instead of a scan of every report of those units: the
    difference between milliseconds and seconds at national scale.
    """
    if not codes:
        return _empty_figures()
    return _figures_frame(own_latest_rows(conn, codes, as_of, groups=groups))


# From this many units on, own_latest_rows reads the newest day's reports in one range of
# the date index and seeks only the (unit, group) pairs missing from it.
BULK_UNITS = 2000


def own_latest_rows(conn: Connection, codes: Sequence[str], as_of: dt.date, *,
                    before: bool = False,
                    groups: Sequence[str] = (*GROUPS, ALL_GROUPS)) -> list[tuple]:
    """own_figures_as_of as the database driver's tuples in FIGURE_COLUMNS order (report_date
    may be ISO text), for callers that go straight to arrays (core.storage.rollups); with
    `before`, the latest strictly before `as_of`; only the given groups."""
    codes = list(codes)
    if len(codes) >= BULK_UNITS:
        return _latest_rows_in_bulk(conn, codes, as_of, before, groups)
    rows: list[tuple] = []
    for chunk in chunks(codes):
        rows.extend(driver_rows(conn, _latest_query(chunk, as_of, before=before,
                                                     groups=groups)))
    return rows


def driver_rows(conn: Connection, query: sa.Select) -> list[tuple]:
    """The query's rows as the driver returns them, without SQLAlchemy's per-row processing
    (a province's latest reports are thousands of rows, read on every page)."""
    result = conn.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _latest_rows_in_bulk(conn: Connection, codes: list[str], as_of: dt.date,
                         before: bool, groups: Sequence[str]) -> list[tuple]:
    """Most units report every day: the newest report date's reports (one range of the date
    index) hold most pairs' latest report, and one seek each finds the rest. At national
    scale a third of the seeks, for the same rows."""
    bound = figures.c.report_date < as_of if before else figures.c.report_date <= as_of
    newest = conn.scalar(sa.select(sa.func.max(figures.c.report_date)).where(bound))
    if newest is None:
        return []
    wanted = set(codes)
    rows = [r for r in driver_rows(conn, sa.select(*[figures.c[c] for c in FIGURE_COLUMNS])
                                    .where(figures.c.report_date == newest,
                                           figures.c.grp.in_(groups)))
            if r[0] in wanted]
    found = {(r[0], r[1]) for r in rows}
    for group in groups:
        rest = [c for c in codes if (c, group) not in found]
        for chunk in chunks(rest):
            rows.extend(driver_rows(conn, _latest_query(chunk, as_of, before=before,
                                                         groups=(group,))))
    return rows


def _pairs(groups: Sequence[str] = (*GROUPS, ALL_GROUPS)) -> sa.Subquery:
    """The groups as a table, to pair with units: SQLite has no column aliases on a VALUES
    list, hence a UNION ALL of literals."""
    return sa.union_all(*[sa.select(sa.literal(g).label("grp"))
                          for g in groups]).subquery("groups")


def _latest_query(codes: Sequence[str], as_of: dt.date, *, before: bool = False,
                  groups: Sequence[str] = (*GROUPS, ALL_GROUPS)) -> sa.Select:
    """Each (unit, group) pair's latest report on (or before) `as_of`: one index seek on
    (unit_code, grp, report_date) for its date, one for the row."""
    groups = _pairs(groups)
    bound = (figures.c.report_date < as_of) if before else (figures.c.report_date <= as_of)
    latest = sa.select(sa.func.max(figures.c.report_date)).where(
        figures.c.unit_code == units_table.c.code, figures.c.grp == groups.c.grp,
        bound).scalar_subquery()
    pairs = (sa.select(units_table.c.code.label("unit_code"), groups.c.grp,
                       latest.label("report_date"))
             .select_from(units_table).join(groups, sa.true())
             .where(units_table.c.code.in_(codes))).subquery()
    return sa.select(*[figures.c[c] for c in FIGURE_COLUMNS]).join(
        pairs, sa.and_(figures.c.unit_code == pairs.c.unit_code,
                       figures.c.grp == pairs.c.grp,
                       figures.c.report_date == pairs.c.report_date))


def own_series(conn: Connection, codes: Sequence[str], *, until: dt.date | None = None,
               since: dt.date | None = None, fields: Sequence[str] = COUNT_FIELDS,
               categorical: bool = False) -> pd.DataFrame:
    """All own reports of the units (every group), sorted by unit, group and date: the
    FIGURE_KEY columns and `fields`; with `categorical`, units and groups as categories (for
    callers that sort and group by them again and again)."""
    columns = [*FIGURE_KEY, *fields]
    if not codes:
        return _figures_frame([], columns, categorical)
    # The driver's own tuples: a subtree's three months are ~150.000 rows at national scale,
    # and SQLAlchemy's per-row processing (dates from SQLite's text) would cost as much as
    # the query; _figures_frame converts column by column.
    rows = own_series_rows(conn, codes, until=until, since=since, fields=fields)
    return _figures_frame(rows, columns, categorical).sort_values(
        FIGURE_KEY, ignore_index=True)


def own_series_rows(conn: Connection, codes: Sequence[str], *, until: dt.date | None = None,
                    since: dt.date | None = None,
                    fields: Sequence[str] = COUNT_FIELDS) -> list[tuple]:
    """own_series as the database driver's tuples (FIGURE_KEY, then `fields`; report_date may
    be ISO text), unsorted (core.storage.rollups)."""
    rows: list[tuple] = []
    for chunk in chunks(list(codes)):
        query = sa.select(*[figures.c[c] for c in (*FIGURE_KEY, *fields)]).where(
            figures.c.unit_code.in_(chunk))
        if until is not None:
            query = query.where(figures.c.report_date <= until)
        if since is not None:
            # The groups named, so that each (unit, group) is one range seek on the unique
            # index (unit_code, grp, report_date), not a walk through all its dates.
            query = query.where(figures.c.report_date >= since,
                                figures.c.grp.in_((*GROUPS, ALL_GROUPS)))
        rows.extend(driver_rows(conn, query))
    return rows


def units_with_reports_on(conn: Connection, codes: Sequence[str], day: dt.date) -> set[str]:
    """The units with a report dated `day`: one index seek per unit and group (the date's
    own index would visit every report of that day in the country)."""
    found: set[str] = set()
    groups = _pairs()
    for chunk in chunks(list(codes)):
        reported = sa.exists().where(figures.c.unit_code == units_table.c.code,
                                     figures.c.grp == groups.c.grp,
                                     figures.c.report_date == day)
        found.update(conn.scalars(
            sa.select(units_table.c.code).distinct().select_from(units_table)
            .join(groups, sa.true()).where(units_table.c.code.in_(chunk), reported)))
    return found


def quotas_for(conn: Connection, codes: Sequence[str], year: int) -> pd.DataFrame:
    frame = pd.DataFrame(quota_rows(conn, codes, year),
                         columns=["unit_code", "grp", "quarter", "count"])
    return frame.astype({"quarter": "int64", "count": "int64"})


def quota_rows(conn: Connection, codes: Sequence[str], year: int) -> list[tuple]:
    """quotas_for as plain (unit_code, grp, quarter, count) tuples."""
    rows: list[tuple] = []
    for chunk in chunks(list(codes)):
        rows.extend(driver_rows(conn, sa.select(
            quotas.c.unit_code, quotas.c.grp, quotas.c.quarter, quotas.c["count"])
            .where(quotas.c.unit_code.in_(chunk), quotas.c.year == year)))
    return rows


def latest_report_date(conn: Connection, codes: Sequence[str] | None = None) -> dt.date | None:
    """The newest report date overall, or among the given units."""
    query = sa.select(sa.func.max(figures.c.report_date))
    if codes is None:
        return as_date(conn.scalar(query))
    # Per (unit, group) pair one seek for its newest date, rather than a scan of every
    # report of the units (a province's 600,000 at national scale).
    groups = _pairs()
    dates = []
    for chunk in chunks(list(codes)):
        newest = sa.select(sa.func.max(figures.c.report_date)).where(
            figures.c.unit_code == units_table.c.code,
            figures.c.grp == groups.c.grp).scalar_subquery()
        pairs = (sa.select(newest.label("newest")).select_from(units_table)
                 .join(groups, sa.true()).where(units_table.c.code.in_(chunk))).subquery()
        dates.append(conn.scalar(sa.select(sa.func.max(pairs.c.newest))))
    dates = [as_date(d) for d in dates if d is not None]
    return max(dates) if dates else None


def has_figures(conn: Connection) -> bool:
    return conn.scalar(sa.select(figures.c.id).limit(1)) is not None


def _empty_figures() -> pd.DataFrame:
    return _figures_frame([])


def _figures_frame(rows, columns: Sequence[str] = FIGURE_COLUMNS,
                   categorical: bool = False) -> pd.DataFrame:
    """A figures frame from result tuples in `columns` order, built column by column (tuples,
    not mappings: per-row dicts, or pandas' own conversion of a list of rows, cost more than
    the query at national scale). Dates may be ISO text (SQLite's driver) or dates; counts
    are nullable integers."""
    data = {}
    for name, array in zip(columns, columns_of(rows, len(columns)), strict=True):
        if name in ("unit_code", "grp"):
            data[name] = (pd.Categorical(array) if categorical
                          else pd.array(array.astype(str), dtype="str"))
        elif name == "report_date":
            codes, days = pd.factorize(array)
            days = np.array([as_date(d) for d in days], dtype=object)
            data[name] = days[codes] if len(codes) else np.array([], dtype=object)
        else:
            numbers = floats(array)
            missing = np.isnan(numbers)
            data[name] = pd.arrays.IntegerArray(
                np.where(missing, 0, numbers).astype("int64"), missing)
    return pd.DataFrame(data, columns=list(columns))
