"""Staying signed in, in Debian's Chromium against real `streamlit run app.py` servers.

One database for the module (PostgreSQL when ASXH_TEST_POSTGRES_URL is set, else a SQLite
file), one server on it, and a second server process on the same database for the test that
proves sessions are shared. Screenshots: tests/_artifacts/screenshots/sessions_*.png.
"""

from __future__ import annotations

import datetime as dt
import http.server
import re
import threading

import pytest
import sqlalchemy as sa

from core.access import audit, auth, settings
from core.access.permissions import Account
from core.storage.db import sessions, users
from tests.e2e.conftest import (
    LOGIN_FORM,
    screenshot,
    sign_in_if_asked,
    start_server,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser

PASSWORD = "Mật khẩu phiên 2024"
ADMIN = "quantri_phien"
LEADER = "lanhdao_phien"
FIGURES = ("Xếp hạng toàn quốc", "/63", "Đối tượng đang hưởng", "Số xã chậm tiến độ")


@pytest.fixture(scope="module")
def engine(databases):
    engine = databases.new_engine(demo=True)
    with engine.begin() as conn:
        auth.create_user(conn, ADMIN, PASSWORD, "admin", None)
        auth.create_user(conn, LEADER, PASSWORD, "leader", "45")
    return engine


@pytest.fixture(scope="module")
def db_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def server(db_url):
    srv = start_server(db_url)
    yield srv
    stop_server(srv)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="vi-VN")
    yield ctx
    ctx.close()


def settle(page) -> None:
    """Wait for whatever the URL shows: the sign-in form or the app, done running."""
    page.wait_for_selector(f"{LOGIN_FORM}, [data-testid='stMain']", timeout=60_000)
    if page.locator(LOGIN_FORM).count() == 0:
        wait_for_app(page, 60_000)


def signed_in_as(page, username: str) -> bool:
    """The app, not the form, with the user and «Đăng xuất» in the sidebar."""
    settle(page)
    if page.locator(LOGIN_FORM).count():
        return False
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text(username).first.wait_for(timeout=30_000)
    sidebar.get_by_role("button", name="Đăng xuất", exact=True).wait_for(timeout=30_000)
    return True


def assert_signed_out(page, what: str) -> str:
    settle(page)
    assert page.locator(LOGIN_FORM).count() == 1, what
    text = page.inner_text("body")
    for figure in FIGURES:
        assert figure not in text, f"{what}: «{figure}» shown"
    assert "Page not found" not in text and "Traceback" not in text, what
    return text


def sign_in_at(page, url: str, username: str = LEADER) -> None:
    page.goto(url)
    assert sign_in_if_asked(page, username, PASSWORD)


def test_f5_and_a_new_tab_keep_the_sign_in_and_the_page_asked_for(server, context):
    page = context.new_page()
    sign_in_at(page, f"{server.url}/xa-cham?unit=45&date=2024-01-25")
    assert page.url.startswith(f"{server.url}/xa-cham?unit=45&date=2024-01-25")
    page.get_by_text("Xã chậm tiến độ · Tỉnh Quảng Trị").first.wait_for(timeout=60_000)
    assert signed_in_as(page, LEADER)
    assert "25/01/2024" in page.inner_text("body")  # the date filter came through
    screenshot(page, "sessions_landed_on_the_page_asked_for")

    page.reload()
    assert signed_in_as(page, LEADER), "F5 dropped the sign-in"
    page.get_by_text("Xã chậm tiến độ · Tỉnh Quảng Trị").first.wait_for(timeout=60_000)
    screenshot(page, "sessions_after_f5")

    tab = context.new_page()
    tab.goto(f"{server.url}/xep-hang")
    assert signed_in_as(tab, LEADER), "a new tab asked for a sign-in again"
    tab.get_by_text("Xếp hạng").first.wait_for(timeout=60_000)


def test_a_second_server_process_on_the_same_database_keeps_the_sign_in(server, db_url,
                                                                         context):
    page = context.new_page()
    sign_in_at(page, f"{server.url}/tong-quan")
    assert signed_in_as(page, LEADER)
    second = start_server(db_url)
    try:
        other = context.new_page()
        other.goto(f"{second.url}/chi-tieu?unit=45")
        assert signed_in_as(other, LEADER), "the second process did not know the session"
        other.get_by_text("Quảng Trị").first.wait_for(timeout=60_000)
        screenshot(other, "sessions_second_process")
        # Signing out on the second process ends the session on the first one too.
        with other.expect_navigation():
            other.get_by_role("button", name="Đăng xuất", exact=True).click()
        assert_signed_out(other, "after signing out on the second process")
        page.reload()
        assert_signed_out(page, "the first process after signing out on the second")
    finally:
        stop_server(second)


def test_sign_out_holds_after_f5_and_a_copied_cookie_is_refused(server, browser, context):
    page = context.new_page()
    sign_in_at(page, f"{server.url}/tong-quan?unit=45")
    assert signed_in_as(page, LEADER)
    copied = [c for c in context.cookies() if c["name"] == "asxh_session"]
    assert copied and copied[0]["httpOnly"] and copied[0]["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("asxh_session") == -1  # HttpOnly
    screenshot(page, "sessions_before_sign_out")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất", exact=True).click()
    text = assert_signed_out(page, "after sign-out")
    assert "Bạn đã đăng xuất." in text
    assert page.url.startswith(f"{server.url}/?unit=45")  # the sign-in form where one was
    screenshot(page, "sessions_signed_out")
    page.reload()
    assert "Bạn đã đăng xuất." not in assert_signed_out(page, "F5 after sign-out")

    thief = browser.new_context()
    try:
        thief.add_cookies(copied)
        stolen = thief.new_page()
        stolen.goto(f"{server.url}/tong-quan?unit=45")
        assert_signed_out(stolen, "a copied cookie after sign-out")
    finally:
        thief.close()


def test_sign_out_on_every_device(server, browser, context):
    page = context.new_page()
    sign_in_at(page, f"{server.url}/")
    phone = browser.new_context()
    try:
        other = phone.new_page()
        sign_in_at(other, f"{server.url}/xep-hang")
        assert signed_in_as(other, LEADER)
        with page.expect_navigation():
            page.get_by_role("button", name="Đăng xuất trên mọi thiết bị").click()
        assert "mọi thiết bị" in assert_signed_out(page, "after signing out everywhere")
        other.reload()
        assert_signed_out(other, "the other device")
    finally:
        phone.close()


def other_site(html: str) -> http.server.HTTPServer:
    """A web server on another site (localhost, not 127.0.0.1) serving one HTML page; call
    .shutdown() when done."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    site = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    return site


def test_a_link_from_another_site_opens_the_page_signed_in(server, context):
    """SameSite=Strict keeps the cookie off a navigation that starts on another site (a link
    in Zalo Web or an e-mail); the server then reloads the page once from its own origin."""
    page = context.new_page()
    sign_in_at(page, f"{server.url}/xu-huong?unit=45")
    site = other_site(f'<!doctype html><meta charset="utf-8">'
                      f'<a id="go" href="{server.url}/chi-tieu?unit=45">Chỉ tiêu</a>')
    try:
        page.goto(f"http://localhost:{site.server_port}/")
        page.click("#go")
        page.wait_for_url(re.compile(re.escape(f"{server.url}/chi-tieu")), timeout=60_000)
        assert signed_in_as(page, LEADER), "a link from another site asked for a sign-in"
        page.get_by_text("Quảng Trị").first.wait_for(timeout=60_000)
    finally:
        site.shutdown()


def test_a_forged_sign_in_post_from_another_origin_is_refused(server, context, engine):
    form = f"""<!doctype html><meta charset="utf-8"><body>
<form id="f" method="post" action="{server.url}/auth/login">
<input name="username" value="{LEADER}"><input name="password" value="{PASSWORD}">
<input name="csrf_token" value="{'a' * 43}"><input name="next" value="/">
<button id="go" type="submit">Gửi</button></form></body>"""

    evil = other_site(form)
    try:
        page = context.new_page()
        page.goto(f"http://localhost:{evil.server_port}/")  # another site altogether
        with page.expect_navigation():
            page.click("#go")
        text = page.inner_text("body")
        assert "Yêu cầu bị từ chối" in text and "giả mạo" in text
        screenshot(page, "sessions_forged_post_refused")
        assert not [c for c in context.cookies() if c["name"] == "asxh_session"]
        page.goto(f"{server.url}/")
        assert_signed_out(page, "after the forged post")
    finally:
        evil.shutdown()
    with engine.connect() as conn:
        refused = audit.query(conn, action=audit.LOGIN, ok=False, username=LEADER)
    assert "forged_request" in [d.get("reason") for d in refused["detail"]]


def test_an_admin_ends_a_session_from_the_admin_page(server, browser, context):
    page = context.new_page()
    sign_in_at(page, f"{server.url}/quan-tri", ADMIN)
    victim_ctx = browser.new_context()
    try:
        victim = victim_ctx.new_page()
        sign_in_at(victim, f"{server.url}/tong-quan")
        assert signed_in_as(victim, LEADER)
        page.reload()
        settle(page)
        page.get_by_role("tab", name=re.compile("Phiên đăng nhập")).click()
        page.get_by_text("Phiên cần kết thúc").wait_for(timeout=30_000)
        select = page.locator("[data-testid='stSelectbox']").filter(
            has_text="Phiên cần kết thúc")
        select.click()
        page.get_by_role("option", name=re.compile(LEADER)).first.click()
        wait_for_app(page)
        screenshot(page, "sessions_admin_list")
        page.get_by_role("button", name="Kết thúc phiên này").click()
        page.get_by_text(re.compile(f"Đã kết thúc phiên #\\d+ của «{LEADER}»")).wait_for(
            timeout=30_000)
        victim.reload()
        assert "quản trị viên kết thúc" in assert_signed_out(victim, "ended by the admin")
    finally:
        victim_ctx.close()


def _idle_for(engine, username: str, idle: dt.timedelta) -> None:
    """As if the user's open sessions were last used `idle` ago: their last use is moved back
    in the database, where the server reads it at the next click (waiting the minute for real
    adds nothing: the idle rule itself is tested against a clock in tests/access)."""
    with engine.begin() as conn:
        user_id = conn.scalar(sa.select(users.c.id).where(users.c.username == username))
        moved = conn.execute(sessions.update()
                             .where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
                             .values(last_seen_at=dt.datetime.now(dt.UTC) - idle))
    assert moved.rowcount >= 1


def test_a_short_configured_idle_timeout_expires_the_session(server, context, engine):
    with engine.begin() as conn:
        settings.save(conn, Account("test", "admin", None), {"session_timeout_minutes": 1})
    try:
        page = context.new_page()
        sign_in_at(page, f"{server.url}/xu-huong?unit=45")
        assert signed_in_as(page, LEADER)
        _idle_for(engine, LEADER, dt.timedelta(seconds=65))
        page.locator("[data-testid='stSidebarNav']").get_by_text("Xếp hạng").click()
        page.get_by_text("lâu không thao tác").first.wait_for(timeout=60_000)
        text = page.inner_text("body")
        assert "Đăng nhập" in text and not any(f in text for f in FIGURES)
        screenshot(page, "sessions_idle_expired_in_the_open_tab")
        page.reload()
        assert_signed_out(page, "F5 after the idle timeout")
    finally:
        with engine.begin() as conn:
            settings.save(conn, Account("test", "admin", None),
                          {"session_timeout_minutes": settings.DEFAULTS.session_timeout_minutes})
    with engine.connect() as conn:
        expired = audit.query(conn, action=audit.SESSION_EXPIRED, target=LEADER)
    assert "idle" in [d.get("reason") for d in expired["detail"]]
