"""Every page URL, opened directly on a freshly started server, asks for a sign-in first.

The server must be fresh: that is when Streamlit used to serve the scripts in pages/ by their
file names (/quan_tri) without running dashboard.py. Now the server answers a signed-out
request for any page URL with its own sign-in page (ui.auth_http), keeps the URL and its
query parameters, and sends no figure: the legacy names, the navigation URLs, the home
page's own name and URLs with filters are all tried, twice.
"""

from __future__ import annotations

import re

import pytest

from core.access import auth
from tests.e2e.conftest import LOGIN_FORM, screenshot, start_server, stop_server, wait_for_app
from ui.registry import PAGES

pytestmark = pytest.mark.browser

PASSWORD = "Mật khẩu trình duyệt 2024"
FIGURES = ("Xếp hạng toàn quốc", "125.000", "/63", "Đối tượng đang hưởng")


@pytest.fixture(scope="module")
def fresh_server(databases):
    engine = databases.new_engine(demo=True)
    with engine.begin() as conn:
        auth.create_user(conn, "quantri_e2e", PASSWORD, "admin", None)
        auth.create_user(conn, "lanhdao_e2e", PASSWORD, "leader", "49")
    server = start_server(engine.url.render_as_string(hide_password=False))
    yield server
    stop_server(server)


def _assert_login_only(page, what: str) -> None:
    page.wait_for_selector(LOGIN_FORM, timeout=30_000)
    assert page.get_by_label("Tên đăng nhập", exact=True).count() == 1, what
    assert page.get_by_label("Mật khẩu", exact=True).count() == 1, what
    text = page.inner_text("body")
    for figure in FIGURES:
        assert figure not in text, f"{what}: «{figure}» shown before sign-in"
    assert "Traceback" not in text and "Page not found" not in text, what
    assert page.locator("[data-testid='stMetric']").count() == 0, what
    assert page.locator("[data-testid='stDataFrame']").count() == 0, what


def _urls(kind: str) -> list[str]:
    return [spec.key if kind == "legacy" else spec.url_path for spec in PAGES if spec.exists()]


def test_every_page_url_shows_the_login_form_and_no_figures(fresh_server, page):
    assert {"quan_tri", "nhat_ky", "tong_quan"} <= set(_urls("legacy"))
    for step, kind in (("1", "legacy"), ("2", "navigation"), ("3", "legacy")):
        for path in _urls(kind):
            page.goto(f"{fresh_server.url}/{path}?unit=45&date=2024-01-25")
            _assert_login_only(page, f"/{path} ({kind})")
            expected = "" if path in ("tong_quan", "tong-quan") else path.replace("_", "-")
            assert page.url == f"{fresh_server.url}/{expected}?unit=45&date=2024-01-25", \
                page.url  # the page asked for, at its navigation URL, filters kept
            next_field = page.locator("input[name='next']").get_attribute("value")
            assert next_field == f"/{expected}?unit=45&date=2024-01-25"
            if path in ("quan_tri", "quan-tri"):
                screenshot(page, f"auth_login_{step}_{kind}_{path}")
    page.goto(fresh_server.url)
    _assert_login_only(page, "/")


def _sign_in(page, server, username: str) -> str:
    page.goto(server.url)
    page.get_by_role("button", name="Đăng nhập").wait_for(timeout=30_000)
    page.get_by_label("Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Xếp hạng toàn quốc").wait_for(timeout=30_000)
    wait_for_app(page)
    return page.inner_text("body")


def test_wrong_password_is_refused_in_the_browser(fresh_server, page):
    page.goto(fresh_server.url)
    page.get_by_role("button", name="Đăng nhập").wait_for(timeout=30_000)
    page.get_by_label("Tên đăng nhập", exact=True).fill("quantri_e2e")
    page.get_by_label("Mật khẩu", exact=True).fill("sai mật khẩu")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text(re.compile("Tên đăng nhập hoặc mật khẩu không đúng")).wait_for(
        timeout=30_000)
    _assert_login_only(page, "after a wrong password")
    screenshot(page, "auth_wrong_password")


def test_signing_in_through_the_form_opens_the_home_page(fresh_server, page):
    text = _sign_in(page, fresh_server, "quantri_e2e")
    assert "/63" in text
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "quantri_e2e" in sidebar and "Quản trị viên" in sidebar
    assert "Quản trị" in sidebar and "Nhật ký" in sidebar  # the admin's navigation
    screenshot(page, "auth_home_after_login")
    page.get_by_role("button", name="Đăng xuất", exact=True).click()
    page.get_by_text("Bạn đã đăng xuất.").wait_for(timeout=30_000)
    _assert_login_only(page, "after logout")


def test_a_leader_sees_no_admin_pages_in_the_navigation(fresh_server, page):
    _sign_in(page, fresh_server, "lanhdao_e2e")
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Tổng quan" in nav
    assert "Quản trị" not in nav and "Nhật ký" not in nav
    screenshot(page, "auth_leader_navigation")
