"""Sign-in screen, roles and sessions through the real Streamlit scripts (AppTest, no browser).

Each test gets its own users on one demo database for the module. AppTest cannot send cookies,
so a signed-in session is seeded the way other page tests do it: `account` and
`last_activity` in session state (an in-process sign-in, see ui.access). The sign-in form
itself posts over HTTP: tests/pages/test_auth_http.py and tests/e2e/test_sessions_browser.py.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.access import audit, auth
from core.access.permissions import Account
from ui.access import WORD_JOINER, escape_md
from ui.registry import PAGES

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Mật khẩu đủ dài 2024"
LOGIN_TITLE = "Đăng nhập"


@pytest.fixture(scope="module")
def engine(databases):
    return databases.new_engine(demo=True)


@pytest.fixture
def url(engine, monkeypatch) -> str:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ASXH_DATABASE_URL", url)
    return url


@pytest.fixture
def make_user(engine):
    """Create a real user with a unique name; returns their Account."""

    def make(role: str, unit: str | None, prefix: str = "u") -> Account:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with engine.begin() as conn:
            auth.create_user(conn, name, PASSWORD, role, unit)
        return Account(name, role, unit)

    return make


@pytest.fixture
def admin(make_user) -> Account:
    return make_user("admin", None, "qt")


def app(script: str = "dashboard.py", account: Account | None = None,
        last_activity: float | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / script), default_timeout=60)
    if account is not None:
        at.session_state["account"] = account
        at.session_state["last_activity"] = time.time() if last_activity is None \
            else last_activity
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def html(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def shows_login(at: AppTest) -> bool:
    """The title and the HTML form posting to the sign-in route, with its two fields."""
    body = html(at)
    return [t.value for t in at.title] == [LOGIN_TITLE] and 'action="/auth/login"' in body \
        and ">Tên đăng nhập</label>" in body and ">Mật khẩu</label>" in body


def all_text(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption",
                                  "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def log(engine, **filters):
    with engine.connect() as conn:
        return audit.query(conn, **filters)


# ------------------------------------------------------------------------- signed out

def test_dashboard_without_a_session_shows_only_the_login_form(url):
    at = app()
    assert not at.exception
    assert shows_login(at)
    assert not at.metric and not at.dataframe
    assert "125.000" not in all_text(at) and "/63" not in all_text(at)


@pytest.mark.parametrize("spec", [p for p in PAGES if p.exists()], ids=lambda p: p.key)
def test_every_page_file_run_alone_shows_the_login_form_and_no_figures(url, spec):
    """What the legacy pages/ router does: the page runs without dashboard.py."""
    at = app(spec.path)
    assert not at.exception
    assert shows_login(at)
    assert not at.metric and not at.dataframe and not at.table
    assert "Xếp hạng toàn quốc" not in all_text(at)


def test_the_setup_form_is_offered_only_while_no_admin_exists(databases, monkeypatch):
    fresh = databases.new_engine(demo=True)
    monkeypatch.setenv("ASXH_DATABASE_URL", fresh.url.render_as_string(hide_password=False))
    at = app()
    assert shows_login(at)
    assert "Thiết lập lần đầu" in html(at) and 'action="/auth/setup"' in html(at)
    with fresh.begin() as conn:
        auth.create_first_admin(conn, "quantri", PASSWORD)
    again = app()
    assert shows_login(again) and "Thiết lập lần đầu" not in html(again)


# --------------------------------------------------------------------------- sign-in

def test_the_sign_in_form_remembers_the_page_and_its_filters(url):
    at = app("pages/xa_cham.py", unit="45", date="2024-01-23")
    assert shows_login(at)
    assert 'name="next" value="/xa-cham?unit=45&amp;date=2024-01-23"' in html(at)


def test_a_signed_in_user_sees_the_home_page_with_the_user_and_sign_out_in_the_sidebar(
        url, make_user):
    user = make_user("leader", "51")
    at = app(account=user)
    assert not at.exception
    assert not shows_login(at)
    assert at.title[0].value.startswith("Tổng quan")
    assert at.metric  # the figures are there now
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert user.username.replace("_", "\\_") in sidebar  # user text escaped for markdown
    assert "Lãnh đạo · Tỉnh Quảng Ngãi" in sidebar
    assert 'action="/auth/logout"' in html(at) and "Đăng xuất trên mọi thiết bị" in html(at)


# ------------------------------------------------------------------------------ roles

def test_leader_does_not_get_the_admin_pages_and_is_refused_at_their_url(url, make_user):
    leader = make_user("leader", "51")
    at = app(account=leader)
    hidden = [p for p in PAGES if p.exists() and "leader" not in p.roles]
    assert {"quan_tri", "nhat_ky"} <= {p.key for p in hidden}
    for spec in hidden:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(spec.path)
    for page in ("pages/quan_tri.py", "pages/nhat_ky.py"):
        direct = app(page, account=leader)
        assert not direct.exception
        assert [e.value for e in direct.error] == [
            f"Bạn không có quyền truy cập trang «{'Quản trị' if 'quan' in page else 'Nhật ký'}»."
            " Trang này dành cho: Quản trị viên."]
        assert not direct.dataframe and not direct.main.text_input and not direct.tabs


def test_admin_gets_the_admin_pages(url, admin):
    at = app(account=admin)
    at.switch_page("pages/quan_tri.py").run()
    assert not at.exception
    assert at.title[0].value == "Quản trị"


def test_binh_son_staff_cannot_see_quang_tri(url, make_user):
    staff = make_user("staff", "524")

    def probe():
        import streamlit as st

        from ui.context import open_page

        ctx = open_page("tong_quan")
        st.write(f"home={ctx.home_unit} qt={ctx.can_view('45')} bs={ctx.can_view('21061')} "
                 f"nation={ctx.can_view(None)}")

    at = AppTest.from_function(probe, default_timeout=60)
    at.session_state["account"] = staff
    at.session_state["last_activity"] = time.time()
    at.run()
    assert not at.exception
    assert "home=524 qt=False bs=True nation=False" in all_text(at)
    # The real home page, asked for Quảng Trị by URL, stays inside Bình Sơn.
    page = app(account=staff, unit="45")
    assert not page.exception
    assert "Bình Sơn" in page.title[0].value
    assert "Quảng Trị" not in all_text(page)


# ---------------------------------------------------------------------------- sessions

def test_a_tab_whose_cookie_session_is_gone_is_signed_out(url, make_user):
    """A tab once signed in by a cookie (the session id kept) that comes back without a live
    session (the WebSocket reconnected after a sign-out elsewhere) is not signed in any more,
    even though its state still holds the account."""
    user = make_user("staff", "524")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.session_state["account"] = user
    at.session_state["last_activity"] = time.time()
    at.session_state["_session_id"] = 1
    at.run()
    assert shows_login(at) and "account" not in at.session_state


def test_a_user_changes_their_own_password_from_the_sidebar(url, engine, make_user):
    user = make_user("staff", "524")
    at = app(account=user)

    def change(current: str, new: str, repeated: str) -> AppTest:
        fields = {t.label: t for t in at.sidebar.text_input}
        fields["Mật khẩu hiện tại"].input(current)
        fields["Mật khẩu mới của bạn (ít nhất 8 ký tự)"].input(new)
        fields["Nhập lại mật khẩu mới"].input(repeated)
        return next(b for b in at.sidebar.button if b.label == "Đổi mật khẩu").click().run()

    change("sai mật khẩu", "Mật khẩu mới 2024", "Mật khẩu mới 2024")
    assert [e.value for e in at.sidebar.error] == [auth.WRONG_CURRENT_PASSWORD]
    assert not shows_login(at)
    refused = log(engine, username=user.username, action=audit.PASSWORD_CHANGE)
    assert refused["ok"].tolist() == [False] and "Mật khẩu mới" not in refused.to_string()
    change(PASSWORD, "Mật khẩu mới 2024", "Mật khẩu mới 2024")
    assert shows_login(at) and "account" not in at.session_state
    assert "Mật khẩu đã được đổi" in at.info[0].value
    with engine.begin() as conn:
        assert auth.authenticate(conn, user.username, "Mật khẩu mới 2024") == user


def test_session_expires_after_inactivity(url, engine, make_user):
    user = make_user("staff", "524")
    at = app(account=user, last_activity=time.time() - 481 * 60)
    assert shows_login(at)
    assert "account" not in at.session_state
    assert "hết hạn sau 480 phút" in at.info[0].value  # the default: a working day
    assert not log(engine, username=user.username, action=audit.SESSION_EXPIRED).empty


def test_activity_within_the_timeout_keeps_the_session_and_refreshes_it(url, make_user):
    user = make_user("staff", "524")
    before = time.time() - 479 * 60
    at = app(account=user, last_activity=before)
    assert not shows_login(at)
    assert at.session_state["last_activity"] > before + 478 * 60


def test_deactivation_ends_an_open_session_at_once(url, engine, admin, make_user):
    user = make_user("staff", "524")
    at = app(account=user)
    assert not shows_login(at)
    with engine.begin() as conn:
        auth.set_active(conn, admin, user.username, False)
    at.run()
    assert shows_login(at)
    assert "không còn hiệu lực" in at.info[0].value


def test_a_role_change_applies_on_the_next_run(url, engine, admin, make_user):
    user = make_user("staff", "524")
    at = app(account=user)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/quan_tri.py")
    with engine.begin() as conn:
        auth.update_user(conn, admin, user.username, role="admin", unit_code=None)
    at.run()
    assert at.session_state["account"] == Account(user.username, "admin", None)
    at.switch_page("pages/quan_tri.py").run()
    assert at.title[0].value == "Quản trị"


# ------------------------------------------------------------------------- admin pages

def test_admin_creates_a_user_and_changes_a_setting_from_the_page(url, engine, admin):
    at = app("pages/quan_tri.py", account=admin)
    assert not at.exception
    name = f"moi_{uuid.uuid4().hex[:6]}"
    at.selectbox(key="new_role").set_value("staff")
    at.selectbox(key="new_unit_1").set_value("51").run()
    at.selectbox(key="new_unit_2").set_value("524").run()
    form_inputs = [t for t in at.text_input if t.label.startswith(("Tên đăng nhập",
                                                                   "Mật khẩu ban đầu"))]
    form_inputs[0].input(name)
    form_inputs[1].input(PASSWORD)
    next(b for b in at.button if b.label == "Tạo người dùng").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [escape_md(f"Đã tạo người dùng «{name}».")]
    with engine.connect() as conn:
        assert auth.active_account(conn, name) == Account(name, "staff", "524")

    timeout = next(n for n in at.number_input if n.label.startswith("Tự đăng xuất"))
    timeout.set_value(45)
    next(b for b in at.button if b.label == "Lưu thiết lập").click().run()
    assert [s.value for s in at.success] == [escape_md("Đã lưu thiết lập.")]
    entry = log(engine, action=audit.SETTING_CHANGE, username=admin.username).iloc[0]
    assert (entry["target"], entry["detail"]["old"], entry["detail"]["new"]) == (
        "session_timeout_minutes", 480, 45)
    with engine.begin() as conn:  # back to the default for the other tests
        from core.access import settings

        settings.save(conn, admin, {"session_timeout_minutes": 480})


def test_admin_page_shows_core_refusals_in_vietnamese(url, admin):
    at = app("pages/quan_tri.py", account=admin)
    form_inputs = [t for t in at.text_input if t.label.startswith(("Tên đăng nhập",
                                                                   "Mật khẩu ban đầu"))]
    form_inputs[0].input("thieu_don_vi")
    form_inputs[1].input("ngan")
    next(b for b in at.button if b.label == "Tạo người dùng").click().run()
    assert not at.exception
    assert at.error and "đơn vị" in at.error[0].value


def test_audit_page_lists_and_filters_entries_read_only(url, engine, admin, make_user):
    user = make_user("staff", "524")
    with engine.begin() as conn:
        assert auth.authenticate(conn, user.username, "sai mật khẩu") is None
    at = app("pages/nhat_ky.py", account=admin)
    assert not at.exception
    at.selectbox[0].set_value(user.username).run()
    table = at.dataframe[0].value
    assert table["Người thực hiện"].unique().tolist() == [user.username]
    assert table["Kết quả"].tolist() == ["Bị từ chối"]
    assert "sai mật khẩu" in table["Chi tiết"].iloc[0]
    at.selectbox[2].set_value("ok").run()
    assert not at.dataframe and "Không có mục nào" in at.info[0].value
    labels = {b.label for b in at.button}
    assert not {lbl for lbl in labels if any(w in lbl for w in ("Xóa", "Sửa"))}


# ----------------------------------------------------------------------- safe defaults

def test_streamlit_config_keeps_safe_defaults():
    import tomllib

    from core import config

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["client"]["showErrorDetails"] == "none"  # no tracebacks to visitors
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"].get("enableCORS", True) is True
    assert cfg["server"].get("enableStaticServing", False) is False
    assert cfg["server"]["maxUploadSize"] * 1024 * 1024 == config.upload_limit_bytes()
    assert cfg["browser"]["gatherUsageStats"] is False


def test_markdown_escaping_makes_user_text_inert():
    text = "[bấm](http://x.vn) **đậm** :red[đỏ] $x$ <b>"
    escaped = escape_md(text)
    for raw in ("[bấm]", "**", ":red[", "$x$", "<b>"):
        assert raw not in escaped
    assert escaped.replace("\\", "").replace(WORD_JOINER, "") == text


@pytest.mark.parametrize("text", ["Xem http://x.vn/a", "HTTPS://x.vn", "www.x.vn", "ai@x.vn"])
def test_markdown_escaping_keeps_bare_addresses_from_becoming_links(text):
    """GFM links these in the shown text whatever the backslashes: a word joiner breaks them."""
    escaped = escape_md(text)
    assert not re.search(r"https?\\?:|www\\?\.|@[\w\\]", escaped, re.IGNORECASE)
    assert escaped.replace("\\", "").replace(WORD_JOINER, "") == text
