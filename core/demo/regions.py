"""The demo's stories added for the provinces the source documents name besides Quảng Trị
and Bình Sơn: Quảng Nam's districts and communes with their 2024 quotas (seed 000), Cẩm Lạc
in Hà Tĩnh (seed 002) and Bình Phước's reconciliation (seed 004). Each draws from a random
stream of its own, so the figures the tests pin elsewhere never move."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.catalogue.units import by_code, child_codes
from core.demo.series import (
    DAYS,
    END,
    RANKING_DAY,
    START,
    allocate,
    daily_rows,
    drop_some_reports,
    path,
    proportional,
    summed,
)

QUANG_NAM = "49"


def quang_nam_units(province: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Quảng Nam's communes, districts and province: the province's series per group spread
    over its communes exactly (every commune near 4,8% on 23/01, then districts moving at
    their own pace, a few mountain communes not started until spring); districts and the
    province are the sums of what their communes reported."""
    districts = list(child_codes(QUANG_NAM))
    communes = [c for d in districts for c in child_codes(d)]
    district_of = np.array([by_code()[c].parent_code for c in communes])
    pace = {d: _QUANG_NAM_PACE[_quang_nam_class(d)] * rng.uniform(0.8, 1.2) for d in districts}
    weight = np.array([pace[d] for d in district_of]) * rng.uniform(0.6, 1.4, len(communes))
    late = _late_starters(communes, rng)
    commune_parts = []
    for grp, rows in province.groupby("grp", sort=False):
        rows = rows.sort_values("report_date")
        totals = proportional(int(rows["total"].iloc[0]),
                               rng.uniform(0.5, 1.5, len(communes)))
        after = np.array(DAYS) > RANKING_DAY
        weights = np.where(after[:, None], totals * weight, totals).astype(float)
        for i, start in late.items():  # no account opened, nobody paid before the start
            weights[np.array(DAYS) < start, i] = 0.0
        acc = allocate(rows["accounts"].to_numpy(), weights,
                        np.broadcast_to(totals, weights.shape), rng)
        cash = allocate(rows["cashless"].to_numpy(), weights, acc, rng)
        for i, code in enumerate(communes):
            commune_parts.append(daily_rows(code, grp, totals[i], acc[:, i], cash[:, i]))
    frame = pd.concat(commune_parts, ignore_index=True)
    keep = (frame["report_date"] < dt.date(2024, 1, 10)) | (
        frame["report_date"] > dt.date(2024, 1, 31))
    dropped = drop_some_reports(frame[keep], rng)
    frame = pd.concat([dropped, frame[~keep]], ignore_index=True)
    district_frame = pd.concat([summed(frame, list(child_codes(d)), d) for d in districts],
                               ignore_index=True)
    return pd.concat([frame, district_frame, summed(district_frame, districts, QUANG_NAM)],
                     ignore_index=True)


# Quảng Nam's districts by kind: towns lead, the mountain districts trail (relative pace of
# their communes after 23/01, and the share of their beneficiaries the 2024 quota asks for).
_QUANG_NAM_TOWNS = {"502", "503", "507"}            # Tam Kỳ, Hội An, Điện Bàn
_QUANG_NAM_MOUNTAINS = {"504", "505", "510", "511", "515", "516"}  # Tây Giang ... Nam Trà My
_QUANG_NAM_PACE = {"town": 1.35, "plain": 1.0, "mountain": 0.55}
QUANG_NAM_QUOTA_SHARE = {"town": 0.70, "plain": 0.60, "mountain": 0.45}
QUANG_NAM_QUARTER_SPLIT = (0.20, 0.25, 0.25, 0.30)
QUANG_NAM_END_RATE = 0.55
# Mountain communes that had paid nobody through an account on 23/01 (start dates).
_LATE_STARTS = (dt.date(2024, 2, 26), dt.date(2024, 3, 18), dt.date(2024, 4, 22),
                dt.date(2024, 5, 13), dt.date(2024, 6, 17), dt.date(2024, 8, 5))


def _quang_nam_class(district: str) -> str:
    if district in _QUANG_NAM_TOWNS:
        return "town"
    return "mountain" if district in _QUANG_NAM_MOUNTAINS else "plain"


def _late_starters(communes: list[str], rng: np.random.Generator) -> dict[int, dt.date]:
    """Column index -> the day a mountain commune makes its first payment via account."""
    mountain = [i for i, c in enumerate(communes)
                if by_code()[c].parent_code in _QUANG_NAM_MOUNTAINS]
    chosen = sorted(rng.choice(mountain, size=len(_LATE_STARTS), replace=False).tolist())
    return dict(zip(chosen, _LATE_STARTS, strict=True))


def quang_nam_quota_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Quảng Nam's 2024 quotas per district and group, in the form of Phụ lục 01: the year's
    share of the district's beneficiaries (in the demo `frame`) by kind of district, split
    over the quarters."""
    start = frame[(frame["report_date"] == START)
                  & frame["unit_code"].isin(child_codes(QUANG_NAM))]
    rows = []
    for r in start.itertuples():
        year = int(r.total * QUANG_NAM_QUOTA_SHARE[_quang_nam_class(r.unit_code)])
        parts = proportional(year, np.array(QUANG_NAM_QUARTER_SPLIT))
        rows += [{"unit_code": r.unit_code, "grp": r.grp, "year": 2024, "quarter": q + 1,
                  "count": int(parts[q])} for q in range(4)]
    return pd.DataFrame(rows)


# ------------------------------------------------------------- Cẩm Lạc (Hà Tĩnh, seed 002)

# Seed 002 (12/01/2024): 922 beneficiaries of Cẩm Lạc in the population database to clean
# and give accounts: 151 người có công, 437 hộ nghèo và cận nghèo, 334 bảo trợ xã hội; the
# commune reports daily (Phụ lục 3) from that day.
CAM_LAC, CAM_LAC_FROM = "18748", dt.date(2024, 1, 12)
CAM_LAC_TOTALS = {"ncc": 151, "ngheo": 437, "btxh": 334}


def cam_lac(rng: np.random.Generator) -> pd.DataFrame:
    """Cẩm Lạc's daily reports: few accounts on 12/01, a push before Tết (10/02), most
    beneficiaries paid through an account by the end of 2024."""
    tet = dt.date(2024, 2, 9)
    parts = []
    for grp, total in CAM_LAC_TOTALS.items():
        start = int(total * rng.uniform(0.03, 0.08))
        cash = path({START: 0, CAM_LAC_FROM: start, tet: int(total * rng.uniform(0.35, 0.5)),
                      END: int(total * rng.uniform(0.85, 0.95))}, rng)
        acc = np.minimum(np.maximum(path(
            {START: 0, CAM_LAC_FROM: start + 4, tet: int(total * 0.55),
             END: int(total * 0.97)}, rng), cash), total)
        parts.append(daily_rows(CAM_LAC, grp, total, acc, cash))
    frame = pd.concat(parts, ignore_index=True)
    return frame[frame["report_date"] >= CAM_LAC_FROM].reset_index(drop=True)


# -------------------------------------------------------------------- Bình Phước (seed 004)

# Seed 004 (22/02/2024): units must explain the difference between the beneficiaries they
# manage and those updated in the population database. Bình Phước's districts report what
# they manage; the province's own report counts those in the system, fewer until the
# records are brought in line on 15/03/2024 (the province-vs-districts check shows it).
BINH_PHUOC = "70"
BINH_PHUOC_RECONCILED = dt.date(2024, 3, 15)
BINH_PHUOC_GAP = {"ncc": 412, "btxh": 873, "ngheo": 0}


def binh_phuoc(national: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Replace Bình Phước's province rows by its districts' daily reports (the province's
    series spread over them) and the province's own report, short of their total by
    BINH_PHUOC_GAP beneficiaries until BINH_PHUOC_RECONCILED."""
    mine = national["unit_code"] == BINH_PHUOC
    province = national[mine]
    districts = list(child_codes(BINH_PHUOC))
    parts = []
    for grp, rows in province.groupby("grp", sort=False):
        rows = rows.sort_values("report_date")
        totals = proportional(int(rows["total"].iloc[0]), rng.uniform(0.6, 1.4,
                                                                        len(districts)))
        weights = np.broadcast_to(totals * rng.uniform(0.7, 1.3, len(districts)),
                                  (len(DAYS), len(districts))).astype(float)
        acc = allocate(rows["accounts"].to_numpy(), weights,
                        np.broadcast_to(totals, weights.shape), rng)
        cash = allocate(rows["cashless"].to_numpy(), weights, acc, rng)
        for i, code in enumerate(districts):
            parts.append(daily_rows(code, grp, totals[i], acc[:, i], cash[:, i]))
        own = rows.copy()
        short = own["report_date"] < BINH_PHUOC_RECONCILED
        own.loc[short, "total"] = own.loc[short, "total"] - BINH_PHUOC_GAP[grp]
        parts.append(own)
    return pd.concat([national[~mine], *parts], ignore_index=True)
