"""Who is looking at the page, and whether they may: sign-in, session, sidebar, refusal.

Every page calls `require` (through `ui.context.open_page`) before drawing anything, because
Streamlit also serves the scripts in `pages/` by URL without running `dashboard.py` (the
legacy pages/ router answers until the first `st.navigation` call of the server process):
a gate in `dashboard.py` alone would protect nothing.

The signed-in state is two session keys other code relies on: `account` (a
`core.permissions.Account`) and `last_activity` (`time.time()` of the last page run). The
account is re-read from the database on every run, so deactivating a user or changing a role
takes effect on their next click. The rules themselves live in `core` (auth, permissions).
"""

from __future__ import annotations

import re
import time
from typing import NoReturn

import streamlit as st
from sqlalchemy.engine import Engine

from core import audit, auth, permissions
from core import settings as settings_mod
from core.errors import UserError
from core.permissions import Account
from core.units import by_code
from ui.registry import PageSpec

ACCOUNT_KEY = "account"
ACTIVITY_KEY = "last_activity"
_NOTICE_KEY = "_auth_notice"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


# Markdown (GFM) links bare URLs, "www." names and e-mail addresses in the text it shows,
# after escapes and character references are resolved: an invisible word joiner (U+2060)
# after "http", "www" and "@" is the only thing that keeps them plain text.
_AUTOLINK_TRIGGER = re.compile(r"(?i)\b(?:https?|ftp|mailto)(?=\\:)|\bwww(?=\\\.)|@")
WORD_JOINER = "\u2060"


def escape_md(text: object) -> str:
    """User text made inert for st.markdown: no links (not even bare URLs or addresses),
    images, emphasis, colours or LaTeX."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return _AUTOLINK_TRIGGER.sub(lambda m: m.group(0) + WORD_JOINER, escaped)


# ------------------------------------------------------------------------------- session

def current_account(engine: Engine) -> Account | None:
    """The signed-in account if the session is still valid; refreshes `last_activity`.

    Invalid means: inactive for longer than the timeout (audited), or the user was removed
    or deactivated since signing in. Either way the session ends with a notice.
    """
    account = st.session_state.get(ACCOUNT_KEY)
    if not isinstance(account, Account):
        return None
    now = time.time()
    last = st.session_state.get(ACTIVITY_KEY)
    with engine.begin() as conn:
        timeout = settings_mod.load(conn).session_timeout_minutes
        if not isinstance(last, int | float) or now - last > timeout * 60:
            auth.record_logout(conn, account, expired=True)
            _end_session(f"Phiên làm việc đã hết hạn sau {timeout} phút không thao tác. "
                         "Vui lòng đăng nhập lại.")
            return None
        fresh = auth.active_account(conn, account.username)
    if fresh is None:
        _end_session("Tài khoản không còn hiệu lực. Vui lòng liên hệ quản trị viên.")
        return None
    _start_session(fresh, now)
    return fresh


def _start_session(account: Account, now: float | None = None) -> None:
    st.session_state[ACCOUNT_KEY] = account
    st.session_state[ACTIVITY_KEY] = time.time() if now is None else now


def _end_session(notice: str) -> None:
    """Forget everything this browser session held (filters, uploads too), keep a notice."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_NOTICE_KEY] = notice


def _logout(engine: Engine) -> None:
    account = st.session_state.get(ACCOUNT_KEY)
    if isinstance(account, Account):
        with engine.begin() as conn:
            auth.record_logout(conn, account)
    _end_session("Bạn đã đăng xuất.")


# --------------------------------------------------------------------------------- gate

def require(spec: PageSpec, engine: Engine | None = None) -> Account:
    """The signed-in account allowed on this page; otherwise draw sign-in or refusal, stop."""
    if engine is None:
        from ui.context import ready_engine  # ui.context imports this module

        engine = ready_engine()
    account = current_account(engine)
    if account is None:
        _sign_in_screen(engine)
    _sidebar(engine, account)
    if not permissions.can_open(account, spec.roles):
        allowed = ", ".join(auth.ROLE_LABELS[r] for r in spec.roles)
        st.error(f"Bạn không có quyền truy cập trang «{spec.title}». Trang này dành cho: "
                 f"{allowed}.", icon=":material/block:")
        st.stop()
    return account


def unit_label(unit_code: str | None) -> str:
    return "Toàn quốc" if unit_code is None else by_code()[unit_code].name


def _sidebar(engine: Engine, account: Account) -> None:
    with st.sidebar:
        unit = escape_md(unit_label(account.unit_code))
        st.markdown(f":material/account_circle: **{escape_md(account.username)}**  \n"
                    f"{auth.ROLE_LABELS[account.role]} · {unit}")
        st.button("Đăng xuất", key="_logout", icon=":material/logout:",
                  on_click=_logout, args=(engine,))


# ------------------------------------------------------------------------------ sign-in

def _sign_in_screen(engine: Engine) -> NoReturn:
    st.title("Đăng nhập")
    st.caption("Theo dõi chi trả an sinh xã hội không dùng tiền mặt · chỉ dành cho người "
               "được cấp tài khoản.")
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/info:")
    _login_form(engine)
    with engine.connect() as conn:
        needs_setup = not auth.admin_exists(conn)
    if needs_setup:
        _setup_form(engine)
    st.stop()


def _login_form(engine: Engine) -> None:
    with st.form("login_form", clear_on_submit=True):
        username = st.text_input("Tên đăng nhập", max_chars=64, autocomplete="username")
        password = st.text_input("Mật khẩu", type="password", max_chars=auth.MAX_PASSWORD_LENGTH,
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:
        return
    with engine.begin() as conn:  # commits the failure count and the audit entry too
        account = auth.authenticate(conn, username or "", password or "")
    if account is None:
        st.error(auth.LOGIN_FAILED_MESSAGE, icon=":material/error:")
        return
    _start_session(account)
    st.rerun()


def _setup_form(engine: Engine) -> None:
    """The one-time creation of the first administrator (works while none exists)."""
    st.divider()
    st.subheader("Thiết lập lần đầu")
    st.caption("Hệ thống chưa có quản trị viên. Tạo tài khoản quản trị đầu tiên; biểu mẫu "
               "này không còn dùng được khi đã có quản trị viên.")
    with st.form("setup_form", clear_on_submit=True):
        username = st.text_input("Tên đăng nhập quản trị", max_chars=64)
        password = st.text_input("Mật khẩu (ít nhất 8 ký tự)", type="password",
                                 max_chars=auth.MAX_PASSWORD_LENGTH,
                                 autocomplete="new-password")
        repeated = st.text_input("Nhập lại mật khẩu", type="password",
                                 max_chars=auth.MAX_PASSWORD_LENGTH,
                                 autocomplete="new-password")
        submitted = st.form_submit_button("Tạo tài khoản quản trị")
    if not submitted:
        return
    if password != repeated:
        st.error("Hai lần nhập mật khẩu không khớp.")
        return
    try:
        with engine.begin() as conn:
            account = auth.create_first_admin(conn, username or "", password or "")
            audit.record(conn, account.username, audit.LOGIN, None, {"via": "setup"})
    except UserError as err:
        st.error(escape_md(err))
        return
    _start_session(account)
    st.rerun()
