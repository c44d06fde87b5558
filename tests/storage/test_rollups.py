"""The roll-ups give exactly what the rules give, computed the straightforward way.

The reference below is the rules spelled out one unit at a time, straight from the own
reports (it was core.analytics.metrics' implementation before the roll-ups): a unit's own latest
reports per group, else the sum of its children's figures, recursively. metrics.figures_as_of
and metrics.series (roll-ups for districts and provinces, core.storage.rollups.compute for own
reports) must agree with it on the demo data and on small data sets built to hit every rule:
carry-forward, own reports starting late, `all` rows before group rows, optional counts
reported by some, reports arriving out of order, corrections and reverts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.access.permissions import Account
from core.analytics import metrics
from core.catalogue.units import by_code, child_codes, descendant_codes, province_codes
from core.ingest.history import revert_upload
from core.storage import db, rollups, store
from core.vocabulary import ALL_GROUPS, COUNT_FIELDS, GROUPS
from tests.helpers import database_at_0003, put_figures

pytestmark = pytest.mark.postgres

D = dt.date
ADMIN = Account("quan_tri", "admin", None)
ALL = (*GROUPS, ALL_GROUPS)


# ------------------------------------------------------------------------------ reference

def _pick_group(rows: pd.DataFrame, group: str) -> pd.DataFrame:
    """Rows for one group; for `all`, a unit's group rows if it has any, else its `all` rows."""
    if group != ALL_GROUPS:
        return rows[rows["grp"] == group]
    has_groups = rows["grp"].isin(GROUPS)
    units_with_groups = set(rows.loc[has_groups, "unit_code"])
    keep = has_groups | (~rows["unit_code"].isin(units_with_groups) & (rows["grp"] == ALL_GROUPS))
    return rows[keep]


def _sum_by(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    grouped = rows.groupby(key, sort=False)
    out = grouped[list(COUNT_FIELDS)].sum(min_count=1)
    out["report_date"] = pd.to_datetime(rows["report_date"]).groupby(rows[key]).max().dt.date
    return out


def reference_figures_as_of(conn: Connection, codes: list[str], as_of: dt.date,
                            group: str) -> pd.DataFrame:
    own = _sum_by(_pick_group(store.own_figures_as_of(conn, codes, as_of), group), "unit_code")
    own["source"] = "own"
    missing = [c for c in codes if c not in own.index]
    parent_of = {child: parent for parent in missing for child in child_codes(parent)}
    parts = [own]
    if parent_of:
        below = reference_figures_as_of(conn, list(parent_of), as_of, group)
        if not below.empty:
            below = below.assign(parent=below.index.map(parent_of))
            rolled = _sum_by(below.drop(columns="source"), "parent")
            rolled["source"] = "rollup"
            parts.append(rolled)
    result = pd.concat([p for p in parts if not p.empty]) if any(
        not p.empty for p in parts) else own
    result.index.name = "unit_code"
    return result


def reference_series(conn: Connection, unit: str, group: str, until: dt.date) -> pd.DataFrame:
    """The figures as of each date some report of the subtree carries, kept where a report
    behind them is dated that day."""
    subtree = [unit, *descendant_codes(unit)]
    dates = sorted(set(store.own_series(conn, subtree, until=until)["report_date"]))
    rows = []
    for day in dates:
        figs = reference_figures_as_of(conn, [unit], day, group)
        if not figs.empty and figs["report_date"].iloc[0] == day:
            rows.append(figs.iloc[0][list(COUNT_FIELDS)].rename(day))
    frame = pd.DataFrame(rows, columns=list(COUNT_FIELDS)).astype("Int64")
    frame.index = pd.Index(list(frame.index), name="report_date", dtype=object)
    return frame


def assert_same_figures(conn: Connection, codes: list[str], day: dt.date, group: str) -> None:
    got = metrics.figures_as_of(conn, codes, day, group).drop(columns="rate_pct")
    want = reference_figures_as_of(conn, codes, day, group)
    assert list(got.index) == [c for c in codes if c in want.index]
    pd.testing.assert_frame_equal(got.sort_index(), want.sort_index(), check_like=True,
                                  obj=f"figures of {codes[:3]}... on {day}, {group}")


def assert_same_series(conn: Connection, unit: str, group: str, until: dt.date) -> None:
    got = metrics.series(conn, unit, group, until)
    want = reference_series(conn, unit, group, until)
    if want.empty:
        assert got.empty
        return
    pd.testing.assert_frame_equal(got, want, obj=f"series of {unit}, {group} to {until}")


def stored_rollups(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(sa.select(db.rollups)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=rollups.ROLLUP_COLUMNS)
    frame["report_date"] = [str(d)[:10] for d in frame["report_date"]]
    return frame.sort_values(["unit_code", "grp", "report_date"], ignore_index=True)


def assert_rebuild_changes_nothing(engine) -> None:
    """What incremental refreshes left is what a full rebuild makes."""
    with engine.connect() as conn:
        before = stored_rollups(conn)
        rollups.rebuild(conn)
        after = stored_rollups(conn)
        conn.rollback()
    pd.testing.assert_frame_equal(before, after)


# ------------------------------------------------------------------------------ demo data

DEMO_DAYS = [D(2023, 12, 1), D(2023, 12, 31), D(2024, 1, 23), D(2024, 1, 25),
             D(2024, 3, 13), D(2024, 12, 31)]


@pytest.mark.parametrize("group", ALL)
def test_demo_figures_as_of_match_the_reference(demo_engine, group):
    quang_tri = "45"
    sets = [list(province_codes()), list(child_codes(quang_tri)),
            list(child_codes("461")), [*child_codes("524"), "524", "51"],
            list(child_codes("49"))]
    with demo_engine.connect() as conn:
        for day in DEMO_DAYS:
            for codes in sets:
                assert_same_figures(conn, codes, day, group)


@pytest.mark.parametrize("group", ALL)
def test_demo_series_match_the_reference(demo_engine, group):
    with demo_engine.connect() as conn:
        for unit in ("45", "461", "524", "51", "01", "21040", child_codes("461")[0]):
            assert_same_series(conn, unit, group, D(2024, 1, 6))


# --------------------------------------------------------------------- rules at the edges

DA_NANG = "48"  # 8 districts, 47 communes


def _edge_rows(rng: np.random.Generator) -> list[list[tuple]]:
    """Uploads (one list of rows each) over twelve days of January in Đà Nẵng and two
    Quảng Trị communes: communes skipping days, some counts unreported, a district whose own
    reports begin on day 6, a commune sending `all` rows before group rows, the city's own
    `all` report from day 10."""
    communes = descendant_codes(DA_NANG, 3)
    district = by_code()[communes[0]].parent_code
    uploads: list[list[tuple]] = []
    state: dict[tuple[str, str], int] = {}
    for day in range(1, 13):
        rows = []
        for i, code in enumerate([*communes, "19330", "19333"]):
            groups = GROUPS[: 1 + i % 3]
            if i == 5:  # the `all` reporter
                groups = (ALL_GROUPS,) if day < 5 else ("ncc", "btxh")
            for grp in groups:
                if day > 1 and rng.random() < 0.3:
                    continue  # skipped a day: the latest report carries forward
                total = 100 + 10 * i
                paid = state[(code, grp)] = min(total, state.get((code, grp), 0)
                                                + int(rng.integers(0, 5)))
                accounts = None if rng.random() < 0.15 else paid + 3
                rows.append((code, grp, f"2024-01-{day:02d}", total, accounts, paid))
        if day >= 6:
            rows.append((district, "ncc", f"2024-01-{day:02d}", 5000, 400, 300 + day))
        if day >= 10:
            rows.append((DA_NANG, ALL_GROUPS, f"2024-01-{day:02d}", 90000, 8000, 7000 + day))
        uploads.append(rows)
    return uploads


@pytest.fixture
def edge_engine(empty_engine):
    uploads = _edge_rows(np.random.default_rng(11))
    late = uploads.pop(2)  # day 3 arrives after day 8: every roll-up from day 3 moves
    for number, rows in enumerate(uploads, start=1):
        put_figures(empty_engine, rows, file_name=f"day{number}.xlsx")
        if number == 7:
            put_figures(empty_engine, late, file_name="late.xlsx")
    # Optional counts from some communes only: identity checks in one upload.
    frame = pd.DataFrame([(c, "btxh", D(2024, 1, 11), 150, 20, 10, 7)
                          for c in descendant_codes(DA_NANG, 3)[:4]],
                         columns=["unit_code", "grp", "report_date", "total", "accounts",
                                  "cashless", "id_verified"])
    with empty_engine.begin() as conn:
        upload = store.create_upload(conn, file_name="ids.xlsx", sha256="ids",
                                     kind="progress", uploaded_by="t")
        rollups.after_write(conn, store.write_figures(conn, frame, upload))
    return empty_engine


def _check(engine, days: list[int], unit_sets: list[list[str]], series_of: list[str],
           groups: tuple[str, ...] = ALL) -> None:
    with engine.connect() as conn:
        for group in groups:
            for day in days:
                for codes in unit_sets:
                    assert_same_figures(conn, codes, D(2024, 1, day), group)
            for unit in series_of:
                assert_same_series(conn, unit, group, D(2024, 1, 31))


@pytest.fixture(params=["seeks", "bulk"])
def read_path(request, monkeypatch):
    """Both ways of reading the latest reports: one seek per unit and group, and (from
    store.BULK_UNITS units on, a national file) the newest day by the date index first."""
    if request.param == "bulk":
        monkeypatch.setattr(store, "BULK_UNITS", 1)
    return request.param


def test_edge_cases_match_the_reference(read_path, edge_engine):
    communes = descendant_codes(DA_NANG, 3)
    district = by_code()[communes[0]].parent_code  # its own ncc reports begin on day 6
    _check(edge_engine, [1, 3, 5, 6, 10, 12],
           [[DA_NANG, "45", "461"], list(child_codes(DA_NANG)), communes],
           [DA_NANG, district, communes[5], "45"])
    assert_rebuild_changes_nothing(edge_engine)


def test_a_correction_and_a_revert_move_the_rollups_with_them(read_path, edge_engine):
    communes = descendant_codes(DA_NANG, 3)
    correction = put_figures(edge_engine, [
        (communes[1], "ncc", "2024-01-04", 110, 60, 55),     # replaces an earlier report
        (communes[2], "btxh", "2024-01-02", 120, 50, 40),    # fills a skipped day, or replaces
    ], file_name="sua.xlsx")
    touched = sorted({by_code()[communes[1]].parent_code, by_code()[communes[2]].parent_code})
    _check(edge_engine, [2, 4, 8], [[DA_NANG, *touched]], [DA_NANG], ("btxh", ALL_GROUPS))
    with edge_engine.begin() as conn:
        revert_upload(conn, correction, ADMIN)
    _check(edge_engine, [2, 4, 8], [[DA_NANG, *touched]], [DA_NANG], ("btxh", ALL_GROUPS))
    assert_rebuild_changes_nothing(edge_engine)


def test_stored_rollups_are_sums_only(edge_engine):
    """Own reports are never copied: a unit's rows stop where its own reports begin."""
    district = by_code()[descendant_codes(DA_NANG, 3)[0]].parent_code
    with edge_engine.connect() as conn:
        rows = stored_rollups(conn)
    mine = rows[(rows["unit_code"] == district) & (rows["grp"] == "ncc")]
    assert not mine.empty and max(mine["report_date"]) < "2024-01-06"
    assert set(rows["unit_code"]) <= {DA_NANG, "45", "461", *child_codes(DA_NANG)}


def test_the_migration_builds_rollups_for_stored_figures(databases):
    engine = database_at_0003(databases, [
        dict(unit_code=code, grp="btxh", report_date=D(2024, 1, day), total=1000,
             cashless=paid, accounts=paid + 10)
        for code, day, paid in (("21061", 24, 430), ("21061", 25, 436), ("21040", 25, 429))])
    db.migrate(engine)
    with engine.connect() as conn:
        figs = metrics.figures_as_of(conn, ["524", "51"], D(2024, 1, 25), "btxh")
        assert list(figs["cashless"]) == [436 + 429, 436 + 429]
        assert list(figs["source"]) == ["rollup", "rollup"]
        assert_same_series(conn, "51", ALL_GROUPS, D(2024, 1, 31))
