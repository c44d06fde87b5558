"""Deterministic demo data for 2024 that reproduces the figures stated in the source documents.

- All 63 provinces report daily (per group) from 31/12/2023 to 31/12/2024; on 23/01/2024
  Quảng Nam stands at 4,8% and 58th of 63, with 30 new accounts from 19/1 to 23/1 (seed 000).
- Quảng Nam: its 17 districts and their communes report daily, the province being their sum;
  towns move ahead after 23/01, mountain districts lag and six of their communes start paying
  only in spring or summer; 2024 quotas per district and group in the form of Phụ lục 01.
- Cẩm Lạc (Hà Tĩnh, seed 002): 922 beneficiaries (151 ncc, 437 ngheo, 334 btxh) reported daily
  from 12/01/2024.
- Bình Phước (seed 004): its districts report what they manage; the province's own report
  counts fewer beneficiaries until 15/03/2024 (a difference to explain: reconciliation).
- Quảng Trị: the Phụ lục 01 quotas; its districts and communes report daily, starting from
  64.454 beneficiaries (16.975 ncc, 47.479 btxh) and 386 accounts on 31/12/2023; district and
  province figures are the sums of what their communes reported.
- Bình Sơn (Quảng Ngãi): btxh by commune, and the district's own report (their sum); on
  25/01/2024 1.049 of 12.105 paid via account (8,67%), with the commune rates of the
  district's dispatch and four communes not started;
  identity checks against the population database: 10.778 verified, 1.232 pending and 223
  without ID card or mismatched on that day.
- Each unit's daily report is its own upload, stamped around the deadline of its level (most on
  time, some late, a few the next day), so the reporting-timeliness page has a story to tell.
- A few deliberate data-quality findings: Hải Lăng's own btxh report stays on 11/03 figures for
  three days while its communes move on (reconciliation), Châu Ổ's accounts fall for a day
  (cumulative fall), Bình Châu pays a large batch in one day (jump).

Every series is built between fixed anchor points with seeded random daily steps, so the data
looks irregular like real reporting but is identical on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.catalogue.units import by_code, child_codes, descendant_codes, province_codes
from core.demo import regions as demo_regions
from core.demo.regions import (
    BINH_PHUOC,
    CAM_LAC,
    QUANG_NAM,
    QUANG_NAM_END_RATE,
    quang_nam_quota_frame,
)
from core.demo.series import DAYS, END, RANKING_DAY, START
from core.demo.series import daily_rows as _rows
from core.demo.series import drop_some_reports as _drop_some_reports
from core.demo.series import path as _path
from core.demo.series import proportional as _proportional
from core.demo.series import split as _split
from core.demo.series import summed as _summed
from core.storage import rollups, store
from core.storage.db import figures, quotas, replaced_figures, uploads
from core.storage.sources import DEMO_USER, is_demo_loaded

SEED = 20240123

QUANG_TRI, QUANG_NGAI, BINH_SON = "45", "51", "524"
# A second random stream for what was added later (identity checks, quality findings, report
# times): drawing them from SEED's stream would move every figure the tests pin down.
EXTRA_SEED = SEED + 1
BINH_SON_DAY = dt.date(2024, 1, 25)

# Phụ lục 01 (seed 001): district -> (base total, Q1..Q4 increments) per group.
QUANG_TRI_QUOTAS: dict[str, dict[str, tuple[int, tuple[int, int, int, int]]]] = {
    "461": {"ncc": (1912, (96, 191, 287, 382)), "btxh": (3260, (163, 326, 489, 652))},
    "462": {"ncc": (1151, (58, 115, 173, 230)), "btxh": (1178, (59, 118, 177, 236))},
    "466": {"ncc": (2391, (72, 167, 191, 287)), "btxh": (6815, (204, 477, 545, 818))},
    "464": {"ncc": (3015, (90, 211, 241, 362)), "btxh": (6505, (195, 455, 520, 781))},
    "468": {"ncc": (987, (30, 69, 79, 118)), "btxh": (3378, (101, 236, 270, 405))},
    "470": {"ncc": (2419, (73, 169, 194, 290)), "btxh": (7510, (225, 526, 601, 901))},
    "469": {"ncc": (2957, (89, 207, 237, 355)), "btxh": (8101, (243, 567, 648, 972))},
    "467": {"ncc": (967, (10, 29, 39, 68)), "btxh": (3601, (36, 108, 144, 252))},
    "465": {"ncc": (1176, (12, 35, 47, 82)), "btxh": (7131, (71, 214, 285, 499))},
}
QUANG_TRI_ACCOUNTS_START = 386

# Seed 003: Bình Sơn btxh by commune on 25/01/2024 -> (total, cashless).
# Rates: Bình Trị 60,22%, Châu Ổ 39%, Bình Thanh 24,36%, Bình Long 1,15%, Bình Trung 0,77%,
# Bình Châu / Bình Mỹ / Bình Phước / Bình An not started; the 18 communes the dispatch names
# as needing focus are all below the district's 8,67%.
BINH_SON_ON_DAY: dict[str, tuple[int, int]] = {
    "Xã Bình Trị": (724, 436),
    "Thị trấn Châu Ổ": (1100, 429),
    "Xã Bình Thanh": (349, 85),
    "Xã Bình Minh": (570, 52),
    "Xã Bình Long": (522, 6),
    "Xã Bình Trung": (520, 4),
    "Xã Bình Châu": (640, 0),
    "Xã Bình Mỹ": (560, 0),
    "Xã Bình Phước": (530, 0),
    "Xã Bình An": (430, 0),
    "Xã Bình Hải": (590, 3),
    "Xã Bình Tân Phú": (480, 4),
    "Xã Bình Dương": (505, 3),
    "Xã Bình Khương": (470, 2),
    "Xã Bình Hòa": (610, 3),
    "Xã Bình Hiệp": (520, 3),
    "Xã Bình Đông": (400, 2),
    "Xã Bình Thạnh": (560, 3),
    "Xã Bình Chương": (455, 3),
    "Xã Bình Thuận": (470, 3),
    "Xã Bình Chánh": (520, 4),
    "Xã Bình Nguyên": (580, 4),
}
BINH_SON_TOTAL, BINH_SON_CASHLESS = 12105, 1049
# Seed 003: identity checks on 25/01/2024 (verified, pending, no ID card / mismatched).
BINH_SON_ID = (10778, 1232, 223)

# Deliberate findings for the data-quality page (dates away from the ones the tests pin).
STALE_DISTRICT, STALE_GROUP = "470", "btxh"  # Huyện Hải Lăng
STALE_DAYS = (dt.date(2024, 3, 12), dt.date(2024, 3, 13), dt.date(2024, 3, 14))
FALL_COMMUNE, FALL_DAY = "Thị trấn Châu Ổ", dt.date(2024, 2, 20)
JUMP_COMMUNE, JUMP_DAY, JUMP_SIZE = "Xã Bình Châu", dt.date(2024, 4, 15), 120


@dataclass(frozen=True)
class DemoSummary:
    figures: int
    quotas: int
    uploads: int = 0
    already_loaded: bool = False


# progress(fraction done, what is being done): the CLI draws it as a bar in the terminal.
Progress = Callable[[float, str], None]


def _no_progress(_fraction: float, _label: str) -> None:
    return None


def load_demo(conn: Connection, reset: bool = False,
              progress: Progress = _no_progress) -> DemoSummary:
    """Write the demo data set in the caller's transaction; `reset` clears figures first.

    Idempotent: when the demo is already in the database (and `reset` is not asked for),
    nothing is written. Into an empty figures table (first start, or `reset`) every unit's
    daily report is an upload of its own, stamped at a realistic time (see `report_times`).
    On top of other stored figures the demo goes in as one upload through the importer's
    path, so that overlapping reports are replaced with their history kept, as an import
    would.
    """
    if reset:
        progress(0.0, "Xóa số liệu cũ")
        clear_figures(conn)
    elif is_demo_loaded(conn):
        progress(1.0, "Dữ liệu mẫu đã có")
        return DemoSummary(0, 0, 0, already_loaded=True)
    progress(0.02, "Tạo số liệu mẫu")
    frames = build_figures()
    progress(0.15, "Ghi số liệu")
    if store.has_figures(conn):
        upload = store.create_upload(
            conn, file_name="Dữ liệu mẫu (demo)", sha256=_digest(frames), kind="demo",
            uploaded_by=DEMO_USER, report_date=END,
            summary="Dữ liệu mẫu, không phải số liệu thật")
        written = store.write_figures(conn, frames, upload)
        rollups.after_write(conn, written)
        n_figures, n_uploads = written.inserted + written.replaced + written.unchanged, 1
        progress(0.9, "Ghi chỉ tiêu")
    else:
        n_uploads = _write_daily_uploads(conn, frames,
                                         lambda f: progress(0.15 + 0.55 * f, "Ghi số liệu"))
        n_figures = len(frames)
        progress(0.7, "Tổng hợp theo đơn vị")
        # Bulk inserts bypass store.write_figures: roll the new reports up here, from memory.
        rollups.build_from_frame(conn, frames)
        progress(0.95, "Ghi chỉ tiêu")
    n_quotas = 0
    for unit, name, frame in (
            (QUANG_TRI, "Phụ lục 01 Quảng Trị (demo)", quota_frame()),
            (QUANG_NAM, "Chỉ tiêu 2024 Quảng Nam (demo)", quang_nam_quota_frame(frames))):
        quota_upload = store.create_upload(
            conn, file_name=name, sha256=f"demo-quotas-{unit}", kind="demo",
            uploaded_by=DEMO_USER, unit_code=unit, summary="Chỉ tiêu năm 2024 theo quý")
        n_quotas += store.write_quotas(conn, frame, quota_upload)
    progress(1.0, "Xong")
    return DemoSummary(n_figures, n_quotas, n_uploads + 2)


def clear_figures(conn: Connection) -> None:
    """Remove all reports, quotas and their upload history (users and audit log stay)."""
    for table in (replaced_figures, figures, quotas, uploads):
        conn.execute(table.delete())
    rollups.delete_all(conn)


def _digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values).hexdigest()


def quota_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"unit_code": d, "grp": g, "year": 2024, "quarter": q + 1, "count": inc[q]}
        for d, groups in QUANG_TRI_QUOTAS.items()
        for g, (_base, inc) in groups.items()
        for q in range(4)
    ])


def build_figures() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    quang_tri = _quang_tri(rng)
    binh_son = _binh_son(rng)
    national = _national(rng)
    # Later additions draw from streams of their own, so the figures above never move.
    is_quang_nam = national["unit_code"] == QUANG_NAM
    quang_nam = demo_regions.quang_nam_units(national[is_quang_nam],
                                             np.random.default_rng(SEED + 3))
    national = demo_regions.binh_phuoc(national[~is_quang_nam], np.random.default_rng(SEED + 4))
    cam_lac = demo_regions.cam_lac(np.random.default_rng(SEED + 5))
    frame = pd.concat([national, quang_tri, binh_son, quang_nam, cam_lac], ignore_index=True)
    extra = np.random.default_rng(EXTRA_SEED)
    frame = _with_identity_checks(frame, extra)
    frame = _with_quality_findings(frame)
    return pd.concat([frame, _district_report(frame, BINH_SON)], ignore_index=True)


# ---------------------------------------------------------------------------------- Quảng Trị

def _quang_tri(rng: np.random.Generator) -> pd.DataFrame:
    """Communes first; districts and the province are the sums of their communes' reports."""
    commune_parts, district_parts = [], []
    account_shares = _split(QUANG_TRI_ACCOUNTS_START, 18, rng)  # 9 districts x 2 groups
    k = 0
    for district, groups in QUANG_TRI_QUOTAS.items():
        communes = list(child_codes(district))
        performance = rng.uniform(0.55, 1.35)  # some districts beat their quota, some lag
        for grp, (base, increments) in groups.items():
            totals = _split(base, len(communes), rng)
            cumulative = np.cumsum(increments)
            cash_end = [int(q * performance * rng.uniform(0.9, 1.1)) for q in cumulative]
            cash_end = np.maximum.accumulate(np.minimum(cash_end, int(base * 0.95)))
            accounts0 = account_shares[k]
            k += 1
            per_commune = _split_anchors(cash_end, totals, accounts0, rng)
            for code, total, (acc_anchor, cash_anchor) in zip(communes, totals, per_commune,
                                                               strict=True):
                cash = _path(cash_anchor, rng)
                acc = np.maximum(_path(acc_anchor, rng), cash)
                commune_parts.append(_rows(code, grp, total, acc, cash))
    communes_frame = _drop_some_reports(pd.concat(commune_parts, ignore_index=True), rng)
    for district in QUANG_TRI_QUOTAS:
        district_parts.append(_summed(communes_frame, list(child_codes(district)), district))
    districts_frame = pd.concat(district_parts, ignore_index=True)
    province = _summed(districts_frame, list(QUANG_TRI_QUOTAS), QUANG_TRI)
    return pd.concat([communes_frame, districts_frame, province], ignore_index=True)


def _split_anchors(cash_end: np.ndarray, totals: np.ndarray, accounts0: int,
                   rng: np.random.Generator) -> list[tuple[dict, dict]]:
    """Per-commune anchor points: accounts at the start, cashless at each quarter's end."""
    n = len(totals)
    quarter_ends = [dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 9, 30), END]
    shares = rng.uniform(0.2, 1.8, size=n) * totals
    shares = shares / shares.sum()
    start_acc = _split(accounts0, n, rng) if accounts0 >= n else np.bincount(
        rng.integers(0, n, size=accounts0), minlength=n)
    result = []
    for i in range(n):
        cash = {START: 0}
        acc = {START: int(start_acc[i])}
        previous = 0
        for day, target in zip(quarter_ends, cash_end, strict=True):
            value = max(previous, min(int(round(target * shares[i])), int(totals[i])))
            cash[day] = value
            acc[day] = min(int(totals[i]), int(value * rng.uniform(1.03, 1.12)) + 1)
            previous = value
        acc = dict(zip(acc, np.maximum.accumulate(list(acc.values())), strict=True))
        result.append((acc, cash))
    return result


# ---------------------------------------------------------------------------------- Bình Sơn

def _binh_son(rng: np.random.Generator) -> pd.DataFrame:
    names = {by_code()[c].name: c for c in child_codes(BINH_SON)}
    assert set(names) == set(BINH_SON_ON_DAY), "Bình Sơn communes differ from the catalogue"
    assert sum(t for t, _ in BINH_SON_ON_DAY.values()) == BINH_SON_TOTAL
    assert sum(c for _, c in BINH_SON_ON_DAY.values()) == BINH_SON_CASHLESS
    parts = []
    for name, (total, on_day) in BINH_SON_ON_DAY.items():
        start = int(on_day * rng.uniform(0.5, 0.8))
        # Toward the district's goal: 70% with accounts by the end of 2024 (seed 003).
        end = max(int(total * rng.uniform(0.55, 0.85)), min(total, int(on_day * 1.1) + 1))
        cash = _path({START: start, BINH_SON_DAY: on_day, END: end}, rng)
        acc = np.minimum(np.maximum(_path(
            {START: int(start * 1.2), BINH_SON_DAY: int(on_day * 1.15) + 3,
             END: min(total, int(end * 1.08))}, rng), cash), total)
        parts.append(_rows(names[name], "btxh", total, acc, cash))
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------- national

def _national(rng: np.random.Generator) -> pd.DataFrame:
    """Province figures per group, but Quảng Trị's (the sums of its districts, built with
    them). Quảng Nam is pinned at 4,80% on 23/01 with 57 provinces above and 5 below."""
    others = [p for p in province_codes() if p not in (QUANG_NAM, QUANG_TRI)]
    order = rng.permutation(len(others))
    below = {others[i] for i in order[:4]}  # with Quảng Trị (about 1%) five are below
    parts = []
    for code in others:
        rate_on_day = rng.uniform(0.6, 4.3) if code in below else rng.uniform(5.2, 24.0)
        parts.append(_province(code, rate_on_day / 100, rng))
    parts.append(_quang_nam(rng))
    return pd.concat(parts, ignore_index=True)


def _province(code: str, rate_on_day: float, rng: np.random.Generator) -> pd.DataFrame:
    totals = {"ncc": int(rng.integers(8_000, 40_000)), "btxh": int(rng.integers(25_000, 120_000)),
              "ngheo": int(rng.integers(10_000, 80_000))}
    if code == QUANG_NGAI:
        totals["btxh"] = max(totals["btxh"], 3 * BINH_SON_TOTAL)
    end_rate = min(0.97, rate_on_day * 2 + rng.uniform(0.3, 0.6))
    parts = []
    for grp, total in totals.items():
        tilt = rng.uniform(0.8, 1.2)
        on_day = int(total * rate_on_day * tilt)
        cash = _path({START: int(on_day * rng.uniform(0.45, 0.8)), RANKING_DAY: on_day,
                      END: int(total * min(0.98, end_rate * tilt))}, rng)
        acc = np.minimum(np.maximum(np.round(cash * rng.uniform(1.04, 1.15)).astype(np.int64),
                                    cash), total)
        parts.append(_rows(code, grp, total, acc, cash))
    return pd.concat(parts, ignore_index=True)


def _quang_nam(rng: np.random.Generator) -> pd.DataFrame:
    """125.000 beneficiaries, 6.000 paid via account on 23/01 (4,80%); accounts rise by
    exactly 30 over 19/1-23/1: 6.110 on 18/01 and on 19/01, 6.140 on 23/01 (whether "from
    19/1" counts 19/1's own new accounts or starts from its report, the answer is 30).

    These are the province's series per group; `_quang_nam_units` spreads them over its
    districts and communes (the province report is then their sum)."""
    spec = {  # group: (total, cashless on 23/01, accounts on 18/01, accounts on 23/01)
        "ncc": (28_500, 1_900, 1_950, 1_962),
        "btxh": (61_200, 2_700, 2_760, 2_771),
        "ngheo": (35_300, 1_400, 1_400, 1_407),
    }
    parts = []
    slow_start, slow_first = dt.date(2024, 1, 18), dt.date(2024, 1, 19)
    for grp, (total, cash_day, acc_before, acc_day) in spec.items():
        cash = _path({START: int(cash_day * 0.8), RANKING_DAY: cash_day,
                      END: int(total * QUANG_NAM_END_RATE)}, rng)
        acc = _path({START: int(acc_before * 0.82), slow_start: acc_before,
                     slow_first: acc_before, RANKING_DAY: acc_day,
                     END: int(total * (QUANG_NAM_END_RATE + 0.03))}, rng)
        parts.append(_rows(QUANG_NAM, grp, total, np.maximum(acc, cash), cash))
    return pd.concat(parts, ignore_index=True)


def demo_units() -> list[str]:
    """Units that carry demo figures below province level (for tests and the interface)."""
    return [*descendant_codes(QUANG_TRI), *child_codes(BINH_SON), BINH_SON,
            *descendant_codes(QUANG_NAM), CAM_LAC, *child_codes(BINH_PHUOC)]


# ------------------------------------------------------------------- identity checks (seed 003)

ID_FIELDS = ("id_verified", "id_pending", "id_problem")


def _with_identity_checks(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Bình Sơn's communes report identity checks with their btxh figures; on 25/01 they sum
    to the dispatch's 10.778 verified, 1.232 pending and 223 without ID card or mismatched.

    Verified only grows; problems get resolved slowly; pending is what is neither.
    """
    names = {by_code()[c].name: c for c in child_codes(BINH_SON)}
    totals = np.array([t for t, _ in BINH_SON_ON_DAY.values()], dtype=float)
    verified, pending, problem = (_proportional(n, totals * rng.uniform(0.85, 1.15, len(totals)))
                                  for n in BINH_SON_ID)
    values: dict[str, np.ndarray] = {f: np.zeros(0, dtype=np.int64) for f in ID_FIELDS}
    codes = []
    for i, name in enumerate(BINH_SON_ON_DAY):
        v, p, q = int(verified[i]), int(pending[i]), int(problem[i])
        people = v + p + q
        q_start = int(round(q * 1.25))
        resolved = _path({START: 0, BINH_SON_DAY: q_start - q,
                          END: q_start - int(q * 0.4)}, rng)
        q_series = q_start - resolved
        v_series = _path({START: int(v * 0.86), BINH_SON_DAY: v,
                          END: people - int(q * 0.4) - int(p * 0.08)}, rng)
        p_series = np.maximum(people - v_series - q_series, 0)
        for field, series in zip(ID_FIELDS, (v_series, p_series, q_series), strict=True):
            values[field] = np.concatenate([values[field], series])
        codes.append(names[name])
    ids = pd.DataFrame({"unit_code": np.repeat(codes, len(DAYS)), "grp": "btxh",
                        "report_date": np.tile(DAYS, len(codes)),
                        **{f: v for f, v in values.items()}})
    out = frame.merge(ids, on=["unit_code", "grp", "report_date"], how="left")
    for field in ID_FIELDS:
        out[field] = out[field].astype("Int64")
    return out


def _district_report(frame: pd.DataFrame, district: str) -> pd.DataFrame:
    """The district's own daily report: the sum of what its communes reported that day (all
    of Bình Sơn's communes report every day)."""
    part = frame[frame["unit_code"].isin(child_codes(district))]
    fields = ["total", "accounts", "cashless", *ID_FIELDS]
    summed = part.groupby(["grp", "report_date"], as_index=False)[fields].sum(min_count=1)
    return summed.assign(unit_code=district)[["unit_code", "grp", "report_date", *fields]]


# ------------------------------------------------------------------ deliberate quality findings

def _with_quality_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """Three things the data-quality page should find, each kept consistent with what the
    tests hold (counts within totals, cashless never falling, Đa Krông equal to its communes).
    """
    frame = frame.copy()
    _stale_district(frame)
    names = {by_code()[c].name: c for c in child_codes(BINH_SON)}
    _accounts_fall(frame, names[FALL_COMMUNE])
    _batch_jump(frame, names[JUMP_COMMUNE])
    return frame


def _stale_district(frame: pd.DataFrame) -> None:
    """Hải Lăng's own btxh report repeats the 11/03 figures for three days while its communes
    move on (the province, which adds up its districts' reports, follows the district)."""
    def rows(code: str, day: dt.date) -> pd.Series:
        return ((frame["unit_code"] == code) & (frame["grp"] == STALE_GROUP)
                & (frame["report_date"] == day))

    before = frame.loc[rows(STALE_DISTRICT, STALE_DAYS[0] - dt.timedelta(days=1))].iloc[0]
    for day in STALE_DAYS:
        for field in ("accounts", "cashless"):
            gap = frame.loc[rows(STALE_DISTRICT, day), field].iloc[0] - before[field]
            frame.loc[rows(STALE_DISTRICT, day), field] = before[field]
            frame.loc[rows(QUANG_TRI, day), field] -= gap


def _accounts_fall(frame: pd.DataFrame, code: str) -> None:
    """One day's report carries an older accounts count (a copy-paste slip): accounts fall,
    never below the people already paid into an account."""
    row = (frame["unit_code"] == code) & (frame["report_date"] == FALL_DAY)
    accounts, cashless = int(frame.loc[row, "accounts"].iloc[0]), int(
        frame.loc[row, "cashless"].iloc[0])
    frame.loc[row, "accounts"] = accounts - min(40, accounts - cashless)


def _batch_jump(frame: pd.DataFrame, code: str) -> None:
    """A commune pays a large batch in one day (the post office's monthly round), then its
    count stays there until the usual pace catches up: a jump, not a typo."""
    mine = (frame["unit_code"] == code).to_numpy()
    days = frame.loc[mine, "report_date"].to_numpy()
    order = np.argsort(days)
    index = frame.index[mine][order]
    cash = frame.loc[index, "cashless"].to_numpy()
    after = days[order] >= JUMP_DAY
    floor = cash[~after].max() + JUMP_SIZE if (~after).any() else JUMP_SIZE
    total = int(frame.loc[index, "total"].iloc[0])
    new_cash = np.where(after, np.minimum(np.maximum(cash, floor), total), cash)
    frame.loc[index, "cashless"] = new_cash
    frame.loc[index, "accounts"] = np.maximum(frame.loc[index, "accounts"].to_numpy(), new_cash)


# ------------------------------------------------------------------------------ report times

# Minutes from the deadline: on-time reports come in during the last hours before it, late
# ones within the morning, a few only the next day. Some units are habitually late.
_LATE_SHARE = (0.04, 0.30)     # (most units, habitual latecomers)
_HABITUAL_LATE = 0.12          # share of units that are habitually late
_NEXT_DAY_SHARE = 0.15         # of the late reports


def report_times(frame: pd.DataFrame, rng: np.random.Generator | None = None) -> pd.DataFrame:
    """When each unit's report of each day was uploaded: unit_code, report_date, uploaded_at
    (aware, UTC), deterministic. Deadlines are the defaults of core.access.settings."""
    from core.access.settings import DEFAULTS, TIMEZONE

    rng = rng or np.random.default_rng(EXTRA_SEED + 1)
    pairs = frame[["unit_code", "report_date"]].drop_duplicates(ignore_index=True)
    units = sorted(set(pairs["unit_code"]))
    habitual = {u: rng.random() < _HABITUAL_LATE for u in units}
    late_share = pairs["unit_code"].map(lambda u: _LATE_SHARE[habitual[u]]).to_numpy()
    n = len(pairs)
    late = rng.random(n) < late_share
    next_day = late & (rng.random(n) < _NEXT_DAY_SHARE)
    before = 1 + np.minimum(rng.gamma(1.5, 25.0, n), 150)       # minutes before the deadline
    after = 1 + np.minimum(rng.gamma(1.3, 50.0, n), 420)        # minutes after it
    next_day_at = rng.uniform(7 * 60, 16 * 60, n)               # minutes after midnight, D+1
    levels = pairs["unit_code"].map(lambda u: by_code()[u].level)
    deadline_minutes = levels.map(lambda lv: _minutes(DEFAULTS.deadline_for(lv))).to_numpy()
    minutes = np.where(late, deadline_minutes + after, deadline_minutes - before)
    minutes = np.where(next_day, 24 * 60 + next_day_at, minutes)
    local_midnight = pd.to_datetime(pairs["report_date"]).dt.tz_localize(TIMEZONE)
    stamps = local_midnight + pd.to_timedelta(np.round(minutes * 60), unit="s")
    return pairs.assign(uploaded_at=stamps.dt.tz_convert("UTC"))


def _minutes(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


def _write_daily_uploads(conn: Connection, frame: pd.DataFrame,
                         progress: Callable[[float], None] = lambda _f: None) -> int:
    """One upload per unit and report date, stamped by `report_times`, and the figures
    pointing at their upload: bulk inserts only (this runs on the dashboard's first start)."""
    times = report_times(frame)
    names = {c: by_code()[c].name for c in set(times["unit_code"])}
    shown_day = {d: f"{d:%d/%m/%Y}" for d in set(times["report_date"])}
    iso_day = {d: d.isoformat() for d in shown_day}
    rows_per_upload = frame.groupby(["unit_code", "report_date"], sort=False).size()
    counts = rows_per_upload.reindex(pd.MultiIndex.from_frame(
        times[["unit_code", "report_date"]])).tolist()
    first_id = int(conn.scalar(sa.select(sa.func.coalesce(sa.func.max(uploads.c.id), 0))))
    sqlite = conn.dialect.name == "sqlite"
    stamps = (times["uploaded_at"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist() if sqlite
              else times["uploaded_at"].dt.to_pydatetime().tolist())
    records = [
        (f"Báo cáo ngày {shown_day[d]} – {names[u]} (dữ liệu mẫu)", f"demo-{u}-{iso_day[d]}",
         "demo", iso_day[d] if sqlite else d, u, DEMO_USER, stamp, "applied", count)
        for u, d, stamp, count in zip(times["unit_code"], times["report_date"], stamps, counts,
                                      strict=True)
    ]
    marks = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * 9)
    sql = (f"INSERT INTO {uploads.name} (file_name, sha256, kind, report_date, unit_code, "
           f"uploaded_by, uploaded_at, status, row_count) VALUES ({marks})")
    for start in range(0, len(records), 20_000):
        conn.exec_driver_sql(sql, records[start:start + 20_000])
        progress(0.4 * min(1.0, (start + 20_000) / len(records)))
    # Read the new ids back by (unit, day) as plain driver tuples (Row objects cost seconds).
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.exec_driver_sql(
        f"SELECT id, unit_code, report_date FROM {uploads.name} WHERE id > {mark}",
        (first_id,))
    ids = {(unit, str(day)[:10]): upload_id for upload_id, unit, day in cursor.fetchall()}
    times["upload_id"] = [ids[(u, iso_day[d])] for u, d in zip(
        times["unit_code"], times["report_date"], strict=True)]
    rows = frame.merge(times[["unit_code", "report_date", "upload_id"]],
                       on=["unit_code", "report_date"], how="left", validate="m:1")
    columns = [c for c in store.FIGURE_COLUMNS if c in rows.columns and rows[c].notna().any()]
    rows = rows[[*columns, "upload_id"]]
    step = 50_000
    for start in range(0, len(rows), step):
        store._insert_records(conn, figures, rows.iloc[start:start + step])
        progress(0.4 + 0.6 * min(1.0, (start + step) / len(rows)))
    return len(records)
