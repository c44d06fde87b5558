"""Synthetic report data at national scale, for benchmarks (never mixed with real data).

Every commune reports every group every day: cumulative counts that grow irregularly.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from core import store
from core.db import GROUPS
from core.units import COMMUNE, by_code, catalogue, descendant_codes

SCALES = {
    # name: (commune codes, first day, number of days)
    "province-year": (lambda: descendant_codes(_province_near(150), COMMUNE),
                      dt.date(2024, 1, 1), 366),
    "nation-quarter": (lambda: [u.code for u in catalogue() if u.level == COMMUNE],
                       dt.date(2024, 1, 1), 91),
    "nation-year": (lambda: [u.code for u in catalogue() if u.level == COMMUNE],
                    dt.date(2024, 1, 1), 366),
}


def _province_near(communes: int) -> str:
    """The province whose commune count is closest to the given size."""
    counts = {p: len(descendant_codes(p, COMMUNE)) for p in
              (u.code for u in catalogue() if u.level == 1)}
    return min(counts, key=lambda p: abs(counts[p] - communes))


def load(engine: Engine, scale: str, seed: int = 7) -> dict:
    """Write the scale's data in day-sized batches; returns rows and seconds."""
    codes_of, first, days = SCALES[scale]
    codes = codes_of()
    rng = np.random.default_rng(seed)
    n = len(codes) * len(GROUPS)
    totals = rng.integers(50, 2000, size=n)
    cashless = (totals * rng.uniform(0.0, 0.1, size=n)).astype(np.int64)
    unit_col = np.repeat(np.array(codes, dtype=object), len(GROUPS))
    grp_col = np.tile(np.array(GROUPS, dtype=object), len(codes))
    started = time.perf_counter()
    with engine.begin() as conn:
        upload = store.create_upload(conn, file_name=f"synthetic {scale}", sha256=scale,
                                     kind="progress", uploaded_by="bench")
        for day in range(days):
            cashless = np.minimum(totals, cashless + rng.poisson(0.6, size=n))
            frame = pd.DataFrame({
                "unit_code": unit_col, "grp": grp_col,
                "report_date": first + dt.timedelta(days=day),
                "total": totals, "accounts": np.minimum(totals, cashless + 3),
                "cashless": cashless,
            })
            store._insert_records(conn, store.figures, store._normalise_figures(frame),
                                  upload_id=upload)
    return {"rows": n * days, "seconds": time.perf_counter() - started,
            "province": by_code()[by_code()[codes[0]].province_code].code}
