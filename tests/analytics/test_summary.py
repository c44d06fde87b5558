"""The overview's Vietnamese sentence, on the demo facts and on hand-made situations."""

import datetime as dt

import pytest

from core.analytics import summary

D = dt.date


def test_quang_nam_on_23_january_reads_like_the_dispatch(demo_engine):
    with demo_engine.connect() as conn:
        s = summary.situation(conn, "49", D(2024, 1, 23), days=5)
    assert (s.rank, s.account_change) == ((58, 63), 30)
    text = summary.sentence(s)
    assert text.startswith("Toàn tỉnh đạt 4,8%, xếp thứ 58/63, tăng 30 tài khoản trong 5 "
                           "ngày.")
    assert "Cần thêm" in text and "để vượt Tỉnh Hưng Yên" in text


def test_binh_son_btxh_names_the_group_and_the_district(demo_engine):
    with demo_engine.connect() as conn:
        s = summary.situation(conn, "524", D(2024, 1, 25), "btxh", days=7)
    text = summary.sentence(s)
    assert s.rank == (1, 1)  # the only district of Quảng Ngãi with figures: no news
    assert text.startswith("Bảo trợ xã hội: toàn huyện đạt 8,67%, tăng ")
    assert "xếp thứ" not in text


def test_quang_tri_with_quotas_says_where_the_pace_leads(demo_engine):
    with demo_engine.connect() as conn:
        s = summary.situation(conn, "45", D(2024, 1, 25))
    assert s.year_target == 5385 + 13519
    assert "chỉ tiêu năm" in summary.sentence(s)


def test_no_figures_no_situation(demo_engine):
    with demo_engine.connect() as conn:
        assert summary.situation(conn, "49", D(2023, 1, 1)) is None


def _situation(**changes) -> summary.Situation:
    base = dict(code="21040", as_of=D(2024, 1, 25), group="all", days=7, rate_pct=39.0,
                rank=(2, 22), rank_change=None, account_change=0, gap=None, year_target=None,
                projection=None)
    return summary.Situation(**(base | changes))


def test_wording_by_unit_kind_and_changes():
    assert summary.whole_unit("48") == "Toàn thành phố"  # Đà Nẵng, a centrally-run city
    assert summary.whole_unit("46") == "Toàn tỉnh"  # Thừa Thiên Huế until 31/12/2024
    assert summary.whole_unit("462") == "Toàn thị xã"
    assert summary.sentence(_situation()) == (
        "Toàn thị trấn đạt 39%, xếp thứ 2/22 trong huyện, không có thêm tài khoản nào trong "
        "7 ngày.")
    assert "giảm 1.234 tài khoản" in summary.sentence(_situation(account_change=-1234))
    assert "Thứ hạng tăng 3 bậc so với 7 ngày trước." in summary.sentence(
        _situation(rank_change=3))
    assert "Thứ hạng giảm 1 bậc" in summary.sentence(_situation(rank_change=-1))
    among_two = summary.sentence(_situation(rank=(1, 2), rank_change=1))
    assert "xếp thứ" not in among_two and "Thứ hạng" not in among_two
    assert not summary.rank_is_news((1, 2)) and summary.rank_is_news((3, 3))
    assert "Cần thêm 1.049 người được chi trả qua tài khoản để vượt Xã Bình Trị." in (
        summary.sentence(_situation(gap=("Xã Bình Trị", 1049))))


@pytest.mark.parametrize(("projection", "expected"), [
    ({"current": 500, "projected_at_horizon": 900, "date_target_met": D(2024, 10, 1)},
     "dự kiến đạt chỉ tiêu năm (1.000 người) vào ngày 01/10/2024."),
    ({"current": 500, "projected_at_horizon": 800, "date_target_met": None},
     "đến 31/12/2024 chỉ đạt khoảng 800/1.000 người, không hoàn thành chỉ tiêu năm."),
    ({"current": 1200, "projected_at_horizon": 1300, "date_target_met": D(2024, 1, 25)},
     "Đã đạt chỉ tiêu năm (1.200/1.000)."),
])
def test_projection_wording(projection, expected):
    text = summary.sentence(_situation(year_target=1000, projection=projection))
    assert text.endswith(expected)
