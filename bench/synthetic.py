"""Synthetic report data at national scale, for benchmarks (never mixed with real data).

Communes report every group every day (about 2% of commune-days skipped, carried forward
by the rules): cumulative counts that grow irregularly. Districts and provinces do not
report themselves, so every figure above a commune is a roll-up: the heaviest case for the
pages. Districts get quarterly quotas so the quota page has work to do.

Generation is deterministic per scale, seed and province, and one day longer than the
scale: the extra day is the national daily file the benchmark imports (`next_day`).
"""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from core.catalogue.units import by_code, catalogue, descendant_codes
from core.storage import rollups, store
from core.storage.db import figures, quotas
from core.vocabulary import COMMUNE, DISTRICT, GROUPS, PROVINCE

FIRST_DAY = dt.date(2024, 1, 1)
SKIP_SHARE = 0.02


@dataclass(frozen=True)
class Scale:
    """Which communes report, over how many days from FIRST_DAY."""

    name: str
    provinces: tuple[str, ...]
    days: int
    national_file: bool = True  # the imported file: every commune, or the scale's only

    @property
    def communes(self) -> list[str]:
        return [c for p in self.provinces for c in descendant_codes(p, COMMUNE)]

    @property
    def last_day(self) -> dt.date:
        return FIRST_DAY + dt.timedelta(days=self.days - 1)

    @property
    def rows(self) -> int:
        """About how many reports the scale holds (before the skipped days)."""
        return len(self.communes) * len(GROUPS) * self.days


def _all_provinces() -> tuple[str, ...]:
    return tuple(u.code for u in catalogue() if u.level == PROVINCE)


def province_near(communes: int) -> str:
    """The province whose commune count is closest to the given size."""
    counts = {p: len(descendant_codes(p, COMMUNE)) for p in _all_provinces()}
    return min(counts, key=lambda p: (abs(counts[p] - communes), p))


def scale(name: str) -> Scale:
    if name == "tiny":  # for the tests: proves the benchmark runs, in seconds
        return Scale(name, ("48",), 10, national_file=False)
    if name == "province-year":
        return Scale(name, (province_near(150),), 366)
    if name == "nation-quarter":
        return Scale(name, _all_provinces(), 91)
    if name == "nation-year":
        return Scale(name, _all_provinces(), 366)
    raise ValueError(f"unknown scale {name!r}")


SCALES = ("province-year", "nation-quarter", "nation-year")


def biggest_province(s: Scale) -> str:
    """The province of the scale with the most communes (the heaviest roll-ups)."""
    return max(s.provinces, key=lambda p: (len(descendant_codes(p, COMMUNE)), p))


def _series(province: str, days: int, seed: int) -> dict[str, np.ndarray]:
    """The province's commune-group series: totals (pairs), cashless and accounts (days x
    pairs), reported (days x pairs). Seeded per province, so the first `days` days are the
    same whatever the length asked for."""
    codes = descendant_codes(province, COMMUNE)
    rng = np.random.default_rng([seed, int(province)])
    n = len(codes) * len(GROUPS)
    totals = rng.integers(50, 2000, size=n)
    start = (totals * rng.uniform(0.0, 0.1, size=n)).astype(np.int64)
    steps = rng.poisson(0.6, size=(days, n))
    steps[0] = 0
    cashless = np.minimum(totals, start + np.cumsum(steps, axis=0))
    reported = rng.random((days, n)) >= SKIP_SHARE
    reported[0] = True
    return {"codes": np.repeat(np.array(codes, dtype=object), len(GROUPS)),
            "groups": np.tile(np.array(GROUPS, dtype=object), len(codes)),
            "totals": totals, "cashless": cashless,
            "accounts": np.minimum(totals, cashless + 3), "reported": reported}


def province_reports(province: str, days: int, seed: int = 7) -> pd.DataFrame:
    """Every report of a province's communes over `days` days from FIRST_DAY, sorted by
    unit, group and date (the order of the figures' unique index)."""
    s = _series(province, days, seed)
    pair, day = np.nonzero(s["reported"].T)  # unit-major: each (commune, group) over its days
    return pd.DataFrame({
        "unit_code": s["codes"][pair], "grp": s["groups"][pair],
        "report_date": (np.datetime64(FIRST_DAY) + day.astype("timedelta64[D]")).astype(
            object),
        "total": s["totals"][pair], "accounts": s["accounts"][day, pair],
        "cashless": s["cashless"][day, pair],
    })


def next_day(sc: Scale, seed: int = 7) -> pd.DataFrame:
    """The day after the scale's last: every commune of the country (a 10,051-row national
    file; only the scale's for "tiny"), continuing the scale's series where it has them."""
    parts = []
    for province in _all_provinces() if sc.national_file else sc.provinces:
        s = _series(province, sc.days + 1, seed)
        parts.append(pd.DataFrame({
            "unit_code": s["codes"], "grp": s["groups"],
            "report_date": sc.last_day + dt.timedelta(days=1), "total": s["totals"],
            "accounts": s["accounts"][-1], "cashless": s["cashless"][-1]}))
    return pd.concat(parts, ignore_index=True)


def district_quotas(province: str, days: int, seed: int = 7) -> pd.DataFrame:
    """Quarterly quotas of each district, per group: a share of its beneficiaries."""
    reports = province_reports(province, 1, seed)
    reports["district"] = [by_code()[c].parent_code for c in reports["unit_code"]]
    base = reports.groupby(["district", "grp"], as_index=False)["total"].sum()
    rows = [{"unit_code": r.district, "grp": r.grp, "year": FIRST_DAY.year, "quarter": q,
             "count": int(r.total * share)}
            for r in base.itertuples() for q, share in zip((1, 2, 3, 4),
                                                            (0.04, 0.08, 0.1, 0.12),
                                                            strict=True)]
    return pd.DataFrame(rows, columns=["unit_code", "grp", "year", "quarter", "count"])


def load(engine: Engine, name: str, seed: int = 7,
         progress: bool = False) -> dict:
    """Write the scale's reports and quotas, province by province, with their roll-ups in
    the same transaction; returns rows, seconds (and the seconds spent on roll-ups)."""
    s = scale(name)
    started = time.perf_counter()
    rolled_seconds = 0.0
    n_rows = 0
    with engine.begin() as conn:
        fast = _bulk_settings(conn)
        upload = store.create_upload(conn, file_name=f"synthetic {name}", sha256=name,
                                     kind="progress", uploaded_by="bench")
        quota_upload = store.create_upload(conn, file_name=f"synthetic quotas {name}",
                                           sha256=f"{name}-q", kind="quota",
                                           uploaded_by="bench")
        for province in s.provinces:
            frame = province_reports(province, s.days, seed)
            _insert(conn, frame, upload)
            n_rows += len(frame)
            tick = time.perf_counter()
            rollups.build_from_frame(conn, frame)
            rolled_seconds += time.perf_counter() - tick
            quota_frame = district_quotas(province, s.days, seed)
            quota_frame["upload_id"] = quota_upload
            store.insert_frame(conn, quotas, quota_frame)
            if progress:
                print(f"  {by_code()[province].name}: {len(frame):,} dòng, "
                      f"{time.perf_counter() - started:.0f} s", flush=True)
        fast.finish()
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load: statistics, and the visibility map
        # that lets index-only scans skip the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE figures")
            conn.exec_driver_sql("VACUUM ANALYZE rollups")
    return {"rows": n_rows, "seconds": time.perf_counter() - started,
            "rollup_seconds": rolled_seconds}


def _insert(conn, frame: pd.DataFrame, upload: int) -> None:
    """SQLite: the store's bulk insert; PostgreSQL: COPY (ten times the executemany rate)."""
    if conn.dialect.name != "postgresql":
        store.insert_frame(conn, figures, frame, upload_id=upload)
        return
    columns = ["unit_code", "grp", "report_date", "total", "accounts", "cashless"]
    buffer = io.StringIO()
    frame.assign(upload_id=upload)[[*columns, "upload_id"]].to_csv(
        buffer, index=False, header=False)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY figures ({', '.join(columns)}, upload_id) FROM STDIN WITH (FORMAT csv)"
    ) as copy:
        copy.write(buffer.getvalue())


class _BulkSettings:
    """A larger page cache while loading on SQLite, and the date index built once after the
    load instead of taking millions of inserts in random places."""

    def __init__(self, conn) -> None:
        self.conn = conn
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_figures_report_date")

    def finish(self) -> None:
        self.conn.exec_driver_sql(
            "CREATE INDEX ix_figures_report_date ON figures (report_date)")
        if self.conn.dialect.name == "sqlite":
            # No ANALYZE: the dashboard's own SQLite file never gets one either, so the
            # benchmark sees the query plans it gets.
            self.conn.exec_driver_sql("PRAGMA cache_size=-2000")


def _bulk_settings(conn) -> _BulkSettings:
    return _BulkSettings(conn)


def units_in(s: Scale) -> dict[str, list[str]]:
    """The scale's districts and provinces, for callers that walk them."""
    provinces = list(s.provinces)
    districts = [c for p in provinces for c in descendant_codes(p, DISTRICT)]
    return {"provinces": provinces, "districts": districts}
