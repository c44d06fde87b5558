"""The home page in a real browser on a freshly started server."""

import pytest

from core.access import auth
from core.errors import UserError
from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

USERNAME = "trinhduyet_trangchu"
PASSWORD = "Mật khẩu trang chủ 2024"


@pytest.fixture
def account(demo_engine) -> str:
    """A real user in the demo database the server reads (the pages ask for a sign-in)."""
    try:
        with demo_engine.begin() as conn:
            auth.create_user(conn, USERNAME, PASSWORD, "admin", None)
    except UserError:
        pass  # already there: the demo database is shared by the session
    return USERNAME


def test_home_page_renders_vietnamese_figures(server, page, account):
    page.goto(server.url)
    page.get_by_role("button", name="Đăng nhập").wait_for(timeout=30_000)
    page.get_by_label("Tên đăng nhập", exact=True).fill(account)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    wait_for_app(page)
    page.get_by_text("Xếp hạng toàn quốc").wait_for(timeout=30_000)
    text = page.inner_text("body")
    assert "Dữ liệu mẫu" in text
    assert "/63" in text
    assert "Traceback" not in text
    screenshot(page, "home")
