"""«Tiến độ báo cáo» and «Chất lượng dữ liệu» in a real browser on a `streamlit run` server
with the demo data, photographed to tests/_artifacts/screenshots/quality_*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.test_pages_browser import (  # noqa: F401  (signed_up is a fixture)
    assert_clean,
    full_screenshot,
    login,
    signed_up,
)

pytestmark = pytest.mark.browser


def open_view(page, server, path: str, wait_for: str) -> str:
    """Open a shareable URL, signing in if asked; charts in a hidden tab stay undrawn, so
    wait for the text and the visible charts only."""
    page.goto(f"{server.url}/{path}")
    login(page, server)
    try:
        page.get_by_text(wait_for).first.wait_for(timeout=60_000)
    except Exception:
        screenshot(page, "quality_failed_" + path.split("?")[0])
        raise AssertionError(page.inner_text("body")[:1500]) from None
    wait_for_app(page)
    page.wait_for_timeout(1000)  # plotly draws after the script finishes
    return page.inner_text("body")


def test_timeliness_of_quang_tri(server, page, signed_up):  # noqa: F811
    open_view(page, server, "tien-do-bao-cao?unit=45&date=2024-01-25&period=30",
              "Đơn vị chưa báo cáo")
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    page.get_by_text("Kính gửi").first.wait_for(timeout=30_000)
    text = page.inner_text("body")
    assert "Tiến độ báo cáo · Tỉnh Quảng Trị" in text
    assert "Báo cáo ngày 25/01/2024" in text
    assert "xã 07:30, huyện 09:00, tỉnh 10:00" in text
    assert "Hạn kế tiếp" in text and "còn" in text
    assert "Huyện Cồn Cỏ" in text  # never reports in the demo
    assert "Kính gửi" in text and "đúng, đủ, sạch, sống" in text
    assert "Lịch sử đúng hạn: 31/12/2023 – 25/01/2024" in text  # from the first report
    assert page.locator(".js-plotly-plot").count() == 1
    assert "Đúng hạn" in page.locator(".js-plotly-plot").inner_text()
    assert_clean(text)
    full_screenshot(page, "quality_tien_do_bao_cao")
    # One unit's calendar, day by day.
    page.get_by_label("Lịch của một đơn vị").click()
    page.keyboard.type("Hải Lăng")
    page.get_by_role("option", name="Huyện Hải Lăng").click()
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert "Tuần bắt đầu (thứ Hai) · Huyện Hải Lăng" in page.locator(
        ".js-plotly-plot").nth(1).inner_text()
    full_screenshot(page, "quality_tien_do_lich")


def test_data_quality_of_quang_tri_shows_the_reconciliation(server, page, signed_up):  # noqa: F811
    text = open_view(page, server, "chat-luong?unit=45&date=2024-03-31&period=30",
                     "Chưa giải trình")
    assert "Chất lượng dữ liệu · Tỉnh Quảng Trị" in text
    assert "Báo cáo từ 02/03/2024 đến 31/03/2024" in text
    expect(page.locator("[data-testid='stDataFrame']")).not_to_have_count(0)  # drawn last
    assert_clean(text)
    full_screenshot(page, "quality_chat_luong")


def test_identity_funnel_of_binh_son(server, page, signed_up):  # noqa: F811
    open_view(page, server, "chat-luong?unit=524&date=2024-01-25&period=30&group=btxh",
              "Kiểm tra số liệu")
    page.get_by_role("tab", name="Xác thực danh tính").click()
    page.get_by_text("Phễu xác thực và chi trả").first.wait_for(timeout=30_000)
    chart = page.locator(".js-plotly-plot").first  # plotly draws after the script finishes
    expect(chart).to_contain_text("10.778", timeout=30_000)
    text = page.inner_text("body")
    assert "10.778" in text and "1.232" in text and "223" in text
    funnel = chart.inner_text()
    assert "10.778" in funnel and "Đã xác thực" in funnel
    assert_clean(text)
    full_screenshot(page, "quality_xac_thuc")


def test_a_finding_is_explained_from_the_page(server, page, signed_up):  # noqa: F811
    """Select a finding (Bình Sơn's batch payment in Bình Châu), write the explanation, see it
    kept. Bình Sơn only: the AppTests count Quảng Trị's open findings on the same database."""
    open_view(page, server, "chat-luong?unit=524&date=2024-04-20&period=7", "Chưa giải trình")
    grid = page.locator("[data-testid='stDataFrame']:visible").first  # the findings
    grid.locator("td").first.wait_for(state="attached", timeout=30_000)  # its rows are drawn
    field = page.get_by_label("Nội dung giải trình")
    for _attempt in range(3):  # a click landing while the grid still lays out can be lost
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)  # the first row's selection box
        try:
            field.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            wait_for_app(page)  # the app is idle: the click did not select the row
            if field.count():
                break
    field.wait_for(timeout=30_000)
    field.fill("Bưu điện chi trả đợt tháng 4 cho 120 đối tượng trong một ngày.")
    full_screenshot(page, "quality_giai_trinh")
    page.get_by_role("button", name="Đánh dấu đã giải trình").click()
    # The table is a canvas; its accessible cells carry the text.
    page.locator("td", has_text="Đã giải trình: Bưu điện chi trả đợt tháng 4").first.wait_for(
        state="attached", timeout=30_000)
    assert_clean(page.inner_text("body"))
