"""The import's vocabulary: the wordings offices use for each figure and group, as a table
wording → meaning (core.ingest.vocabulary); the folding every match goes through is tested
in tests/test_text.py."""

from __future__ import annotations

import pytest

from core.ingest.vocabulary import NOT_A_FIGURE, field_of, fields_named, group_of_text, row_group

WORDINGS = [
    # total
    ("Tổng số đối tượng", "total"),
    ("Tổng số đối tượng đang hưởng trợ cấp hàng tháng", "total"),
    ("Số đối tượng đang hưởng", "total"),
    ("TỔNG SỐ ĐT", "total"),
    ("Tổng đối tượng", "total"),
    ("Số người hưởng trợ cấp hàng tháng", "total"),
    ("So DT dang huong", "total"),
    # accounts
    ("Số đã có tài khoản", "accounts"),
    ("Số đối tượng đã mở tài khoản", "accounts"),
    ("Đã có TK", "accounts"),
    ("Số ĐT có tài khoản", "accounts"),
    ("Tài khoản đã có", "accounts"),
    # cashless
    ("Số đã chi trả qua tài khoản", "cashless"),
    ("Số đối tượng chi trả không dùng tiền mặt", "cashless"),
    ("Số ĐT nhận qua TK", "cashless"),
    ("Số ĐT hưởng qua TK ngân hàng", "cashless"),
    ("Số đối tượng được chi trả trợ cấp qua tài khoản", "cashless"),
    ("Lĩnh tiền qua thẻ ATM", "cashless"),
    ("Chuyển khoản", "cashless"),
    ("Số chi KDTM", "cashless"),
    ("Đã chi trả", "cashless"),
    ("Thanh toán qua ví điện tử", "cashless"),
    # rate
    ("Tỷ lệ (%)", "rate"),
    ("TỈ LỆ", "rate"),
    ("Tỷ trọng", "rate"),
    ("%", "rate"),
    # optional figures
    ("Chi qua tài khoản người được ủy quyền", "proxy_paid"),
    ("Chi tiền mặt tại nhà (bất khả kháng)", "cash_at_home"),
    ("Đã xác thực", "id_verified"),
    ("Chờ xác thực", "id_pending"),
    ("Không có CCCD", "id_problem"),
    ("Lệch thông tin", "id_problem"),
    # quotas
    ("Quý I", "q1"), ("Quý 2", "q2"), ("Quý III", "q3"), ("Quý 4", "q4"),
    ("Cả năm", "year_total"),
    # not a figure the dashboard keeps
    ("Số chưa có tài khoản", NOT_A_FIGURE),
    ("Tăng thêm trong ngày", NOT_A_FIGURE),
    ("Chi trả bằng tiền mặt", NOT_A_FIGURE),
    ("Phát sinh trong tuần", NOT_A_FIGURE),
    ("Còn lại", NOT_A_FIGURE),
    # nothing
    ("Ghi chú", None),
    ("Xã, thị trấn", None),
]


@pytest.mark.parametrize(("wording", "meaning"), WORDINGS)
def test_each_wording_means_its_figure(wording, meaning):
    assert field_of(wording) == meaning


def test_a_mixture_of_wordings_lists_every_reading_for_the_data_to_decide():
    assert fields_named("Số đối tượng có tài khoản đã chi trả") == [
        "accounts", "cashless", "total"]


@pytest.mark.parametrize(("text", "group"), [
    ("BẢO TRỢ XÃ HỘI", "btxh"), ("BTXH", "btxh"), ("Trợ cấp xã hội", "btxh"),
    ("Người có công", "ncc"), ("NCC", "ncc"), ("Người có công với cách mạng", "ncc"),
    ("Hộ nghèo, hộ cận nghèo", "ngheo"), ("HN, HCN", "ngheo"), ("Hộ cận nghèo", "ngheo"),
    ("Người có công và bảo trợ xã hội", None), ("Báo cáo tiến độ", None),
])
def test_groups_named_once(text, group):
    assert group_of_text(text) == group


@pytest.mark.parametrize(("cell", "group"), [
    ("Người có công", "ncc"), ("Hộ nghèo, cận nghèo", "ngheo"), ("Đối tượng BTXH", "btxh"),
    ("Tổng cộng", "all"), ("Cộng", "all"), ("Xã Bình Trị", None),
])
def test_the_group_a_row_names(cell, group):
    assert row_group(cell) == group
