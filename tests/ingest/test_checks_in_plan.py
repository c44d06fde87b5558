"""Each check of a file's figures exists once, as a rule of core.ingest.checks, and reaches the
person through the import plan with its rule's code: counts above the total, a stated rate
that disagrees with the counts (allowed its rounding), a total row that is not the sum."""

from __future__ import annotations

import datetime as dt

import pytest

from core.ingest.plan import ImportPlan, plan_import
from tests.workbooks import SheetSpec, xlsx

pytestmark = pytest.mark.postgres

TITLE = ["UBND HUYỆN BÌNH SƠN"], ["BÁO CÁO TIẾN ĐỘ ĐẾN NGÀY 25/01/2024"]


def plan_rows(engine, *rows, header=None) -> ImportPlan:
    header = header or ["TT", "Xã, thị trấn", "Tổng số đối tượng", "Số đã có TK",
                        "Số chi qua TK", "Tỷ lệ (%)"]
    data = xlsx(SheetSpec("Báo cáo", [*TITLE, header, *[list(r) for r in rows]]))
    with engine.connect() as conn:
        return plan_import(conn, data, "bc.xlsx", today=dt.date(2024, 12, 31))


def found(plan: ImportPlan) -> list[tuple[str | None, str, str]]:
    return [(p.rule, p.severity, p.message_vi) for p in plan.problems]


def test_a_stated_rate_is_only_checked_and_allowed_its_rounding(empty_engine):
    plan = plan_rows(empty_engine, [1, "Bình Trị", 16975, None, 5385, "32%"],
                     [2, "Bình Thanh", 12105, None, 1049, "8,67%"],
                     [3, "Bình Long", 12105, None, 1049, "8,8%"])
    rates = [p for p in plan.problems if p.rule == "stated_rate"]
    assert len(rates) == 1 and rates[0].row_number == 6
    assert "8,8" in rates[0].message_vi and "8,67" in rates[0].message_vi


def test_counts_above_the_total_are_errors_naming_the_group(empty_engine):
    plan = plan_rows(empty_engine, [1, "Bình Trị", 100, 120, 130, None])
    above = [p for p in plan.problems if p.rule == "above_total"]
    assert above and all(p.severity == "error" for p in above)
    assert not plan.can_apply
    grouped = plan_rows(empty_engine, [None, None, "Tổng số", "Số chi qua TK"],
                        [1, "Bình Trị", 10, 11],
                        header=["TT", "Xã, thị trấn", "Bảo trợ xã hội", None])
    assert any(p.rule == "above_total" and "Bảo trợ xã hội" in p.message_vi
               for p in grouped.problems)


def test_a_total_row_that_is_not_the_sum_is_flagged_once(empty_engine):
    plan = plan_rows(empty_engine, [1, "Bình Trị", 100, 50, 10, None],
                     [2, "Bình Thanh", 200, 60, 20, None],
                     [None, "Tổng cộng", 300, 110, 31, None])
    mismatches = [p for p in plan.problems if p.rule == "total_row_mismatch"]
    assert len(mismatches) == 1
    assert "ghi 31 nhưng cộng các dòng được 30" in mismatches[0].message_vi
