"""Figures as of each day for the reconciliation rules (core.analytics.as_of): a unit's own
report carried forward, else its children's sum, NaN where a child has nothing yet."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.analytics.as_of import AsOf
from core.catalogue.units import child_codes

D = dt.date
TOWN = "462"  # Thị xã Quảng Trị: 5 communes
COMMUNES = list(child_codes(TOWN))


def series(rows: list[tuple[str, str, dt.date, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit_code", "grp", "report_date", "total"])
    return frame.astype({"total": "Int64"})


def test_own_reports_are_carried_forward_and_children_fill_the_rest():
    rows = [(c, "btxh", D(2024, 1, 1), 10 * (i + 1)) for i, c in enumerate(COMMUNES)]
    rows += [(COMMUNES[0], "btxh", D(2024, 1, 3), 11),          # one commune moves on day 3
             (TOWN, "btxh", D(2024, 1, 2), 999)]                # the town's own, day 2 only
    asof = AsOf(series(rows), D(2024, 1, 3), ("total",))
    assert list(asof.days.date) == [D(2024, 1, 1), D(2024, 1, 2), D(2024, 1, 3)]
    first = asof.value(COMMUNES[0], "btxh", "total")
    assert first.tolist() == [10, 10, 11]
    assert asof.children_sum(COMMUNES, "btxh", "total").tolist() == [150, 150, 151]
    # The town's own report where it has one (carried forward), the communes' sum before it.
    assert asof.value(TOWN, "btxh", "total").tolist() == [150, 999, 999]
    assert np.isnan(asof.own("total")[(TOWN, "btxh")][[0, 2]]).all()  # as filed: not filled


def test_a_child_without_figures_yet_leaves_the_sum_unknown():
    rows = [(COMMUNES[0], "btxh", D(2024, 1, 1), 10), (COMMUNES[1], "btxh", D(2024, 1, 2), 20)]
    asof = AsOf(series(rows), D(2024, 1, 2), ("total",))
    summed = asof.children_sum(COMMUNES[:2], "btxh", "total")
    assert np.isnan(summed[0]) and summed[1] == 30
    assert asof.children_sum(COMMUNES, "btxh", "total") is None  # three never reported
    assert asof.known >= {COMMUNES[0], COMMUNES[1], TOWN}
