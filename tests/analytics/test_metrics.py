"""Every metric on small stored data sets built here, with the figures of DOMAIN.md."""

import datetime as dt

import pandas as pd
import pytest

from core.analytics import metrics
from tests.helpers import put_figures, put_quotas

pytestmark = pytest.mark.postgres

D = dt.date


def test_rate_of_binh_son():
    assert round(metrics.rate_pct(1049, 12105), 2) == 8.67
    assert metrics.rate_pct(0, 0) is None
    assert metrics.rate_pct(5, None) is None


def test_equal_rates_share_a_rank():
    ranks = metrics.competition_rank(pd.Series([50.0, 40.004, 40.0, 10.0]))
    assert list(ranks) == [1, 2, 2, 4]


def test_quarters():
    assert [metrics.quarter_of(D(2024, m, 1)) for m in (1, 3, 4, 7, 12)] == [1, 1, 2, 3, 4]
    assert metrics.quarter_end(2024, 1) == D(2024, 3, 31)
    assert metrics.quarter_end(2024, 4) == D(2024, 12, 31)


def test_pace_needed():
    assert metrics.pace_needed(100, 200, D(2024, 12, 21), D(2024, 12, 31)) == 10.0
    assert metrics.pace_needed(300, 200, D(2024, 12, 21), D(2024, 12, 31)) == 0.0
    assert metrics.pace_needed(100, 200, D(2024, 12, 31), D(2024, 12, 31)) is None
    assert metrics.pace_needed(100, None, D(2024, 12, 1), D(2024, 12, 31)) is None


@pytest.fixture
def binh_son(empty_engine):
    """Three Bình Sơn communes reporting btxh; the district itself never reports."""
    put_figures(empty_engine, [
        ("21061", "btxh", "2024-01-24", 724, 500, 430),  # Bình Trị
        ("21061", "btxh", "2024-01-25", 724, 504, 436),
        ("21040", "btxh", "2024-01-25", 1100, 496, 429),  # Châu Ổ
        ("21064", "btxh", "2024-01-23", 430, 0, 0),  # Bình An: not started, no report on 25/1
        ("21088", "btxh", "2024-01-25", 522, 9, 6),  # Bình Long
    ])
    return empty_engine


def test_a_unit_without_own_reports_is_the_sum_of_its_children(binh_son):
    with binh_son.connect() as conn:
        figs = metrics.figures_as_of(conn, ["524"], D(2024, 1, 25), "btxh")
    row = figs.loc["524"]
    assert (row["total"], row["cashless"], row["source"]) == (724 + 1100 + 430 + 522,
                                                              436 + 429 + 0 + 6, "rollup")
    assert row["report_date"] == D(2024, 1, 25)


def test_own_report_wins_over_the_children(binh_son):
    put_figures(binh_son, [("524", "btxh", "2024-01-25", 12105, 1200, 1049)])
    with binh_son.connect() as conn:
        figs = metrics.figures_as_of(conn, ["524", "51"], D(2024, 1, 25), "btxh")
    assert figs.loc["524", "cashless"] == 1049
    assert figs.loc["524", "source"] == "own"
    assert round(figs.loc["524", "rate_pct"], 2) == 8.67
    assert figs.loc["51", "cashless"] == 1049  # the province rolls up the district's own report


def test_group_all_is_the_sum_of_groups_and_falls_back_to_all_rows(empty_engine):
    put_figures(empty_engine, [
        ("49", "ncc", "2024-01-23", 28500, 1962, 1900),
        ("49", "btxh", "2024-01-23", 61200, 2771, 2700),
        ("49", "ngheo", "2024-01-22", 35300, 1407, 1400),
        ("48", "all", "2024-01-23", 50000, 3000, 2500),  # a report without groups
    ])
    with empty_engine.connect() as conn:
        figs = metrics.figures_as_of(conn, ["49", "48"], D(2024, 1, 23))
        btxh = metrics.figures_as_of(conn, ["49", "48"], D(2024, 1, 23), "btxh")
    assert figs.loc["49", "total"] == 125000
    assert figs.loc["49", "cashless"] == 6000
    assert round(figs.loc["49", "rate_pct"], 2) == 4.8
    assert figs.loc["48", "cashless"] == 2500
    assert list(btxh.index) == ["49"]


def test_ranking_of_children_best_first_with_shared_ranks(binh_son):
    put_figures(binh_son, [("21091", "btxh", "2024-01-25", 1100, 500, 429)])  # same as Châu Ổ
    with binh_son.connect() as conn:
        table = metrics.ranking(conn, D(2024, 1, 25), "btxh", parent="524")
    assert list(table["name"][:1]) == ["Xã Bình Trị"]
    assert list(table["rank"]) == [1, 2, 2, 4, 5]
    assert metrics.rank_of(table, "21088") == (4, 5)
    assert round(table.iloc[0]["rate_pct"], 2) == 60.22


def test_gap_to_the_unit_ranked_above(binh_son):
    with binh_son.connect() as conn:
        table = metrics.ranking(conn, D(2024, 1, 25), "btxh", parent="524")
    name, needed = metrics.gap_to_next(table, "21040")  # Châu Ổ 39% behind Bình Trị 60,22%
    assert name == "Xã Bình Trị"
    assert (429 + needed) / 1100 > 436 / 724 >= (429 + needed - 1) / 1100
    assert metrics.gap_to_next(table, "21061") is None


def test_lagging_reasons_and_default_threshold(binh_son):
    with binh_son.connect() as conn:
        table = metrics.lagging(conn, "524", D(2024, 1, 25))
        above_all = metrics.lagging(conn, "524", D(2024, 1, 25), below=70)
    reasons = dict(zip(table["name"], table["reason"], strict=True))
    # District average: 871 / 2776 = 31,4%: Bình Long is below it; Bình Trị and Châu Ổ not.
    assert reasons["Xã Bình An"] == "not_started"
    assert reasons["Xã Bình Long"] == "below_threshold"
    assert "Xã Bình Trị" not in reasons and "Thị trấn Châu Ổ" not in reasons
    # Communes that never reported are listed as not reported.
    assert reasons["Xã Bình Minh"] == "not_reported"
    assert len(table) == 22 - 2
    assert dict(zip(above_all["name"], above_all["reason"], strict=True))[
        "Thị trấn Châu Ổ"] == "below_threshold"
    assert table.iloc[0]["reason"] == "not_started"


def test_quota_attainment_to_date_and_for_the_year(empty_engine):
    put_quotas(empty_engine, "461", "ncc", (96, 191, 287, 382))
    put_quotas(empty_engine, "462", "ncc", (58, 115, 173, 230))
    put_figures(empty_engine, [
        ("461", "ncc", "2024-03-31", 1912, 150, 120),
        ("462", "ncc", "2024-05-15", 1151, 150, 116),
    ])
    with empty_engine.connect() as conn:
        q1 = metrics.attainment(conn, "45", D(2024, 3, 31))
        q2 = metrics.attainment(conn, "45", D(2024, 5, 15))
    dong_ha = q1[(q1["code"] == "461")].iloc[0]
    assert (dong_ha["quota_to_date"], dong_ha["quota_year"]) == (96, 956)
    assert dong_ha["attainment_pct"] == pytest.approx(125.0)
    assert dong_ha["year_attainment_pct"] == pytest.approx(120 / 956 * 100)
    province = q1[q1["level"] == "self"].iloc[0]
    assert (province["code"], province["quota_to_date"], province["quota_year"]) == (
        "45", 96 + 58, 956 + 576)
    assert pd.isna(q1[q1["code"] == "462"].iloc[0]["cashless"])  # no report yet on 31/3
    qt_town = q2[q2["code"] == "462"].iloc[0]
    assert (qt_town["quota_to_date"], qt_town["cashless"]) == (58 + 115, 116)
    assert qt_town["attainment_pct"] == pytest.approx(116 / 173 * 100)


def test_trend_changes_targets_and_roll_up(empty_engine):
    put_quotas(empty_engine, "461", "ncc", (96, 191, 287, 382))
    put_figures(empty_engine, [
        ("19330", "ncc", "2024-03-30", 100, 20, 10),
        ("19330", "ncc", "2024-04-01", 100, 25, 15),
        ("19333", "ncc", "2024-03-31", 200, 30, 20),
    ])
    with empty_engine.connect() as conn:
        table = metrics.trend(conn, "461", "ncc")
    assert list(table["date"]) == [D(2024, 3, 30), D(2024, 3, 31), D(2024, 4, 1)]
    # Each commune carries its last report forward.
    assert list(table["cashless"]) == [10, 30, 35]
    assert list(table["new_cashless"][1:]) == [20, 5]
    assert list(table["target_cashless"]) == [96, 96, 96 + 191]
    assert round(table.iloc[-1]["rate_pct"], 2) == round(35 / 300 * 100, 2)


def test_change_over_days_and_projection():
    frame = pd.DataFrame({
        "date": [D(2024, 1, d) for d in range(10, 24)],
        "cashless": [100 + 10 * i for i in range(14)],
    })
    assert metrics.change_over(frame, "cashless", D(2024, 1, 23), 5) == 50
    result = metrics.projection(frame, D(2024, 1, 23), target=300, horizon=D(2024, 1, 31),
                                window=10)
    assert result["per_day"] == 10
    assert result["projected_at_horizon"] == 230 + 80
    assert result["date_target_met"] == D(2024, 1, 30)


# --------------------------------------------------------------- helpers used by the pages

def test_ranking_change_compares_with_the_ranking_days_before(binh_son):
    put_figures(binh_son, [
        ("21061", "btxh", "2024-01-18", 724, 10, 5),  # Bình Trị was last a week ago
        ("21040", "btxh", "2024-01-18", 1100, 500, 400),
    ])
    with binh_son.connect() as conn:
        table = metrics.ranking_change(conn, D(2024, 1, 25), "btxh", parent="524", days=7)
    moved = dict(zip(table["name"], table["rank_change"], strict=True))
    before = dict(zip(table["name"], table["rank_before"], strict=True))
    assert (before["Xã Bình Trị"], moved["Xã Bình Trị"]) == (2, 1)  # 2nd -> 1st: up one
    assert (before["Thị trấn Châu Ổ"], moved["Thị trấn Châu Ổ"]) == (1, -1)
    assert pd.isna(moved["Xã Bình Long"])  # not ranked a week before


def test_overall_rate_is_the_rate_of_the_sums_not_the_mean_of_rates():
    table = pd.DataFrame({"cashless": [10, 90], "total": [100, 900]})
    assert metrics.overall_rate(table) == pytest.approx(10.0)
    assert metrics.overall_rate(table.iloc[:0]) is None


def test_peers_are_the_units_of_the_same_parent():
    assert metrics.peers_parent("49") is None
    assert metrics.peers_parent("524") == "51"
    assert metrics.peers_parent("21061") == "524"


def _frame(values: dict[int, tuple[int, int, int]]) -> pd.DataFrame:
    rows = [{"date": D(2024, 1, d), "total": t, "accounts": a, "cashless": c}
            for d, (t, a, c) in values.items()]
    frame = pd.DataFrame(rows)
    frame["rate_pct"] = frame["cashless"] / frame["total"] * 100
    return frame


def test_changes_since_the_previous_report_and_over_days():
    frame = _frame({10: (1000, 100, 50), 16: (1000, 130, 60), 18: (1000, 150, 80),
                    23: (1000, 160, 100)})
    assert metrics.previous_report_date(frame, D(2024, 1, 23)) == D(2024, 1, 18)
    assert metrics.previous_report_date(frame, D(2024, 1, 10)) is None
    assert metrics.delta_over(frame, "rate_pct", D(2024, 1, 23), 5) == pytest.approx(2.0)
    changes = metrics.headline_changes(frame, D(2024, 1, 23), 7)
    assert changes["accounts"] == {"since_previous": 10, "over_days": 30}
    assert changes["cashless"] == {"since_previous": 20, "over_days": 40}
    assert changes["total"] == {"since_previous": 0, "over_days": 0}
    assert changes["rate_pct"]["since_previous"] == pytest.approx(2.0)
    assert metrics.headline_changes(frame, D(2024, 1, 10), 7)["accounts"] == {
        "since_previous": None, "over_days": None}


def test_lag_counts_and_neighbours():
    table = pd.DataFrame({"reason": ["not_started", "below_threshold", "below_threshold"]})
    assert metrics.lag_counts(table) == {"not_started": 1, "below_threshold": 2,
                                         "not_reported": 0}
    ranked = pd.DataFrame({"code": list("abcdefg")})
    assert metrics.neighbours(ranked, "a") == ["a", "b", "c"]
    assert metrics.neighbours(ranked, "d") == ["b", "c", "d", "e", "f"]
    assert metrics.neighbours(ranked, "z") == ["z"]


def test_rate_series_is_the_trend_without_targets(empty_engine):
    put_quotas(empty_engine, "461", "ncc", (96, 191, 287, 382))
    put_figures(empty_engine, [
        ("19330", "ncc", "2024-03-30", 100, 20, 10),
        ("19333", "ncc", "2024-03-31", 200, 30, 20),
    ])
    with empty_engine.connect() as conn:
        full = metrics.trend(conn, "461", "ncc")
        light = metrics.rate_series(conn, "461", "ncc")
        assert metrics.rate_series(conn, "462", "ncc").empty
    pd.testing.assert_frame_equal(light, full[list(light.columns)])
