"""The roll-up's vectorised reads: dates as day numbers and groups as indices, whatever form
the database hands them back in."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.storage.rollup_rules import GROUP_INDEX, Reports, day_numbers
from core.vocabulary import COUNT_FIELDS

JAN_23 = (dt.date(2024, 1, 23) - dt.date(1970, 1, 1)).days


def test_day_numbers_read_every_form_of_a_date_the_same():
    forms = [
        [dt.date(2024, 1, 23), dt.date(2024, 1, 24), dt.date(2024, 1, 23)],  # PostgreSQL
        ["2024-01-23", "2024-01-24", "2024-01-23"],                            # SQLite text
        ["2024-01-23 00:00:00", "2024-01-24 00:00:00.000000", "2024-01-23 00:00:00"],
        pd.Series(["2024-01-23", "2024-01-24", "2024-01-23"], dtype="str"),
        np.array(["2024-01-23", "2024-01-24", "2024-01-23"], dtype="datetime64[D]"),
    ]
    for dates in forms:
        assert day_numbers(dates).tolist() == [JAN_23, JAN_23 + 1, JAN_23], dates


def test_no_dates_are_no_day_numbers_and_a_missing_date_is_nan():
    assert len(day_numbers([])) == 0
    numbers = day_numbers(["2024-01-23", None])
    assert numbers[0] == JAN_23 and np.isnan(numbers[1])


def test_a_frame_of_reports_keeps_its_units_groups_and_counts():
    frame = pd.DataFrame({
        "unit_code": pd.Series(["21061", "524", "21061"], dtype="str"),
        "grp": pd.Series(["btxh", "ncc", "không rõ"], dtype="str"),
        "report_date": [dt.date(2024, 1, 23)] * 3,
        **{field: [None] * 3 for field in COUNT_FIELDS},
    })
    frame["total"], frame["accounts"] = [10, 20, 30], [5, None, 7]
    reports = Reports.from_frame(frame, ["524", "21061"])
    assert reports.unit.tolist() == [1, 0, 1]
    assert reports.group.tolist() == [GROUP_INDEX["btxh"], GROUP_INDEX["ncc"], -1]
    assert reports.day.tolist() == [JAN_23] * 3
    total, accounts = COUNT_FIELDS.index("total"), COUNT_FIELDS.index("accounts")
    assert reports.values.shape == (3, len(COUNT_FIELDS))
    assert reports.values[:, total].tolist() == [10.0, 20.0, 30.0]
    assert reports.values[0, accounts] == 5.0 and np.isnan(reports.values[1, accounts])
