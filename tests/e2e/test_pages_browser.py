"""The leadership pages in a real browser (Debian chromium) on a `streamlit run` server.

Each page is opened by its shareable URL (filters in the query string), signed in if a
sign-in form stands in front of it, checked for its key figures written the Vietnamese way,
and photographed to tests/_artifacts/screenshots/pages_*.png for a person to look at.
"""

from __future__ import annotations

import contextlib
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from core.access import auth
from core.errors import UserError
from tests.e2e.conftest import screenshot, sign_in_if_asked, wait_for_app

pytestmark = pytest.mark.browser

USERNAME = "trinhduyet_lanhdao"
PASSWORD = "Mật khẩu trình duyệt 2024"
ENGLISH_LEFTOVERS = ("Traceback", "Error", "undefined", "NaN", "None", "nan%")


@pytest.fixture(scope="module")
def signed_up(demo_url, server, browser) -> None:
    """An admin account in the demo database the server reads (kept if already there).

    No warm-up visit: app.py switches the legacy pages/ router off when the server starts,
    so a fresh server knows the navigation URLs (/xa-cham) from its first request."""
    engine = sa.create_engine(demo_url)
    try:
        with engine.begin() as conn, contextlib.suppress(UserError):
            auth.create_user(conn, USERNAME, PASSWORD, "admin", None)
    finally:
        engine.dispose()


def login(page, server) -> None:
    """Sign in when a sign-in form stands in front of the page; otherwise do nothing."""
    sign_in_if_asked(page, USERNAME, PASSWORD)


def open_view(page, server, path: str, wait_for: str) -> str:
    """Open a shareable URL (the overview is the default page, at the root)."""
    page.goto(f"{server.url}/{path}")
    login(page, server)
    try:
        page.get_by_text(wait_for).first.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        screenshot(page, "pages_failed_" + re.sub(r"\W+", "_", path)[:40])
        raise AssertionError(f"«{wait_for}» not shown at /{path}: "
                             + page.inner_text("body")[:1500]) from None
    wait_for_app(page)
    # plotly draws after the script finishes: wait until every chart has drawn
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(c => c.querySelector('.js-plotly-plot .main-svg'))", timeout=30_000)
    page.wait_for_timeout(800)
    return page.inner_text("body")


def full_screenshot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so grow the window first."""
    height = page.evaluate(
        "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": min(int(height) + 60, 6000)})
    page.wait_for_timeout(1200)
    screenshot(page, name)


def assert_clean(text: str) -> None:
    for word in ENGLISH_LEFTOVERS:
        assert not re.search(rf"\b{re.escape(word)}\b", text), word
    # No English-style thousands (1,049) anywhere in the text of the page.
    assert not re.search(r"\b\d{1,3},\d{3}\b", text)


def test_overview_of_quang_nam(server, page, signed_up):
    text = open_view(page, server, "?unit=49&date=2024-01-23&days=5",
                     "Xếp hạng toàn quốc")
    assert "Tổng quan · Tỉnh Quảng Nam" in text
    assert "58/63" in text and "4,8%" in text and "125.000" in text
    assert "Toàn tỉnh đạt 4,8%, xếp thứ 58/63, tăng 30 tài khoản trong 5 ngày." in text
    assert "23/01/2024" in text
    assert_clean(text)
    full_screenshot(page, "pages_tong_quan")


def test_national_ranking(server, page, signed_up):
    text = open_view(page, server, "xep-hang?date=2024-01-23&unit=49", "Tỷ lệ chung cả nước")
    assert "58/63" in text and "Tỉnh Hưng Yên" in text
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(1, timeout=30_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=30_000)  # map and bars
    expect(page.locator(".js-plotly-plot").nth(1)).to_contain_text("58 · Quảng Nam")
    assert_clean(text)
    full_screenshot(page, "pages_xep_hang")


def test_ranking_of_binh_son_communes(server, page, signed_up):
    text = open_view(page, server, "xep-hang?level=commune&unit=524&date=2024-01-25&group=btxh",
                     "Xếp hạng các xã · Huyện Bình Sơn")
    chart = page.locator(".js-plotly-plot")
    expect(chart).to_contain_text("1 · Bình Trị")
    expect(chart).to_contain_text("60,22%")
    assert_clean(text)
    full_screenshot(page, "pages_xep_hang_xa")


def test_quotas_of_quang_tri(server, page, signed_up):
    text = open_view(page, server, "chi-tieu?unit=45&date=2024-01-25&group=btxh",
                     "Chỉ tiêu cộng dồn đến hết quý 1")
    assert "1.297" in text and "13.519" in text
    assert "Kết quả của 9 huyện so với chỉ tiêu" in text
    assert_clean(text)
    full_screenshot(page, "pages_chi_tieu")


def test_lagging_communes_of_binh_son(server, page, signed_up):
    text = open_view(page, server, "xa-cham?unit=524&date=2024-01-25", "Số xã chậm tiến độ")
    assert "dưới 8,67%" in text
    assert page.get_by_role("button", name=re.compile("Tải Excel")).count() == 1
    chart = page.locator(".js-plotly-plot")
    expect(chart).to_contain_text("Bình Long")
    expect(chart).to_contain_text("1,15%")
    assert_clean(text)
    full_screenshot(page, "pages_xa_cham")


def test_lagging_communes_in_meeting_mode(server, page, signed_up):
    text = open_view(page, server, "xa-cham?unit=524&date=2024-01-25&meeting=true",
                     "Xã Bình Châu")
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden()  # hidden by the page
    table = page.locator("table.asxh-meeting")  # ui.meeting: an HTML table, a page at a time
    assert table.count() == 1
    assert "Xã Bình Phước" in table.inner_text() and "0,43%" in table.inner_text()
    size = table.locator("td.name").first.evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 20
    assert_clean(text)
    full_screenshot(page, "pages_xa_cham_trinh_chieu")


def test_trends_of_quang_tri(server, page, signed_up):
    text = open_view(page, server, "xu-huong?unit=45&date=2024-05-25",
                     "Chi trả qua tài khoản, lộ trình chỉ tiêu và dự báo")
    # the page writes its comparison into the URL and runs again, redrawing every chart:
    # wait for the charts and the figure in their annotation to be drawn again
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot').length >= 4"
        " && document.body.innerText.includes('18.904')", timeout=30_000)
    wait_for_app(page)
    text = page.inner_text("body")
    assert "18.904" in text and "người/ngày" in text
    assert page.locator(".js-plotly-plot").count() >= 4
    assert_clean(text)
    full_screenshot(page, "pages_xu_huong")


def test_clicking_a_province_bar_opens_its_districts(server, page, signed_up):
    open_view(page, server, "xep-hang?date=2024-01-25&unit=49", "Tỷ lệ chung cả nước")
    bars = page.locator(".js-plotly-plot .trace.bars .point")
    expect(bars).to_have_count(63, timeout=30_000)  # plotly draws after the script has run
    page.set_viewport_size({"width": 1440, "height": 3000})  # the whole chart, no scrolling
    page.wait_for_timeout(1000)
    box = bars.nth(62).bounding_box()  # the last one: Quảng Trị, 63rd
    # Plotly's drag layer sits on top of the bars: click where a person would, near the
    # bar's base (its width may still change while plotly fits the new window).
    page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)
    page.get_by_text("Xếp hạng các huyện · Tỉnh Quảng Trị").wait_for(timeout=30_000)
    wait_for_app(page)
    page.wait_for_function("() => location.search.includes('level=district')"
                           " && location.search.includes('unit=45')", timeout=10_000)
    full_screenshot(page, "pages_xep_hang_huyen")
