"""The home page in a real browser on a freshly started server."""

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_home_page_renders_vietnamese_figures(server, page):
    page.goto(server.url)
    wait_for_app(page)
    page.get_by_text("Xếp hạng toàn quốc").wait_for(timeout=30_000)
    text = page.inner_text("body")
    assert "Dữ liệu mẫu" in text
    assert "/63" in text
    assert "Traceback" not in text
    screenshot(page, "home")
