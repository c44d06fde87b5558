"""Deterministic demo data for 2024 that reproduces the figures stated in the source documents.

- All 63 provinces report daily (per group) from 31/12/2023 to 31/12/2024; on 23/01/2024
  Quảng Nam stands at 4,8% and 58th of 63, with 30 new accounts from 19/1 to 23/1.
- Quảng Trị: the Phụ lục 01 quotas; its districts and communes report daily, starting from
  64.454 beneficiaries (16.975 ncc, 47.479 btxh) and 386 accounts on 31/12/2023; district and
  province figures are the sums of what their communes reported.
- Bình Sơn (Quảng Ngãi): btxh by commune; on 25/01/2024 1.049 of 12.105 paid via account
  (8,67%), with the commune rates of the district's dispatch and four communes not started.

Every series is built between fixed anchor points with seeded random daily steps, so the data
looks irregular like real reporting but is identical on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import store
from core.db import figures, quotas, replaced_figures, uploads
from core.units import by_code, child_codes, descendant_codes, province_codes

START = dt.date(2023, 12, 31)
END = dt.date(2024, 12, 31)
DAYS = pd.date_range(START, END, freq="D").date
DEMO_USER = "demo"
SEED = 20240123

QUANG_NAM, QUANG_TRI, QUANG_NGAI, BINH_SON = "49", "45", "51", "524"
RANKING_DAY = dt.date(2024, 1, 23)
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


@dataclass(frozen=True)
class DemoSummary:
    figures: int
    quotas: int


def is_demo_loaded(conn: Connection) -> bool:
    return conn.scalar(sa.select(sa.func.count()).select_from(uploads).where(
        uploads.c.uploaded_by == DEMO_USER, uploads.c.status == "applied")) > 0


def load_demo(conn: Connection, reset: bool = False) -> DemoSummary:
    """Write the demo data set in the caller's transaction; `reset` clears figures first."""
    if reset:
        clear_figures(conn)
    frames = build_figures()
    upload = store.create_upload(
        conn, file_name="Dữ liệu mẫu (demo)", sha256=_digest(frames), kind="demo",
        uploaded_by=DEMO_USER, report_date=END, summary="Dữ liệu mẫu, không phải số liệu thật")
    written = store.write_figures(conn, frames, upload)
    quota_upload = store.create_upload(
        conn, file_name="Phụ lục 01 Quảng Trị (demo)", sha256="demo-quotas", kind="demo",
        uploaded_by=DEMO_USER, unit_code=QUANG_TRI, summary="Chỉ tiêu năm 2024 theo Phụ lục 01")
    n_quotas = store.write_quotas(conn, quota_frame(), quota_upload)
    return DemoSummary(written.inserted + written.replaced + written.unchanged, n_quotas)


def clear_figures(conn: Connection) -> None:
    """Remove all reports, quotas and their upload history (users and audit log stay)."""
    for table in (replaced_figures, figures, quotas, uploads):
        conn.execute(table.delete())


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
    return pd.concat([national, quang_tri, binh_son], ignore_index=True)


# ----------------------------------------------------------------------------- path helper

def _day_index(day: dt.date) -> int:
    return (day - START).days


def _path(anchors: dict[dt.date, int], rng: np.random.Generator) -> np.ndarray:
    """A non-decreasing integer series over DAYS through the anchor values, with irregular
    daily steps (gamma-distributed weights) between anchors."""
    points = sorted((_day_index(d), v) for d, v in anchors.items())
    out = np.zeros(len(DAYS), dtype=np.int64)
    first_i, first_v = points[0]
    out[: first_i + 1] = first_v
    for (i0, v0), (i1, v1) in zip(points, points[1:], strict=False):
        weights = rng.gamma(0.8, size=i1 - i0)
        share = np.cumsum(weights) / weights.sum()
        out[i0 + 1: i1 + 1] = np.round(v0 + (v1 - v0) * share).astype(np.int64)
    last_i, last_v = points[-1]
    out[last_i:] = last_v
    return out


def _split(total: int, n: int, rng: np.random.Generator, spread: float = 0.5) -> np.ndarray:
    """Split an integer into n positive integer parts summing exactly to it."""
    weights = rng.uniform(1 - spread, 1 + spread, size=n)
    parts = np.floor(weights / weights.sum() * total).astype(np.int64)
    parts[np.argsort(-weights)[: total - parts.sum()]] += 1
    return parts


def _rows(code: str, grp: str, total: np.ndarray | int, accounts: np.ndarray,
          cashless: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_code": code, "grp": grp, "report_date": DAYS,
        "total": np.broadcast_to(total, len(DAYS)), "accounts": accounts, "cashless": cashless,
    })


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


def _drop_some_reports(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """About 3% of commune-days go unreported, as in real life (never the first day)."""
    missing = (rng.random(len(frame)) < 0.03) & (frame["report_date"] != START)
    return frame[~missing].reset_index(drop=True)


def _summed(frame: pd.DataFrame, codes: list[str], parent: str) -> pd.DataFrame:
    """A parent's own daily report: the sum of its children's latest figures each day."""
    part = frame[frame["unit_code"].isin(codes)]
    out = []
    for grp, rows in part.groupby("grp"):
        wide = {
            field: rows.pivot(index="report_date", columns="unit_code", values=field)
            .reindex(DAYS).ffill().fillna(0).sum(axis=1).astype(np.int64)
            for field in ("total", "accounts", "cashless")
        }
        out.append(pd.DataFrame({"unit_code": parent, "grp": grp, "report_date": DAYS,
                                 **{k: v.to_numpy() for k, v in wide.items()}}))
    return pd.concat(out, ignore_index=True)


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
    exactly 30 over 19/1-23/1 (from 6.110 on 18/01 to 6.140 on 23/01)."""
    spec = {  # group: (total, cashless on 23/01, accounts on 18/01, accounts on 23/01)
        "ncc": (28_500, 1_900, 1_950, 1_962),
        "btxh": (61_200, 2_700, 2_760, 2_771),
        "ngheo": (35_300, 1_400, 1_400, 1_407),
    }
    parts = []
    slow_start = dt.date(2024, 1, 18)
    for grp, (total, cash_day, acc_before, acc_day) in spec.items():
        cash = _path({START: int(cash_day * 0.8), RANKING_DAY: cash_day,
                      END: int(total * 0.42)}, rng)
        acc = _path({START: int(acc_before * 0.82), slow_start: acc_before,
                     RANKING_DAY: acc_day, END: int(total * 0.45)}, rng)
        parts.append(_rows(QUANG_NAM, grp, total, np.maximum(acc, cash), cash))
    return pd.concat(parts, ignore_index=True)


def demo_units() -> list[str]:
    """Units that carry demo figures below province level (for tests and the interface)."""
    return [*descendant_codes(QUANG_TRI), *child_codes(BINH_SON), BINH_SON]
