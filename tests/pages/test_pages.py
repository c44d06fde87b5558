"""Each leadership page on the demo data, run by AppTest as a signed-in user, showing the
figures of the source documents as a reader sees them (1.049, 8,67%, 58/63)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import formatting as fmt
from core.access import auth, settings
from core.access.permissions import Account
from core.analytics import metrics, quotas
from core.errors import UserError
from tests import apptest
from tests.apptest import cards, shown, texts

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mật khẩu kiểm thử"
ADMIN = Account("admin_test", "admin", None)
STAFF = Account("staff_binhson", "staff", "524")
PAGES = ("tong_quan", "xep_hang", "chi_tieu", "xa_cham", "xu_huong")


@pytest.fixture(scope="module")
def url(demo_url, demo_engine, monkeypatch_module) -> str:
    """The shared demo database with the test accounts (created once, kept if present)."""
    with demo_engine.begin() as conn:
        for account in (ADMIN, STAFF):
            # Already there when another module made it: the demo database is shared.
            with contextlib.suppress(UserError):
                auth.create_user(conn, account.username, PASSWORD, account.role,
                                 account.unit_code)
    monkeypatch_module.setenv("ASXH_DATABASE_URL", demo_url)
    return demo_url


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp










def open_page(page: str, account: Account = ADMIN, **query: str):
    return apptest.open_page(page, account, **query)


def unit_options(at: AppTest) -> dict[str, list[str]]:
    labels = ("Tỉnh/thành phố", "Huyện/thị xã/thành phố", "Xã/phường/thị trấn")
    return {s.label: list(s.options) for s in at.selectbox if s.label in labels}


# --------------------------------------------------------------------------------- overview

def test_overview_quang_nam_58_of_63_on_23_january(url):
    at = open_page("tong_quan", date="2024-01-23", days="5")
    shown_cards = cards(at)
    assert at.title[0].value == "Tổng quan · Tỉnh Quảng Nam"
    assert shown_cards["Xếp hạng toàn quốc"] == "58/63"
    assert shown_cards["Tỷ lệ"] == "4,8%"
    assert shown_cards["Đối tượng đang hưởng"] == "125.000"
    assert at.info[0].value.startswith(
        "Toàn tỉnh đạt 4,8%, xếp thứ 58/63, tăng 30 tài khoản trong 5 ngày.")
    assert "5 ngày qua: +30" in texts(at)  # under "Đã có tài khoản"
    assert "Số liệu tính đến ngày **23/01/2024**" in texts(at)
    assert "Dữ liệu mẫu" in texts(at)
    assert "Chưa có chỉ tiêu năm 2024" not in texts(at)  # the demo's Quảng Nam has quotas


def test_overview_of_binh_son_btxh_and_its_communes(url):
    at = open_page("tong_quan", unit="524", date="2024-01-25", group="btxh")
    shown_cards = cards(at)
    assert (shown_cards["Chi trả qua tài khoản"], shown_cards["Đối tượng đang hưởng"],
            shown_cards["Tỷ lệ"]) == ("1.049", "12.105", "8,67%")
    assert "Xếp hạng trong tỉnh" not in shown_cards  # 1/1: no headline
    rates = {r["name"]: r["rate_pct"] for r in shown(at.dataframe[0])}
    assert len(rates) == 22
    assert (rates["Xã Bình Trị"], rates["Thị trấn Châu Ổ"], rates["Xã Bình Thanh"],
            rates["Xã Bình Long"], rates["Xã Bình Trung"]) == (
        "60,22%", "39%", "24,36%", "1,15%", "0,77%")


def test_overview_explains_what_to_upload_without_data(url):
    at = open_page("tong_quan", unit="080")  # TP Lào Cai: its province reports alone
    assert "Chưa có số liệu cho Thành phố Lào Cai" in texts(at)
    assert "Tải lên báo cáo" in texts(at)


# --------------------------------------------------------------------------------- rankings

def test_national_ranking_highlights_quang_nam(url):
    at = open_page("xep_hang", date="2024-01-23")
    shown_cards = cards(at)
    assert shown_cards["Xếp hạng của Tỉnh Quảng Nam"] == "58/63"
    assert shown_cards["Tỷ lệ của Tỉnh Quảng Nam"] == "4,8%"
    assert "Tỷ lệ chung cả nước" in shown_cards
    assert "để vượt Tỉnh Hưng Yên" in texts(at)
    rows = shown(at.dataframe[0])
    assert len(rows) == 63
    quang_nam = next(r for r in rows if r["name"] == "Tỉnh Quảng Nam")
    assert (quang_nam["rank"], quang_nam["rate_pct"], quang_nam["total"]) == (
        "58", "4,8%", "125.000")
    assert quang_nam["light"] == "Thấp"  # below 5%: red by the default thresholds
    assert at.query_params["level"] == ["province"] or at.query_params["level"] == "province"


def test_ranking_of_communes_of_binh_son(url):
    at = open_page("xep_hang", level="commune", unit="524", date="2024-01-25", group="btxh")
    assert at.title[0].value == "Xếp hạng các xã · Huyện Bình Sơn"
    rows = shown(at.dataframe[0])
    assert len(rows) == 22
    assert (rows[0]["name"], rows[0]["rate_pct"], rows[0]["rank"]) == (
        "Xã Bình Trị", "60,22%", "1")


def test_ranking_of_quang_tri_districts_with_thresholds_from_the_url(url):
    at = open_page("xep_hang", level="district", unit="45", date="2024-06-30", red="1",
                   green="2")
    rows = shown(at.dataframe[0])
    assert len(rows) == 9
    assert {r["light"] for r in rows} <= {"Khá", "Trung bình", "Thấp"}
    assert "đỏ dưới 1%" in texts(at)


# ----------------------------------------------------------------------------------- quotas

def test_quang_tri_q1_quotas_by_group(url):
    at = open_page("chi_tieu", unit="45", date="2024-01-25", group="ncc")
    shown_cards = cards(at)
    assert shown_cards["Chỉ tiêu cộng dồn đến hết quý 1"] == "530"
    assert shown_cards["Chỉ tiêu năm 2024"] == "5.385"
    assert len(shown(at.dataframe[0])) == 9
    at = open_page("chi_tieu", unit="45", date="2024-01-25", group="btxh")
    shown_cards = cards(at)
    assert shown_cards["Chỉ tiêu cộng dồn đến hết quý 1"] == "1.297"
    assert shown_cards["Chỉ tiêu năm 2024"] == "13.519"
    rows = {r["name"]: r for r in shown(at.dataframe[0])}
    assert rows["Thành phố Đông Hà"]["quota_to_date"] == "163"
    assert rows["Thành phố Đông Hà"]["quota_year"] == "1.630"
    assert "người/ngày" in texts(at)


def test_quota_page_without_quotas_points_to_units_that_have_them(url):
    at = open_page("chi_tieu", unit="10")  # Lào Cai: no Phụ lục 01 uploaded
    assert "Chưa có chỉ tiêu năm 2024" in texts(at)
    assert "Phụ lục 01" in texts(at)
    at.button(key="quota_45").click().run()
    assert not at.exception
    assert at.title[0].value == "Chỉ tiêu năm 2024 · Tỉnh Quảng Trị"
    assert at.query_params["unit"] in ("45", ["45"])


# ---------------------------------------------------------------------------------- lagging

def test_binh_son_lagging_communes_on_25_january(url):
    at = open_page("xa_cham", unit="524", date="2024-01-25")
    shown_cards = cards(at)
    assert (shown_cards["Số xã chậm tiến độ"], shown_cards["Chưa triển khai"],
            shown_cards["Dưới ngưỡng"]) == ("18", "4", "14")
    rows = shown(at.dataframe[0])
    assert len(rows) == 18
    not_started = {r["name"] for r in rows if r["reason_label"] == "Chưa triển khai"}
    assert not_started == {"Xã Bình Châu", "Xã Bình Mỹ", "Xã Bình Phước", "Xã Bình An"}
    by_name = {r["name"]: r for r in rows}
    assert by_name["Xã Bình Long"]["rate_pct"] == "1,15%"
    assert by_name["Xã Bình Trung"]["rate_pct"] == "0,77%"
    assert "Xã Bình Trị" not in by_name
    assert "dưới 8,67% (tỷ lệ chung của Huyện Bình Sơn)" in texts(at)
    downloads = [d.proto.label for d in at.get("download_button")]
    # xlsx, CSV, the phone image, the meeting deck and PDF (test_export_pages), the chart
    assert downloads == ["Tải Excel (.xlsx)", "Tải CSV", "Ảnh gửi Zalo (.png)",
                         "Báo cáo trình chiếu (.pptx)", "Báo cáo PDF", "Tải ảnh biểu đồ (.png)"]


def test_lagging_threshold_set_by_the_user(url):
    at = open_page("xa_cham", unit="524", date="2024-01-25", threshold="1")
    assert cards(at)["Số xã chậm tiến độ"] == "17"  # Bình Long (1,15%) is no longer below
    assert "dưới 1% (ngưỡng do người xem đặt)" in texts(at)


def test_the_administrators_settings_are_the_pages_defaults(url, databases, monkeypatch):
    engine = databases.new_engine(demo=True)  # its own database: settings are global
    with engine.begin() as conn:
        auth.create_user(conn, ADMIN.username, PASSWORD, "admin", None)
        settings.save(conn, ADMIN, {"lag_threshold_pct": 1.0, "ranking_red_below_pct": 3.0,
                                    "ranking_yellow_below_pct": 20.0})
    monkeypatch.setenv("ASXH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    lagging = open_page("xa_cham", unit="524", date="2024-01-25")
    assert cards(lagging)["Số xã chậm tiến độ"] == "17"
    assert "dưới 1% (ngưỡng cài đặt chung)" in texts(lagging)
    ranking = open_page("xep_hang")
    assert (ranking.number_input(key="red").value, ranking.number_input(key="green").value) == (
        3, 20)


def _meeting_rows(at) -> list[str]:
    (table,) = [h.proto.body for h in at.get("html") if "asxh-meeting" in h.proto.body]
    return re.findall(r'<tr data-row="(\d+)"', table)


def test_meeting_mode_shows_the_list_a_page_at_a_time(url):
    at = open_page("xa_cham", unit="524", date="2024-01-25", meeting="true")
    assert len(at.dataframe) == 0 and len(at.metric) == 0  # the list first, no cards
    assert any("stSidebar" in m.value and "display: none" in m.value for m in at.markdown)
    assert _meeting_rows(at) == [str(i) for i in range(1, 11)]
    assert "**Trang 1/2** · Dòng 1–10 trong 18" in texts(at)
    assert at.button(key="page_previous").disabled
    at.button(key="page_next").click().run()
    assert _meeting_rows(at) == [str(i) for i in range(11, 19)]
    assert "**Trang 2/2** · Dòng 11–18 trong 18" in texts(at)
    assert at.query_params["trang"] in ("2", ["2"])  # F5 keeps the page
    assert at.button(key="page_next").disabled


def test_meeting_mode_escapes_names_and_colours_by_light(url):
    at = open_page("xa_cham", unit="524", date="2024-01-25", meeting="true", trang="9")
    assert "**Trang 2/2**" in texts(at)  # a page past the end shows the last one
    (table,) = [h.proto.body for h in at.get("html") if "asxh-meeting" in h.proto.body]
    assert "<script" not in table
    assert 'data-light="red"' in table and "--fill: #ffcdd2" in table


def test_lagging_page_without_commune_reports(url):
    at = open_page("xa_cham", unit="10")  # Lào Cai reports only as a province
    assert "Chưa có số liệu cấp xã của Tỉnh Lào Cai" in texts(at)
    assert {b.key for b in at.button} >= {"lag_45", "lag_49", "lag_524"}  # one per province
    at.button(key="lag_524").click().run()
    assert not at.exception
    assert at.title[0].value == "Xã chậm tiến độ · Huyện Bình Sơn"


# ----------------------------------------------------------------------------------- trends

def test_trends_of_quang_tri_with_target_and_comparison(url):
    at = open_page("xu_huong", unit="45", date="2024-05-25")
    shown_cards = cards(at)
    assert shown_cards["Chỉ tiêu năm 2024"] == "18.904"
    assert shown_cards["Tốc độ gần đây (người/ngày)"] == "52,3"
    assert shown_cards["Ngày dự kiến đạt chỉ tiêu năm"] == "Không kịp"
    assert "Dự báo đến 31/12/2024" in shown_cards
    compare = at.multiselect(key="compare")
    assert len(compare.value) == 8  # districts with figures, as the default comparison
    assert len(shown(at.dataframe[0])) == 8


def test_trends_of_quang_nam_compare_its_best_and_worst_districts(url, demo_engine):
    at = open_page("xu_huong", date="2024-01-23")
    with demo_engine.connect() as conn:
        target = quotas.year_target(conn, "49", 2024)
    assert cards(at)["Chỉ tiêu năm 2024"] == fmt.number(target) and target > 70_000
    compare = at.multiselect(key="compare").value
    with demo_engine.connect() as conn:
        districts = list(metrics.ranking(conn, dt.date(2024, 1, 23), parent="49")["code"])
    assert len(compare) == 8 and len(districts) == 17
    assert compare[0] == districts[0] and compare[-1] == districts[-1]


def test_trends_of_a_province_alone_compare_with_neighbours_the_best_and_the_worst(
        url, demo_engine):
    at = open_page("xu_huong", unit="10", date="2024-01-23")
    compare = at.multiselect(key="compare").value
    with demo_engine.connect() as conn:
        provinces = list(metrics.ranking(conn, dt.date(2024, 1, 23))["code"])
    i = provinces.index("10")
    assert set(compare) == {provinces[0], *provinces[max(0, i - 2):i + 3], provinces[-1]}
    at = open_page("xu_huong", date="2024-01-23", compare="49,48")
    assert {r["name"] for r in shown(at.dataframe[0])} == {"Tỉnh Quảng Nam",
                                                           "Thành phố Đà Nẵng"}


# ---------------------------------------------------------------------------- scope of a user

@pytest.mark.parametrize("page", PAGES)
def test_staff_of_binh_son_is_offered_binh_son_and_below_only(url, page):
    extra = {"level": "commune"} if page == "xep_hang" else {}
    at = open_page(page, account=STAFF, unit="49", date="2024-01-25", **extra)  # 49: ignored
    options = unit_options(at)
    assert "Tỉnh/thành phố" not in options
    assert options["Huyện/thị xã/thành phố"] == ["Huyện Bình Sơn"]
    communes = options.get("Xã/phường/thị trấn")
    if communes is not None:
        assert communes[0] == "(Toàn Huyện Bình Sơn)" and len(communes) == 23
    assert "Quảng Nam" not in at.title[0].value
    if page == "xep_hang":
        assert list(at.radio(key="level").options) == [
            "Tỉnh/thành phố trong cả nước", "Xã trong huyện"]


# ----------------------------------------------------------------------------------- speed

def test_first_render_of_each_page_is_quick(url):
    """Cold caches, each page's first run on the demo data (printed: pytest -s)."""
    timings = {}
    queries = {"tong_quan": {}, "xep_hang": {}, "chi_tieu": {"unit": "45"},
               "xa_cham": {"unit": "524"}, "xu_huong": {"unit": "45"}}
    for page in PAGES:
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.run()
        at.session_state["account"] = ADMIN
        at.session_state["last_activity"] = time.time()
        at.switch_page(f"pages/{page}.py")
        for key, value in queries[page].items():
            at.query_params[key] = value
        start = time.perf_counter()
        at.run()
        timings[page] = time.perf_counter() - start
        assert not at.exception, at.exception
    print("\nfirst render (s): " + ", ".join(f"{p} {t:.2f}" for p, t in timings.items()))


# ---------------------------------------------------------------------- colours and pictures

def test_overview_quota_bar_is_coloured_by_its_status(url):
    at = open_page("tong_quan", unit="45", date="2024-01-25")
    bars = [h.proto.body for h in at.get("html") if "asxh-bar" in h.proto.body]
    assert len(bars) == 2
    assert 'data-light="green"' in bars[0] and "Đúng tiến độ" in bars[0]  # the quarter's quota
    assert 'data-light=""' in bars[1]  # the year's bar has no verdict: neutral


def test_national_ranking_has_the_tile_map_with_the_users_province_outlined(url):
    at = open_page("xep_hang", date="2024-01-23", unit="49")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    (tiles,) = [s for s in specs if len(s["layout"].get("shapes", [])) == 63]
    outlined = [s["name"] for s in tiles["layout"]["shapes"] if s["line"]["width"] > 1]
    assert outlined == ["49"]
    assert "Bản đồ tỷ lệ các tỉnh, thành phố" in [s.value for s in at.subheader]
