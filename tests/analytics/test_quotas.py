"""Quotas as the quota page shows them (core.analytics.quotas), on small stored data sets."""

import datetime as dt

import pandas as pd
import pytest

from core.analytics import quotas
from tests.helpers import put_figures, put_quotas

pytestmark = pytest.mark.postgres

D = dt.date


def test_quota_due_by_a_date_is_pro_rata_inside_the_quarter():
    quarters = pd.Series({1: 91, 2: 100, 3: 0, 4: 0})
    assert quotas.expected_by(quarters, D(2024, 1, 1)) == pytest.approx(1.0)
    assert quotas.expected_by(quarters, D(2024, 3, 31)) == pytest.approx(91.0)
    assert quotas.expected_by(quarters, D(2024, 4, 1)) == pytest.approx(91 + 100 / 91)


def test_attainment_detail_adds_pace_and_status(empty_engine):
    put_quotas(empty_engine, "461", "ncc", (96, 191, 287, 382))
    put_quotas(empty_engine, "461", "btxh", (163, 326, 489, 652))
    put_quotas(empty_engine, "462", "ncc", (58, 115, 173, 230))
    put_figures(empty_engine, [
        ("461", "ncc", "2024-02-15", 1912, 150, 120),   # beyond the Q1 quota already
        ("461", "btxh", "2024-02-15", 3260, 40, 30),
        ("462", "ncc", "2024-02-15", 1151, 10, 5),
    ])
    day = D(2024, 2, 15)
    with empty_engine.connect() as conn:
        ncc = quotas.attainment_detail(conn, "45", day, "ncc")
        both = quotas.attainment_detail(conn, "45", day)
        none = quotas.attainment_detail(conn, "45", day, "ngheo")
    dong_ha = ncc[ncc["code"] == "461"].iloc[0]
    assert dong_ha["status"] == "done"
    assert dong_ha["pace_quarter"] == 0
    assert dong_ha["pace_year"] == pytest.approx((956 - 120) / (D(2024, 12, 31) - day).days)
    town = ncc[ncc["code"] == "462"].iloc[0]
    assert town["expected_to_date"] == round(58 * 46 / 91)
    assert town["status"] == "far_behind"  # 5 paid of the 29 due
    assert town["pace_quarter"] == pytest.approx((58 - 5) / (D(2024, 3, 31) - day).days)
    summed = both[both["code"] == "461"].iloc[0]
    assert (summed["cashless"], summed["quota_to_date"], summed["quota_year"]) == (
        150, 96 + 163, 956 + 1630)
    assert summed["group"] == "all"
    assert none.empty


def test_quarter_progress_reached_by_each_quarter_end(empty_engine):
    put_quotas(empty_engine, "461", "ncc", (96, 191, 287, 382))
    put_figures(empty_engine, [
        ("461", "ncc", "2024-03-30", 1912, 150, 90),
        ("461", "ncc", "2024-04-20", 1912, 200, 150),
        ("461", "ncc", "2024-05-10", 1912, 250, 210),
    ])
    with empty_engine.connect() as conn:
        table = quotas.quarter_progress(conn, "461", 2024, D(2024, 5, 1), "ncc")
        assert quotas.year_target(conn, "461", 2024, "ncc") == 956
        assert quotas.year_target(conn, "462", 2024, "ncc") is None
    assert list(table["quota"]) == [96, 287, 574, 956]
    assert list(table["actual"][:2]) == [90, 150]
    assert pd.isna(table["actual"].iloc[2])
    assert list(table["actual_date"][:2]) == [D(2024, 3, 31), D(2024, 5, 1)]


def test_outlook_at_the_recent_pace(empty_engine):
    put_quotas(empty_engine, "461", "ncc", (100, 100, 100, 100))
    put_figures(empty_engine, [(
        "461", "ncc", f"2024-06-{d:02d}", 1912, 100 + 2 * d, 2 * d) for d in range(1, 31)])
    with empty_engine.connect() as conn:
        result = quotas.outlook(conn, "461", D(2024, 6, 30), "ncc")
    assert result["per_day"] == pytest.approx(2.0)
    assert result["current"] == 60
    assert result["date_target_met"] == D(2024, 6, 30) + dt.timedelta(days=170)
    assert result["pace_needed"] == pytest.approx(340 / 184)
    assert result["year_end"] == D(2024, 12, 31)
