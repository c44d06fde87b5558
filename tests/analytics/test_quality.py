"""Data-quality rules on small stored datasets: the importer's hard rules again, cumulative
falls, unusual jumps (modified z-score), district vs communes and province vs districts
(with a deliberate difference), explanations kept and audited; the identity funnel."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core.access import audit
from core.access.permissions import Account, PermissionDenied
from core.analytics import funnel, quality
from core.catalogue.units import child_codes
from core.errors import UserError
from core.storage import rollups, store
from core.storage.db import quality_explanations
from tests.helpers import put_figures

pytestmark = pytest.mark.postgres

D = dt.date
TOWN = "462"  # Thị xã Quảng Trị: 5 communes
COMMUNES = list(child_codes(TOWN))
START = D(2024, 1, 1)
ADMIN = Account("quantri", "admin", None)
TOWN_STAFF = Account("cb_quangtri", "staff", TOWN)
OTHER_STAFF = Account("cb_binhson", "staff", "524")
LEADER = Account("lanhdao", "leader", "45")


def day(n: int) -> str:
    return (START + dt.timedelta(days=n)).isoformat()


def put_frame(engine, rows: list[dict]) -> None:
    """Rows with any figures (identity checks too), as one upload."""
    frame = pd.DataFrame(rows)
    frame["report_date"] = [D.fromisoformat(d) for d in frame["report_date"]]
    with engine.begin() as conn:
        upload = store.create_upload(conn, file_name="t.xlsx", sha256="t", kind="progress",
                                     uploaded_by="tester")
        rollups.after_write(conn, store.write_figures(conn, frame, upload))


def find(engine, unit: str, since: str, until: str, rules: list[str] | None = None):
    with engine.connect() as conn:
        return quality.findings(conn, unit, D.fromisoformat(since), D.fromisoformat(until),
                                rules)


# ------------------------------------------------------------------------- importer's rules

def test_negative_counts_and_counts_above_the_total_are_errors(empty_engine):
    put_figures(empty_engine, [
        (COMMUNES[0], "btxh", day(0), 100, -3, 0),
        (COMMUNES[1], "btxh", day(0), 100, 120, 110),
        (COMMUNES[2], "btxh", day(0), 100, 50, 40),
    ])
    found = find(empty_engine, TOWN, day(0), day(0), ["negative_counts", "above_total"])
    rows = {(r.rule, r.unit_code, r.field): r for r in found.itertuples()}
    assert set(rows) == {("negative_counts", COMMUNES[0], "accounts"),
                         ("above_total", COMMUNES[1], "accounts"),
                         ("above_total", COMMUNES[1], "cashless")}
    negative = rows[("negative_counts", COMMUNES[0], "accounts")]
    assert (negative.observed, negative.severity) == (-3, "error")
    assert negative.reason == "Số đã có tài khoản là số âm (-3)."
    over = rows[("above_total", COMMUNES[1], "cashless")]
    assert (over.observed, over.expected, over.report_date) == (110, 100, D(2024, 1, 1))
    assert over.unit_name == "Phường An Đôn" and over.grp == "btxh"
    assert "lớn hơn tổng số đối tượng (100)" in over.reason


def test_a_cumulative_count_that_falls_is_a_warning_naming_the_previous_report(empty_engine):
    put_figures(empty_engine, [
        (COMMUNES[0], "btxh", day(0), 100, 30, 10),
        (COMMUNES[0], "btxh", day(1), 100, 32, 12),
        (COMMUNES[0], "btxh", day(3), 100, 33, 11),   # cashless falls (day 2 not reported)
    ])
    found = find(empty_engine, TOWN, day(0), day(5), ["cumulative_fall"])
    assert len(found) == 1
    row = found.iloc[0]
    assert (row["field"], row["observed"], row["expected"]) == ("cashless", 11, 12)
    assert (row["report_date"], row["severity"]) == (D(2024, 1, 4), "warning")
    assert row["reason"] == ("Số đã chi trả qua tài khoản giảm từ 12 (báo cáo ngày "
                             "02/01/2024) xuống 11; hãy kiểm tra lại.")
    # Outside the period asked for: not shown.
    assert find(empty_engine, TOWN, day(0), day(2), ["cumulative_fall"]).empty


# ------------------------------------------------------------------------------ unusual jumps

def _steady(code: str, days: int, start: int = 100, steps=(2, 3, 1, 2, 4, 2, 3)) -> list:
    value, rows = start, []
    for n in range(days):
        value += steps[n % len(steps)] if n else 0
        rows.append((code, "btxh", day(n), 1000, value + 5, value))
    return rows


def test_a_jump_far_outside_the_usual_daily_change_is_flagged(empty_engine):
    rows = _steady(COMMUNES[0], 30)
    last = rows[-1][5]
    rows.append((COMMUNES[0], "btxh", day(30), 1000, last + 95, last + 90))   # +90 in a day
    rows.append((COMMUNES[0], "btxh", day(31), 1000, last + 98, last + 93))   # back to usual
    put_figures(empty_engine, rows)
    found = find(empty_engine, TOWN, day(0), day(31), ["unusual_jump"])
    assert set(zip(found["report_date"], found["field"], strict=True)) == {
        (D(2024, 1, 31), "cashless"), (D(2024, 1, 31), "accounts")}
    row = found[found["field"] == "cashless"].iloc[0]
    assert (row["observed"], row["expected"]) == (last + 90, last + 2)  # usual: 2 a day
    assert row["reason"].startswith(f"Số đã chi trả qua tài khoản tăng 90, từ {last} lên "
                                    f"{last + 90}, trong khi mức thay đổi thường ngày khoảng "
                                    "2/ngày (chỉ số z hiệu chỉnh")


def test_small_or_ordinary_changes_and_short_histories_are_not_jumps(empty_engine):
    short = _steady(COMMUNES[1], 8)
    short.append((COMMUNES[1], "btxh", day(8), 1000, 400, 395))  # big, but only 7 changes before
    usual = _steady(COMMUNES[2], 30)
    usual.append((COMMUNES[2], "btxh", day(30), 1000, usual[-1][4] + 15, usual[-1][5] + 15))
    put_figures(empty_engine, short + usual)  # +15: outside the spread but under 20 people
    assert find(empty_engine, TOWN, day(0), day(31), ["unusual_jump"]).empty


def test_flat_histories_zero_mad_and_first_payments(empty_engine):
    started = [(COMMUNES[0], "btxh", day(n), 500, 0, 0) for n in range(20)]
    started.append((COMMUNES[0], "btxh", day(20), 500, 40, 40))     # a start, not a jump
    flat = [(COMMUNES[1], "btxh", day(n), 500, 300, 300) for n in range(20)]
    flat.append((COMMUNES[1], "btxh", day(20), 500, 360, 360))      # +60 on 300: 20% jump
    put_figures(empty_engine, started + flat)
    found = find(empty_engine, TOWN, day(0), day(20), ["unusual_jump"])
    assert set(found["unit_code"]) == {COMMUNES[1]}
    assert "các kỳ trước không thay đổi" in found.iloc[0]["reason"]


def test_modified_z_score_and_its_zero_mad_fallback():
    baseline = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 2.0, 2.0, 2.0, 7.0],
                         [3.0, 3.0, 3.0, 3.0, 3.0]])
    scores = quality.modified_z(np.array([10.0, 12.0, 9.0]), baseline)
    assert scores[0] == pytest.approx(0.6745 * (10 - 3) / 1)            # MAD = 1
    assert scores[1] == pytest.approx((12 - 2) / (1.253314 * 1.0))      # MAD 0, MeanAD 1
    assert np.isnan(scores[2])                                          # nothing varies


def test_row_medians_are_numpys_nanmedian():
    rng = np.random.default_rng(3)
    for width in (1, 2, 5, quality.WINDOW):
        values = rng.normal(size=(500, width)) * 100
        values[rng.random(values.shape) < 0.4] = np.nan
        values[0] = np.nan  # a row without any value: NaN, as numpy gives (with a warning)
        values[1] = 7.0
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(values, axis=1)
        assert np.array_equal(quality.row_nanmedian(values), expected, equal_nan=True)


# ----------------------------------------------------------------------------- reconciliation

def _communes_on(n: int, cashless=(10, 20, 30, 40, 50), grp: str = "btxh") -> list:
    return [(code, grp, day(n), 100, 60, c) for code, c in zip(COMMUNES, cashless,
                                                               strict=True)]


def test_district_differing_from_the_sum_of_its_communes_is_found(empty_engine):
    put_figures(empty_engine, [
        *_communes_on(0), (TOWN, "btxh", day(0), 500, 300, 150),      # equal: 150
        *_communes_on(1, (11, 20, 30, 40, 50)),
        (TOWN, "btxh", day(1), 500, 300, 158),                          # communes: 151
    ])
    found = find(empty_engine, TOWN, day(0), day(1))
    assert list(found["rule"]) == ["district_vs_communes"]
    row = found.iloc[0]
    assert (row["unit_code"], row["report_date"], row["grp"], row["field"]) == (
        TOWN, D(2024, 1, 2), "btxh", "cashless")
    assert (row["observed"], row["expected"], row["severity"]) == (158, 151, "error")
    assert row["reason"] == ("Thị xã Quảng Trị báo cáo số đã chi trả qua tài khoản là 158, "
                             "nhưng cộng 5 xã được 151 (chênh lệch +7). Đề nghị giải trình về "
                             "chênh lệch số liệu.")


def test_communes_count_as_of_the_day_and_incomplete_days_are_skipped(empty_engine):
    put_figures(empty_engine, [
        *_communes_on(0)[:4], (TOWN, "btxh", day(0), 500, 300, 999),   # one commune missing
        *_communes_on(1), (TOWN, "btxh", day(1), 500, 300, 150),
        *_communes_on(2)[:3],                                           # two keep day 1's
        (TOWN, "btxh", day(2), 500, 300, 150),
    ])
    assert find(empty_engine, TOWN, day(0), day(2), ["district_vs_communes"]).empty


def test_a_parent_filing_all_groups_is_held_to_its_childrens_groups(empty_engine):
    rows = [(code, grp, day(0), 100, 50, 10) for code in COMMUNES for grp in ("ncc", "btxh")]
    rows.append((TOWN, "all", day(0), 1000, 500, 90))                  # groups sum to 100
    put_figures(empty_engine, rows)
    found = find(empty_engine, TOWN, day(0), day(0), ["district_vs_communes"])
    assert list(zip(found["grp"], found["field"], found["observed"], found["expected"],
                    strict=True)) == [("all", "cashless", 90, 100)]


def test_province_against_its_districts_own_or_from_their_communes(empty_engine):
    districts = [c for c in child_codes("45") if c not in ("462", "471")]   # 8 districts
    rows = [(d, "ncc", day(0), 1000, 100, 10) for d in districts]
    rows += _communes_on(0, (1, 2, 3, 4, 5), "ncc")                        # 462 from communes
    rows.append(("45", "ncc", day(0), 8500, 1100, 80 + 15 + 12))           # 12 too many
    put_figures(empty_engine, rows)
    found = find(empty_engine, "45", day(0), day(0))
    assert list(found["rule"]) == ["province_vs_districts"]
    row = found.iloc[0]
    assert (row["observed"], row["expected"], row["field"]) == (107, 95, "cashless")
    assert "cộng 9 huyện (không tính 1 đơn vị chưa có số liệu) được 95" in row["reason"]


def test_no_reconciliation_when_most_children_are_not_in_the_system(empty_engine):
    put_figures(empty_engine, [("524", "btxh", day(0), 12105, 1200, 1049),
                               ("51", "btxh", day(0), 40000, 5000, 4000)])
    assert find(empty_engine, "51", day(0), day(0)).empty


def test_identity_figures_are_reconciled_too(empty_engine):
    rows = [{"unit_code": c, "grp": "btxh", "report_date": day(0), "total": 100,
             "cashless": 5, "id_verified": 80, "id_pending": 10, "id_problem": 2}
            for c in COMMUNES]
    rows.append({"unit_code": TOWN, "grp": "btxh", "report_date": day(0), "total": 500,
                 "cashless": 25, "id_verified": 400, "id_pending": 50, "id_problem": 9})
    put_frame(empty_engine, rows)
    found = find(empty_engine, TOWN, day(0), day(0))
    assert list(zip(found["field"], found["observed"], found["expected"], strict=True)) == [
        ("id_problem", 9, 10)]


# ------------------------------------------------------------------------------ explanations

def _a_finding(engine) -> dict:
    put_figures(engine, [*_communes_on(0), (TOWN, "btxh", day(0), 500, 300, 158)])
    return find(engine, TOWN, day(0), day(0)).iloc[0].to_dict()


def test_a_finding_marked_explained_keeps_the_comment_and_is_audited(empty_engine):
    finding = _a_finding(empty_engine)
    assert finding["explained"] is False or not finding["explained"]
    with empty_engine.begin() as conn:
        quality.explain(conn, TOWN_STAFF, finding, "  Phường 1 báo cáo bổ sung 8 người.  ")
    again = find(empty_engine, TOWN, day(0), day(0)).iloc[0]
    assert bool(again["explained"]) is True
    assert (again["comment"], again["explained_by"]) == ("Phường 1 báo cáo bổ sung 8 người.",
                                                          "cb_quangtri")
    assert str(again["explained_at"].tzinfo) == "Asia/Ho_Chi_Minh"
    with empty_engine.begin() as conn:
        quality.explain(conn, ADMIN, finding, "Đã đối chiếu lại: đúng 158.")
    with empty_engine.connect() as conn:
        log = audit.query(conn, action=audit.QUALITY_EXPLAIN)
        stored = conn.execute(sa.select(quality_explanations)).mappings().all()
    assert len(stored) == 1 and stored[0]["comment"] == "Đã đối chiếu lại: đúng 158."
    assert list(log["username"]) == ["quantri", "cb_quangtri"]  # newest first, both kept
    first, second = log.iloc[1], log.iloc[0]
    assert first["target"] == "Thị xã Quảng Trị · 01/01/2024"
    assert first["detail"] == {
        "rule": "Huyện khác tổng các xã", "unit": TOWN, "report_date": "01/01/2024",
        "group": "Bảo trợ xã hội", "field": "Số đã chi trả qua tài khoản", "observed": 158.0,
        "expected": 150.0, "comment": "Phường 1 báo cáo bổ sung 8 người."}
    assert second["detail"]["previous_comment"] == "Phường 1 báo cáo bổ sung 8 người."
    assert "Giải trình: Đã đối chiếu lại" in audit.describe(second["detail"])
    assert audit.ACTION_LABELS[audit.QUALITY_EXPLAIN] == "Giải trình số liệu"
    counts = quality.counts_by_rule(find(empty_engine, TOWN, day(0), day(0)))
    row = counts[counts["rule"] == "district_vs_communes"].iloc[0]
    assert (row["findings"], row["explained"], row["open"]) == (1, 1, 0)


@pytest.mark.parametrize(("account", "comment", "error"), [
    (LEADER, "Lý do", PermissionDenied),          # leaders read only
    (OTHER_STAFF, "Lý do", PermissionDenied),     # outside their unit
    (TOWN_STAFF, "   ", UserError),               # a comment is required
    (TOWN_STAFF, "x" * 2001, UserError),
])
def test_explanations_are_refused_without_rights_or_comment(empty_engine, account, comment,
                                                            error):
    finding = _a_finding(empty_engine)
    with pytest.raises(error), empty_engine.begin() as conn:
        quality.explain(conn, account, finding, comment)
    with empty_engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(quality_explanations)) == 0
        assert audit.query(conn, action=audit.QUALITY_EXPLAIN).empty


# ---------------------------------------------------------------------------------- the demo

def test_the_demo_has_its_deliberate_findings(demo_engine):
    with demo_engine.connect() as conn:
        quang_tri = quality.findings(conn, "45", D(2024, 3, 1), D(2024, 3, 31))
        binh_son = quality.findings(conn, "524", D(2024, 2, 1), D(2024, 4, 30))
    reconciled = quang_tri[quang_tri["rule"] == "district_vs_communes"]
    assert set(reconciled["unit_code"]) == {"470"}
    assert sorted(set(reconciled["report_date"])) == [D(2024, 3, 12), D(2024, 3, 13),
                                                      D(2024, 3, 14)]
    assert set(reconciled["field"]) == {"accounts", "cashless"}
    assert (reconciled["observed"] < reconciled["expected"]).all()
    assert quang_tri[quang_tri["rule"] == "province_vs_districts"].empty
    falls = binh_son[binh_son["rule"] == "cumulative_fall"]
    assert list(zip(falls["unit_name"], falls["report_date"], falls["field"], strict=True)) == [
        ("Huyện Bình Sơn", D(2024, 2, 20), "accounts"),   # the district adds its communes up
        ("Thị trấn Châu Ổ", D(2024, 2, 20), "accounts")]
    jumps = binh_son[(binh_son["rule"] == "unusual_jump") & (binh_son["field"] == "cashless")]
    assert ("Xã Bình Châu", D(2024, 4, 15)) in set(zip(jumps["unit_name"],
                                                       jumps["report_date"], strict=True))


# ------------------------------------------------------------------------------ the funnel

def test_identity_funnel_of_binh_son_on_the_demo(demo_engine):
    with demo_engine.connect() as conn:
        stages = funnel.funnel(conn, "524", D(2024, 1, 25))
        worst = funnel.unresolved(conn, "51", D(2024, 1, 25), limit=5)
        none = funnel.funnel(conn, "45", D(2024, 1, 25))
    counts = dict(zip(stages["stage"], stages["count"], strict=True))
    assert counts == {"to_verify": 10778 + 1232 + 223, "usable": 10778 + 1232,
                      "verified": 10778, "accounts": counts["accounts"], "cashless": 1049}
    assert stages.iloc[2]["pct"] == pytest.approx(10778 / 12233 * 100)
    assert len(worst) == 5 and set(worst["parent"]) == {"Huyện Bình Sơn"}
    assert list(worst["unresolved"]) == sorted(worst["unresolved"], reverse=True)
    assert none.empty


def test_funnel_and_unresolved_on_stored_figures(empty_engine):
    put_frame(empty_engine, [
        {"unit_code": COMMUNES[0], "grp": "btxh", "report_date": day(0), "total": 100,
         "accounts": 30, "cashless": 20, "id_verified": 80, "id_pending": 15, "id_problem": 5},
        {"unit_code": COMMUNES[1], "grp": "btxh", "report_date": day(0), "total": 100,
         "accounts": 10, "cashless": 5, "id_verified": 50, "id_pending": 30, "id_problem": 20},
    ])
    with empty_engine.connect() as conn:
        stages = funnel.funnel(conn, TOWN, D(2024, 1, 1))
        worst = funnel.unresolved(conn, TOWN, D(2024, 1, 1))
    assert list(stages["count"]) == [200, 175, 130, 40, 25]
    assert list(worst["code"]) == [COMMUNES[1], COMMUNES[0]]
    assert list(worst["unresolved"]) == [50, 20]
    assert worst.iloc[0]["unresolved_pct"] == pytest.approx(50.0)
