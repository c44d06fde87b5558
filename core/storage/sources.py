"""Where the figures on a page come from: the uploads behind them, the dates covered, and a
version stamp that changes whenever an upload is applied or reverted (the pages' cache key).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import config
from core.catalogue.units import descendant_codes, province_codes
from core.storage import values
from core.storage.db import figures, quotas, uploads
from core.storage.db import units as units_table
from core.vocabulary import ALL_GROUPS, COMMUNE, DISTRICT, GROUPS

# Who the demo data set's uploads are written by: how any layer tells demo figures apart.
DEMO_USER = "demo"


@dataclass(frozen=True)
class SourceUpload:
    """One uploaded file behind the figures shown."""

    file_name: str
    uploaded_at: dt.datetime | None
    uploaded_by: str | None
    kind: str


def data_version(conn: Connection) -> tuple[int, int]:
    """(newest upload id, number of applied uploads): any import or revert changes it, so
    cached figures keyed by it are never stale and never recomputed needlessly."""
    row = conn.execute(sa.select(
        sa.func.coalesce(sa.func.max(uploads.c.id), 0),
        sa.func.count().filter(uploads.c.status == "applied"))).one()
    return int(row[0]), int(row[1])


def date_range(conn: Connection) -> tuple[dt.date, dt.date] | None:
    """First and last report dates in the database (bounds for the date pickers)."""
    # Two statements: SQLite reads a lone min() or max() off the end of the date index, but
    # scans all of it (ten million entries at national scale) for both in one.
    first = conn.scalar(sa.select(sa.func.min(figures.c.report_date)))
    if first is None:
        return None
    last = conn.scalar(sa.select(sa.func.max(figures.c.report_date)))
    return values.as_date(first), values.as_date(last)


def source_uploads(conn: Connection, unit: str | None, as_of: dt.date) -> list[SourceUpload]:
    """The applied uploads holding the newest reports on or before `as_of` for a unit's
    subtree, or for the provinces' own reports (the national view) when `unit` is None;
    newest upload first."""
    codes = list(province_codes()) if unit is None else [unit, *descendant_codes(unit)]
    chunks = list(values.chunks(codes))
    latest = None
    for chunk in chunks:
        found = values.as_date(conn.scalar(_newest_on_or_before(chunk, as_of)))
        if found is not None and (latest is None or found > latest):
            latest = found
    if latest is None:
        return []
    ids: set[int] = set()
    for chunk in chunks:
        ids.update(conn.scalars(_uploads_on(chunk, latest)))
    rows = conn.execute(
        sa.select(uploads.c.file_name, uploads.c.uploaded_at, uploads.c.uploaded_by,
                  uploads.c.kind)
        .where(uploads.c.id.in_(sorted(ids)), uploads.c.status == "applied")
        .order_by(uploads.c.id.desc())).all()
    return [SourceUpload(r.file_name, r.uploaded_at, r.uploaded_by, r.kind) for r in rows]


def _groups() -> sa.Subquery:
    return sa.union_all(*[sa.select(sa.literal(g).label("grp"))
                          for g in (*GROUPS, ALL_GROUPS)]).subquery("groups")


def _uploads_on(codes: list[str], day: dt.date) -> sa.Select:
    """The uploads of the units' reports dated `day`: one index seek per unit and group (the
    date's index would visit every report of the country that day)."""
    groups = _groups()
    return (sa.select(figures.c.upload_id).distinct().select_from(units_table)
            .join(groups, sa.true())
            .join(figures, sa.and_(figures.c.unit_code == units_table.c.code,
                                   figures.c.grp == groups.c.grp,
                                   figures.c.report_date == day))
            .where(units_table.c.code.in_(codes)))


def _newest_on_or_before(codes: list[str], as_of: dt.date) -> sa.Select:
    """The newest report date on or before `as_of` among the units: one index seek per unit
    and group, not a scan of all their reports (600,000 for a province over a year)."""
    groups = _groups()
    newest = sa.select(sa.func.max(figures.c.report_date)).where(
        figures.c.unit_code == units_table.c.code, figures.c.grp == groups.c.grp,
        figures.c.report_date <= as_of).scalar_subquery()
    pairs = (sa.select(newest.label("newest")).select_from(units_table)
             .join(groups, sa.true()).where(units_table.c.code.in_(codes))).subquery()
    return sa.select(sa.func.max(pairs.c.newest))


def districts_with_commune_reports(conn: Connection) -> list[str]:
    """Districts whose communes report (where a lagging-communes list can be drawn)."""
    # EXISTS: one index seek per commune, instead of joining every report in the country.
    reports = sa.exists().where(figures.c.unit_code == units_table.c.code)
    query = (sa.select(units_table.c.parent_code).distinct()
             .where(units_table.c.level == COMMUNE, reports))
    return sorted(c for c in conn.scalars(query) if c)


def units_with_quotas(conn: Connection, year: int) -> list[str]:
    """Provinces and districts holding a quota for the year, their own or their children's."""
    query = (sa.select(quotas.c.unit_code, units_table.c.parent_code, units_table.c.level)
             .join(units_table, units_table.c.code == quotas.c.unit_code)
             .where(quotas.c.year == year).distinct())
    found: set[str] = set()
    for code, parent, level in conn.execute(query):
        found.add(code)
        if level in (DISTRICT, COMMUNE) and parent:
            found.add(parent)
    return sorted(found)


def describe(found: list[SourceUpload], limit: int = 2) -> str:
    """"«Báo cáo 25-01.xlsx» (tải lên 25/01/2024 09:12 bởi nv_binhson)" for the page footer;
    times in Vietnam's time zone, the rest counted."""
    if not found:
        return "chưa có tệp nào"
    parts = []
    for item in found[:limit]:
        detail = []
        if item.uploaded_at is not None:
            detail.append(f"tải lên {config.as_local(item.uploaded_at):%d/%m/%Y %H:%M}")
        if item.uploaded_by:
            detail.append(f"bởi {item.uploaded_by}")
        parts.append(f"«{item.file_name}»" + (f" ({' '.join(detail)})" if detail else ""))
    more = len(found) - limit
    return "; ".join(parts) + (f" và {more} tệp khác" if more > 0 else "")



def is_demo_loaded(conn: Connection) -> bool:
    """Whether the figures shown include the demo data set (its upload is applied)."""
    return conn.scalar(sa.select(sa.func.count()).select_from(uploads).where(
        uploads.c.uploaded_by == DEMO_USER, uploads.c.status == "applied")) > 0
