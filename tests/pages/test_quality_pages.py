"""«Tiến độ báo cáo» and «Chất lượng dữ liệu» run by AppTest as signed-in users: on the demo
data (reports of Quảng Trị and Bình Sơn, the seeded findings, Bình Sơn's identity checks) and
on small databases built here (07:29 on time, 07:31 late, none missing)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.access import auth, settings
from core.access.permissions import Account
from core.analytics import quality
from core.errors import UserError
from tests import apptest
from tests.apptest import cards, shown, texts
from tests.helpers import put_figures

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mật khẩu kiểm thử chất lượng"
ADMIN = Account("cl_quantri", "admin", None)
STAFF = Account("cl_binhson", "staff", "524")
LEADER = Account("cl_lanhdao", "leader", "45")
VN = settings.TIMEZONE


def _accounts(engine) -> None:
    with engine.begin() as conn:
        for account in (ADMIN, STAFF, LEADER):
            with contextlib.suppress(UserError):  # the demo database is shared
                auth.create_user(conn, account.username, PASSWORD, account.role,
                                 account.unit_code)


@pytest.fixture
def demo(demo_url, demo_engine, monkeypatch) -> str:
    _accounts(demo_engine)
    monkeypatch.setenv("ASXH_DATABASE_URL", demo_url)
    return demo_url


@pytest.fixture
def small(empty_engine, monkeypatch):
    """A fresh database: Thị xã Quảng Trị's communes on 25/01/2024, one at 07:29, one at
    07:31, the district at 08:55; a deliberate difference between the town and its communes."""
    _accounts(empty_engine)
    day = "2024-01-25"
    at = lambda h, m: dt.datetime(2024, 1, 25, h, m, tzinfo=VN)  # noqa: E731
    put_figures(empty_engine, [("19357", "btxh", day, 100, 40, 30)], "p1.xlsx", at(7, 29))
    put_figures(empty_engine, [("19358", "btxh", day, 100, 40, 20)], "p2.xlsx", at(7, 31))
    for code in ("19360", "19361"):
        put_figures(empty_engine, [(code, "btxh", day, 100, 40, 10)], f"{code}.xlsx",
                    at(6, 0))
    put_figures(empty_engine, [("462", "btxh", day, 500, 200, 99)], "town.xlsx", at(8, 55))
    monkeypatch.setenv("ASXH_DATABASE_URL", empty_engine.url.render_as_string(
        hide_password=False))
    return empty_engine










def open_page(page: str, account: Account = ADMIN, **query: str):
    return apptest.open_page(page, account, **query)


def table_with(at: AppTest, column: str) -> list[dict[str, str]]:
    for frame in at.dataframe:
        rows = shown(frame)
        if rows and column in rows[0]:
            return rows
    raise AssertionError(f"no table with {column}")


# ------------------------------------------------------------------------------- timeliness

def test_timeliness_counts_and_reminder_on_a_small_database(small):
    at = open_page("tien_do_bao_cao", unit="462", date="2024-01-25")
    assert at.title[0].value == "Tiến độ báo cáo · Thị xã Quảng Trị"
    assert cards(at) == {"Phải báo cáo": "6", "Đúng hạn": "4", "Trễ hạn": "1",
                         "Chưa báo cáo": "1"}
    rows = {r["name"]: r for r in table_with(at, "status_label")}
    assert (rows["Phường 1"]["received_text"], rows["Phường 1"]["status_label"]) == (
        "07:29", "Đúng hạn")
    assert (rows["Phường An Đôn"]["received_text"], rows["Phường An Đôn"]["status_label"],
            rows["Phường An Đôn"]["late_text"]) == ("07:31", "Trễ hạn", "1 phút")
    assert (rows["Xã Hải Lệ"]["status_label"], rows["Xã Hải Lệ"]["received_text"]) == (
        "Chưa báo cáo", "–")
    assert rows["Thị xã Quảng Trị"]["deadline_text"] == "09:00"
    reminder = at.code[0].value
    assert "Cấp xã (hạn 07:30 ngày 25/01/2024):\n1. Xã Hải Lệ (Thị xã Quảng Trị)" in reminder
    assert "Hạn kế tiếp" in texts(at) and "còn" in texts(at)
    assert "Báo cáo ngày **25/01/2024** · Hạn nộp (giờ Việt Nam): xã 07:30, huyện 09:00" \
        in texts(at)


def test_timeliness_follows_the_deadlines_in_the_settings(small):
    with small.begin() as conn:
        settings.save(conn, ADMIN, {"deadline_commune": "07:30", "deadline_district": "08:30",
                                    "report_province": False})
    at = open_page("tien_do_bao_cao", unit="462", date="2024-01-25")
    assert cards(at)["Trễ hạn"] == "2"  # the town's 08:55 is now late
    assert "xã 07:30, huyện 08:30." in texts(at)  # the province no longer reports


def test_timeliness_of_quang_tri_on_the_demo(demo):
    at = open_page("tien_do_bao_cao", unit="45", date="2024-01-25", period="14")
    shown_cards = cards(at)
    assert shown_cards["Phải báo cáo"] == "130"
    assert shown_cards["Chưa báo cáo"] == "1"
    assert int(shown_cards["Đúng hạn"]) + int(shown_cards["Trễ hạn"]) == 129
    assert "Huyện Cồn Cỏ" in at.code[0].value
    assert "Lịch sử đúng hạn: 12/01/2024 – 25/01/2024" in texts(at)
    punctual = table_with(at, "on_time_pct")
    assert punctual[0]["name"] == "Huyện Cồn Cỏ" and punctual[0]["on_time_pct"] == "0%"
    assert at.query_params["period"] in ("14", ["14"])


def test_staff_see_only_their_district(demo):
    at = open_page("tien_do_bao_cao", account=STAFF, date="2024-01-25")
    assert at.title[0].value == "Tiến độ báo cáo · Huyện Bình Sơn"
    assert cards(at)["Phải báo cáo"] == "23"
    assert cards(at)["Chưa báo cáo"] == "0"
    assert "Tất cả các đơn vị đã gửi báo cáo" in texts(at)
    pickers = {s.label: list(s.options) for s in at.selectbox}
    assert pickers["Huyện/thị xã/thành phố"] == ["Huyện Bình Sơn"]  # nothing else
    assert "Tỉnh/thành phố" not in pickers


def test_timeliness_opens_on_the_latest_data_date_and_says_it_is_history(demo):
    at = open_page("tien_do_bao_cao", unit="45")
    assert "Báo cáo ngày **31/12/2024**" in texts(at)
    assert any("Đây là số liệu lịch sử: trang đang hiển thị ngày **31/12/2024** (ngày gần "
               "nhất có số liệu)" in i.value for i in at.info)
    assert not at.exception


# --------------------------------------------------------------------------------- quality

def test_quality_page_finds_the_deliberate_difference(small):
    at = open_page("chat_luong", unit="462", date="2024-01-25", period="7")
    assert at.title[0].value == "Chất lượng dữ liệu · Thị xã Quảng Trị"
    # The town says 500 people, 200 accounts, 99 paid; its four communes in the system add up
    # to 400, 160 and 30 + 20 + 10 + 10 = 70.
    assert (cards(at)["Phát hiện"], cards(at)["Lỗi"], cards(at)["Chưa giải trình"]) == (
        "3", "3", "3")
    rows = {r["figure"]: r for r in table_with(at, "reason")}
    assert rows["Tổng số đối tượng (bảo trợ xã hội)"]["expected"] == "400"
    row = rows["Số đã chi trả qua tài khoản (bảo trợ xã hội)"]
    assert (row["unit_name"], row["report_date"], row["observed"], row["expected"],
            row["figure"], row["severity_label"]) == (
        "Thị xã Quảng Trị", "25/01/2024", "99", "70",
        "Số đã chi trả qua tài khoản (bảo trợ xã hội)", "Lỗi")
    assert "cộng 4 xã (không tính 1 đơn vị chưa có số liệu) được 70" in row["reason"]
    # Xã Hải Lệ reports its 100, 40 and 29: the sums agree.
    put_figures(small, [("19705", "btxh", "2024-01-25", 100, 40, 29)], "haile.xlsx")
    at = open_page("chat_luong", unit="462", date="2024-01-25", period="7")
    assert cards(at)["Phát hiện"] == "0"
    assert "Không có phát hiện nào trong khoảng thời gian này." in texts(at)


def test_quality_of_quang_tri_in_march_on_the_demo(demo):
    at = open_page("chat_luong", unit="45", date="2024-03-31", period="30")
    assert (cards(at)["Phát hiện"], cards(at)["Lỗi"]) == ("6", "6")
    rows = table_with(at, "reason")
    assert {r["unit_name"] for r in rows} == {"Huyện Hải Lăng"}
    assert {r["report_date"] for r in rows} == {"12/03/2024", "13/03/2024", "14/03/2024"}
    first = rows[0]
    assert first["rule_label"] == "Huyện khác tổng các xã"
    assert "Đề nghị giải trình về chênh lệch số liệu." in first["reason"]
    assert first["state"] == "Chưa giải trình"


def test_explained_findings_show_their_comment_and_can_be_hidden(small):
    with small.connect() as conn:
        found = quality.findings(conn, "462", dt.date(2024, 1, 25), dt.date(2024, 1, 25))
    finding = found[found["field"] == "cashless"].iloc[0].to_dict()
    with small.begin() as conn:
        quality.explain(conn, ADMIN, finding, "Xã Hải Lệ chưa nộp; huyện dùng số cũ.")
    at = open_page("chat_luong", unit="462", date="2024-01-25", period="7")
    assert (cards(at)["Phát hiện"], cards(at)["Chưa giải trình"]) == ("3", "2")
    states = {r["figure"]: r["state"] for r in table_with(at, "state")}
    assert states["Số đã chi trả qua tài khoản (bảo trợ xã hội)"] == (
        "Đã giải trình: Xã Hải Lệ chưa nộp; huyện dùng số cũ.")
    at.toggle(key="hide_explained").set_value(True).run()
    assert not at.exception
    assert {r["state"] for r in table_with(at, "state")} == {"Chưa giải trình"}
    assert len(table_with(at, "state")) == 2


def test_identity_funnel_of_binh_son(demo):
    at = open_page("chat_luong", unit="524", date="2024-01-25", group="btxh")
    shown_cards = cards(at)
    assert shown_cards["Đã xác thực"] == "10.778"
    assert shown_cards["Chờ xác thực"] == "1.232"
    assert shown_cards["Không có CCCD, lệch thông tin, không tìm thấy"] == "223"
    assert "88,11% số cần xác thực" in texts(at)
    worst = table_with(at, "unresolved")
    assert len(worst) == 22 and worst[0]["parent"] == "Huyện Bình Sơn"
    assert "Phễu xác thực và chi trả" in texts(at)


def test_identity_tab_without_figures_says_so(demo):
    at = open_page("chat_luong", unit="45", date="2024-01-25")
    assert "chưa có số liệu xác thực danh tính" in texts(at)


def test_each_page_keeps_its_own_period_through_the_navigation(demo):
    """«Tiến độ báo cáo» and «Chất lượng dữ liệu» both write ?period=, over different
    lengths: one's choice neither resets nor replaces the other's in the same session."""
    at = open_page("tien_do_bao_cao", unit="45", date="2024-01-25")
    at.selectbox(key="timeliness_period").set_value("60").run()
    assert at.query_params["period"] in ("60", ["60"])
    at.query_params.clear()  # what the menu's link asks for: the page without a query
    at.switch_page("pages/chat_luong.py").run()
    assert at.selectbox(key="quality_period").value == "30"  # its own default, not 7
    assert at.query_params["period"] in ("30", ["30"])
    at.selectbox(key="quality_period").set_value("7").run()
    at.query_params.clear()
    at.switch_page("pages/tien_do_bao_cao.py").run()
    assert at.selectbox(key="timeliness_period").value == "60"
