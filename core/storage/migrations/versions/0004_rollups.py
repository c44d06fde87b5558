"""rollups: districts' and provinces' figures summed from below, on every date they change

Built here from the figures already stored, so an upgraded database answers at once. Like
every migration this one is self-contained: it never imports the application, whose code
moves on while a migration must keep doing what it did at its schema version. So it states
the roll-up rules of this version itself, unit by unit (core.storage.rollups holds the fast
implementation the application uses; tests/storage/test_db.py checks that the two agree on an
upgraded database):
- "As of D" is each unit's latest report on or before D, per group.
- A unit's figure is its own report when it has one; otherwise (districts and provinces) the
  sum of its children's figures, counts summed with missing values skipped, dated by the
  newest report behind it.
- Group `all` is the sum of the unit's own group reports (ncc, btxh, ngheo) where it has any,
  else its own `all` report.
A row is kept for a district or province, group and date when its figure is a sum from below
and that date is the date of the newest report behind it (the dates on which the sum changes).

Revision ID: 0004_rollups
Revises: 0003_quality_explanations
"""
import bisect
import datetime as dt
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

revision = '0004_rollups'
down_revision = '0003_quality_explanations'
branch_labels = None
depends_on = None

_OPTIONAL = ('proxy_paid', 'cash_at_home', 'id_verified', 'id_pending', 'id_problem')
_COUNTS = ('total', 'accounts', 'cashless', *_OPTIONAL)
_GROUPS = ('ncc', 'btxh', 'ngheo')
_ALL = 'all'
_COMMUNE = 3

_units = sa.table('units', sa.column('code'), sa.column('level'), sa.column('parent_code'))
_figures = sa.table('figures', sa.column('unit_code'), sa.column('grp'),
                    sa.column('report_date', sa.Date()), *(sa.column(c) for c in _COUNTS))
_rollups = sa.table('rollups', sa.column('unit_code'), sa.column('grp'),
                    sa.column('report_date', sa.Date()), *(sa.column(c) for c in _COUNTS))


def upgrade() -> None:
    op.create_table(
        'rollups',
        sa.Column('unit_code', sa.String(length=5), nullable=False),
        sa.Column('grp', sa.String(length=8), nullable=False),
        sa.Column('report_date', sa.Date(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('accounts', sa.Integer(), nullable=True),
        sa.Column('cashless', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in _OPTIONAL),
        sa.PrimaryKeyConstraint('unit_code', 'grp', 'report_date', name=op.f('pk_rollups')),
        sqlite_with_rowid=False,
    )
    rows = _rolled_up(op.get_bind())
    for start in range(0, len(rows), 5000):
        op.get_bind().execute(_rollups.insert(), rows[start:start + 5000])


def downgrade() -> None:
    op.drop_table('rollups')


def _as_date(value):
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _sum(parts):
    """Counts summed field by field, missing values skipped; missing where all are."""
    out = []
    for values in zip(*parts):
        known = [v for v in values if v is not None]
        out.append(sum(known) if known else None)
    return tuple(out)


class _Timeline:
    """A unit's figure of one group over time: (day, counts, newest report day, own)."""

    def __init__(self, entries):
        self.entries = entries
        self.days = [e[0] for e in entries]

    def at(self, day):
        i = bisect.bisect_right(self.days, day)
        return self.entries[i - 1] if i else None


def _own(reports, day):
    """The latest of a unit's own reports of one group (sorted (day, counts) pairs) on or
    before `day`, or None."""
    i = bisect.bisect_right(reports, day, key=lambda r: r[0])
    return reports[i - 1] if i else None


def _own_figure(reports, unit, group, day):
    """A unit's figure from its own reports as of `day`: (counts, newest day), or None."""
    if group != _ALL:
        found = _own(reports.get((unit, group), []), day)
        return (found[1], found[0]) if found else None
    latest = [r for g in _GROUPS if (r := _own(reports.get((unit, g), []), day))]
    if latest:
        return _sum([r[1] for r in latest]), max(r[0] for r in latest)
    found = _own(reports.get((unit, _ALL), []), day)
    return (found[1], found[0]) if found else None


def _rolled_up(conn):
    level_of, parent_of = {}, {}
    for code, level, parent in conn.execute(sa.select(_units.c.code, _units.c.level,
                                                      _units.c.parent_code)):
        level_of[code], parent_of[code] = level, parent
    reports = defaultdict(list)
    for unit, grp, day, *counts in conn.execute(sa.select(
            _figures.c.unit_code, _figures.c.grp, _figures.c.report_date,
            *(_figures.c[c] for c in _COUNTS))):
        reports[unit, grp].append((_as_date(day), tuple(counts)))
    for found in reports.values():
        found.sort(key=lambda r: r[0])
    # The units that report or have a reporting unit below them, the deepest first.
    used = set()
    for unit, _ in reports:
        while unit is not None and unit not in used:
            used.add(unit)
            unit = parent_of.get(unit)
    children = defaultdict(list)
    for unit in used:
        if parent_of.get(unit) is not None:
            children[parent_of[unit]].append(unit)
    own_days = defaultdict(set)
    for (unit, _), found in reports.items():
        own_days[unit].update(r[0] for r in found)
    timelines, rows = {}, []
    for unit in sorted(used, key=lambda u: -level_of[u]):
        kids = children[unit] if level_of[unit] < _COMMUNE else []
        for group in (*_GROUPS, _ALL):
            days = set(own_days[unit])
            for kid in kids:
                days.update(timelines[kid, group].days)
            entries = []
            for day in sorted(days):
                own = _own_figure(reports, unit, group, day)
                if own is not None:
                    entries.append((day, own[0], own[1], True))
                    continue
                below = [e for kid in kids if (e := timelines[kid, group].at(day))]
                if not below:
                    continue
                newest = max(e[2] for e in below)
                counts = _sum([e[1] for e in below])
                entries.append((day, counts, newest, False))
                if newest == day:
                    rows.append({'unit_code': unit, 'grp': group, 'report_date': day,
                                 **dict(zip(_COUNTS, counts))})
            timelines[unit, group] = _Timeline(entries)
    return rows
