"""Validation rules on figure and quota frames: one test per rule, as the importer and the
data-quality checks use them (no spreadsheet, no database)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.ingest import checks as validation
from core.ingest.checks import Context, rate_tolerance

DAY = dt.date(2024, 1, 25)
TODAY = dt.date(2024, 2, 1)
CHAU_O, BINH_TRI, BINH_AN = "21040", "21085", "21088"


def figures(*rows: dict) -> pd.DataFrame:
    """A figures frame as the importer builds it; every row defaults to a clean one."""
    base = {"unit_code": CHAU_O, "grp": "btxh", "report_date": DAY, "total": 600,
            "accounts": None, "cashless": 234, "row_number": 10, "unit_name": "Thị trấn Châu Ổ",
            "level": 3, "unit_status": "ok", "unit_message": "", "rate_stated": None}
    frame = pd.DataFrame([{**base, **row} for row in rows])
    for column in ("total", "accounts", "cashless"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    frame["rate_stated"] = pd.to_numeric(frame["rate_stated"]).astype("Float64")
    return frame


def run(frame: pd.DataFrame, rule: str, ctx: Context | None = None, kind: str = "progress"):
    return validation.run(frame, ctx or Context(today=TODAY), kind=kind, rules=[rule])


def test_a_clean_report_passes_every_rule():
    frame = figures({"rate_stated": 39.0},
                    {"unit_code": BINH_TRI, "row_number": 11, "unit_name": "Xã Bình Trị",
                     "total": 626, "cashless": 377, "rate_stated": 60.22})
    assert validation.run(frame, Context(today=TODAY)) == []


@pytest.mark.parametrize(("status", "severity"), [("unknown", "error"),
                                                  ("ambiguous", "error"),
                                                  ("approximate", "warning")])
def test_unit_not_recognised_once_per_row(status, severity):
    frame = figures({"unit_status": status, "unit_message": "Không tìm thấy đơn vị “Bình Xa”.",
                     "unit_name": "Bình Xa"},
                    {"unit_status": status, "unit_message": "Không tìm thấy đơn vị “Bình Xa”.",
                     "unit_name": "Bình Xa", "grp": "ncc"})
    if status != "approximate":
        frame["unit_code"] = None
    [problem] = run(frame, "unit_not_recognised")
    assert (problem.row_number, problem.severity) == (10, severity)
    if status == "approximate":
        assert "được hiểu là Thị trấn Châu Ổ (mã 21040)" in problem.message_vi
    else:
        assert problem.message_vi == "Dòng 10: Không tìm thấy đơn vị “Bình Xa”."


def test_a_unit_twice_names_both_rows():
    frame = figures({}, {"row_number": 14, "unit_name": "TT Châu Ổ"})
    [problem] = run(frame, "unit_twice")
    assert problem.severity == "error" and problem.row_number == 14
    assert problem.message_vi == ("Dòng 14 (TT Châu Ổ, Bảo trợ xã hội): Thị trấn Châu Ổ đã có "
                                  "ở dòng 10; mỗi đơn vị chỉ được ghi một lần trong báo cáo.")


def test_same_unit_in_two_groups_is_not_twice():
    assert run(figures({}, {"grp": "ncc"}), "unit_twice") == []


def test_negative_counts_are_errors():
    [problem] = run(figures({"cashless": -3}), "negative_counts")
    assert problem.severity == "error"
    assert "số đã chi trả qua tài khoản là số âm (-3)" in problem.message_vi


@pytest.mark.parametrize("field", ["accounts", "cashless"])
def test_accounts_or_cashless_above_the_total_are_errors(field):
    [problem] = run(figures({field: 1049, "total": 1000}), "above_total")
    assert problem.severity == "error"
    assert "(1.049) lớn hơn tổng số đối tượng (1.000)" in problem.message_vi


def test_missing_total_or_cashless_is_an_error_per_row():
    frame = figures({}, {"row_number": 11, "unit_code": BINH_TRI, "cashless": None})
    [problem] = run(frame, "missing_counts")
    assert problem.row_number == 11 and "thiếu số đã chi trả qua tài khoản" in problem.message_vi


def test_a_column_missing_for_a_whole_group_is_left_to_one_file_message():
    assert run(figures({"cashless": None}), "missing_counts") == []


@pytest.mark.parametrize(("stated", "ok"), [(39.0, True), (39.05, True), (39.4, False),
                                            (8.0, False)])
def test_stated_rate_must_agree_with_the_counts_within_its_rounding(stated, ok):
    found = run(figures({"rate_stated": stated}), "stated_rate")
    assert (found == []) == ok
    if not ok:
        assert found[0].severity == "error"
        assert "234/600 = 39%" in found[0].message_vi


def test_rate_tolerance_is_half_the_last_decimal_written():
    assert rate_tolerance(39) == 0.5
    assert rate_tolerance(8.67) == 0.1
    assert rate_tolerance(24.36) == 0.1


def test_rate_of_accounts_in_the_rate_column_is_a_warning_not_an_error():
    [problem] = run(figures({"accounts": 300, "rate_stated": 50.0}), "stated_rate")
    assert problem.severity == "warning" and "tỷ lệ đã có tài khoản" in problem.message_vi


def test_a_rate_over_all_groups_is_checked_against_the_groups_summed():
    frame = figures({"grp": "ncc", "total": 100, "cashless": 10},
                    {"grp": "btxh", "total": 300, "cashless": 30})
    frame["rate_all_stated"] = 10.0
    assert run(frame, "stated_rate") == []
    frame["rate_all_stated"] = 25.0
    [problem] = run(frame, "stated_rate")
    assert problem.message_vi.startswith("Dòng 10 (Thị trấn Châu Ổ): tỷ lệ ghi 25% nhưng "
                                         "40/400 = 10%")


def totals(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["row_number", "label", "grp", "field", "value"])


def test_total_row_must_be_the_sum_of_the_rows():
    frame = figures({}, {"unit_code": BINH_TRI, "row_number": 11, "total": 626,
                         "cashless": 377})
    ok = Context(today=TODAY, totals=totals((9, "Tổng cộng", "btxh", "total", 1226),
                                             (9, "Tổng cộng", "btxh", "cashless", 611)))
    assert run(frame, "total_row_mismatch", ok) == []
    wrong = Context(today=TODAY, totals=totals((9, "Tổng cộng", "btxh", "cashless", 600)))
    [problem] = run(frame, "total_row_mismatch", wrong)
    assert problem.severity == "error" and problem.row_number == 9
    assert problem.message_vi == ("Dòng 9 (Tổng cộng): số đã chi trả qua tài khoản, Bảo trợ xã "
                                  "hội ghi 600 nhưng cộng các dòng được 611.")


def test_subtotal_rows_are_checked_against_their_own_block():
    frame = figures({"row_number": 10}, {"row_number": 11, "unit_code": BINH_TRI},
                    {"row_number": 13, "unit_code": BINH_AN})
    ctx = Context(today=TODAY, totals=totals((12, "Cộng", "btxh", "total", 1200),
                                              (14, "Cộng", "btxh", "total", 600),
                                              (15, "Tổng cộng", "btxh", "total", 1800)))
    assert run(frame, "total_row_mismatch", ctx) == []


def test_a_total_over_all_groups_sums_the_groups():
    frame = figures({"grp": "ncc", "total": 100}, {"grp": "btxh", "total": 300})
    ctx = Context(today=TODAY, totals=totals((9, "Toàn quốc", "all", "total", 400)))
    assert run(frame, "total_row_mismatch", ctx) == []


def test_quota_total_row_is_checked_per_quarter():
    quotas = pd.DataFrame([
        {"unit_code": "461", "grp": "ncc", "year": 2024, "quarter": 1, "count": 96,
         "row_number": 10, "level": 2},
        {"unit_code": "462", "grp": "ncc", "year": 2024, "quarter": 1, "count": 58,
         "row_number": 11, "level": 2},
    ])
    ctx = Context(today=TODAY, totals=totals((19, "Tổng cộng", "ncc", "q1", 154),
                                              (19, "Tổng cộng", "ncc", "year_total", 154)))
    assert run(quotas, "total_row_mismatch", ctx, kind="quota") == []
    ctx = Context(today=TODAY, totals=totals((19, "Tổng cộng", "ncc", "q1", 530)))
    [problem] = run(quotas, "total_row_mismatch", ctx, kind="quota")
    assert "chỉ tiêu quý 1, Người có công ghi 530 nhưng cộng các dòng được 154" in \
        problem.message_vi


def test_a_date_in_the_future_is_one_error_for_the_file():
    frame = figures({"report_date": dt.date(2024, 2, 5)},
                    {"report_date": dt.date(2024, 2, 5), "grp": "ncc"})
    [problem] = run(frame, "future_date")
    assert problem.row_number is None and problem.severity == "error"
    assert "Ngày báo cáo 05/02/2024 ở tương lai (hôm nay là 01/02/2024)" in problem.message_vi


def test_cumulative_counts_falling_since_the_previous_report_are_warnings():
    previous = pd.DataFrame([{"unit_code": CHAU_O, "grp": "btxh",
                              "report_date": dt.date(2024, 1, 24), "total": 610,
                              "accounts": None, "cashless": 250}])
    frame = figures({})
    [problem] = run(frame, "cumulative_decrease", Context(today=TODAY, previous=previous))
    assert problem.severity == "warning"
    assert problem.message_vi == ("Dòng 10 (Thị trấn Châu Ổ, Bảo trợ xã hội): số đã chi trả "
                                  "qua tài khoản giảm từ 250 (báo cáo ngày 24/01/2024) xuống "
                                  "234; hãy kiểm tra lại.")


def test_cumulative_check_works_on_a_stored_series_too():
    series = figures({"report_date": dt.date(2024, 1, 24), "cashless": 240},
                     {"report_date": DAY, "cashless": 234},
                     {"report_date": dt.date(2024, 1, 26), "cashless": 236})
    series = series.drop(columns=["row_number", "unit_name"])
    [problem] = run(series, "cumulative_decrease")
    assert problem.row_number is None
    assert problem.message_vi.startswith("Thị trấn Châu Ổ, Bảo trợ xã hội, ngày 25/01/2024: "
                                         "số đã chi trả qua tài khoản giảm từ 240")


def test_rules_are_declared_with_their_kinds_and_a_vietnamese_description():
    names = [r.name for r in validation.RULES]
    assert len(names) == len(set(names))
    assert all(r.description and r.kinds for r in validation.RULES)
    quota_rules = {r.name for r in validation.RULES if "quota" in r.kinds}
    assert quota_rules == {"unit_not_recognised", "unit_twice", "negative_counts",
                           "total_row_mismatch"}
