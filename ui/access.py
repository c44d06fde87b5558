"""Who is looking at the page, and whether they may: session, sidebar, sign-in, refusal.

Every page calls `require` (through `ui.context.open_page`) before drawing anything, because
Streamlit also serves the scripts in `pages/` by URL without running `dashboard.py` (the
legacy pages/ router answers until the first `st.navigation` call of the server process):
a gate in `dashboard.py` alone would protect nothing.

A browser is signed in by its session cookie (set by ui.auth_http, read here through
`st.context.cookies`): every run resolves it against the `sessions` table (core.access.sessions),
so sign-out, expiry, an administrator ending the session, a password reset, a lock or a
deactivation, in this process or any other on the same database, applies at the next click.
The account is re-read on every run, so a role change applies at once too.

The resolved account is kept in two session keys other code relies on: `account` (a
`core.access.permissions.Account`) and `last_activity` (`time.time()` of the last page run). A
session seeded with those keys and no cookie (AppTest, which cannot send cookies) is an
in-process sign-in, held to the same idle timeout; nothing in the app creates one.

The sign-in form itself is plain HTML posting to `/auth/login` (ui.signin_html): a fresh page
load gets it from the middleware, an open tab whose session ended gets it here via st.html.
"""

from __future__ import annotations

import re
import time
from typing import NoReturn
from urllib.parse import urlencode

import streamlit as st
from sqlalchemy.engine import Engine

from core.access import audit, auth, permissions, sessions
from core.access import settings as settings_mod
from core.access.permissions import Account
from core.catalogue.units import by_code
from core.errors import UserError
from ui import auth_http, signin_html
from ui.engine import ready_engine
from ui.registry import HOME, PageSpec

ACCOUNT_KEY = "account"
ACTIVITY_KEY = "last_activity"
SESSION_KEY = "_session_id"  # set when the account came from a session cookie
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

def _cookie(name: str) -> str | None:
    """A cookie of the request that opened this tab's connection (None under AppTest,
    which has no browser and answers with stand-ins)."""
    try:
        value = st.context.cookies.get(name)
    except (AttributeError, RuntimeError):  # no browser connection (bare script run)
        return None
    return value if isinstance(value, str) and value else None


def current_account(engine: Engine) -> Account | None:
    """The signed-in account if the session is still valid (see the module docstring).

    An ended session clears everything this browser tab held and leaves a notice saying why.
    """
    token = _cookie(auth_http.SESSION_COOKIE)
    if token or SESSION_KEY in st.session_state:
        with engine.begin() as conn:
            resolved = sessions.resolve(conn, token)
        if resolved.session is None:
            _end_session(resolved.notice or sessions.NOTICES[sessions.LOGOUT])
            return None
        _start_session(resolved.session.account, session_id=resolved.session.id)
        return resolved.session.account
    return _in_process_account(engine)


def _in_process_account(engine: Engine) -> Account | None:
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
        _end_session(sessions.NOTICES[sessions.INACTIVE])
        return None
    _start_session(fresh, now)
    return fresh


def _start_session(account: Account, now: float | None = None, *,
                   session_id: int | None = None) -> None:
    st.session_state[ACCOUNT_KEY] = account
    st.session_state[ACTIVITY_KEY] = time.time() if now is None else now
    if session_id is not None:
        st.session_state[SESSION_KEY] = session_id


def _end_session(notice: str) -> None:
    """Forget everything this browser session held (filters, uploads too), keep a notice."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[_NOTICE_KEY] = notice


def here(spec: PageSpec | None) -> str:
    """This page's URL path with its query parameters: where to come back after signing in
    or out."""
    path = "/" if spec is None or spec.key == HOME else f"/{spec.url_path}"
    query = urlencode(st.query_params.to_dict())
    return auth_http.safe_next(path + (f"?{query}" if query else ""))


# --------------------------------------------------------------------------------- gate

def require(spec: PageSpec, engine: Engine | None = None) -> Account:
    """The signed-in account allowed on this page; otherwise draw sign-in or refusal, stop."""
    if engine is None:
        engine = ready_engine()
    account = current_account(engine)
    if account is None:
        _sign_in_screen(engine, spec)
    _sidebar(account, spec)
    if not permissions.can_open(account, spec.roles):
        allowed = ", ".join(auth.ROLE_LABELS[r] for r in spec.roles)
        st.error(f"Bạn không có quyền truy cập trang «{spec.title}». Trang này dành cho: "
                 f"{allowed}.", icon=":material/block:")
        st.stop()
    return account


def unit_label(unit_code: str | None) -> str:
    return "Toàn quốc" if unit_code is None else by_code()[unit_code].name


def _sidebar(account: Account, spec: PageSpec) -> None:
    with st.sidebar:
        unit = escape_md(unit_label(account.unit_code))
        st.markdown(f":material/account_circle: **{escape_md(account.username)}**  \n"
                    f"{auth.ROLE_LABELS[account.role]} · {unit}")
        st.html(signin_html.logout_form(_cookie(auth_http.CSRF_COOKIE) or "", here(spec)))
        with st.expander("Đổi mật khẩu", icon=":material/key:"):
            _password_form(account)


def _password_form(account: Account) -> None:
    """Change one's own password; every session of the user ends, this one too."""
    with st.form("own_password", clear_on_submit=True, border=False):
        current = st.text_input("Mật khẩu hiện tại", type="password",
                                max_chars=auth.MAX_PASSWORD_LENGTH,
                                autocomplete="current-password")
        new = st.text_input("Mật khẩu mới của bạn (ít nhất 8 ký tự)", type="password",
                            max_chars=auth.MAX_PASSWORD_LENGTH, autocomplete="new-password")
        repeated = st.text_input("Nhập lại mật khẩu mới", type="password",
                                 max_chars=auth.MAX_PASSWORD_LENGTH,
                                 autocomplete="new-password")
        submitted = st.form_submit_button("Đổi mật khẩu")
    if not submitted:
        return
    if new != repeated:
        st.error("Hai lần nhập mật khẩu mới không khớp.")
        return
    engine = ready_engine()
    try:
        with engine.begin() as conn:
            changed = auth.change_own_password(conn, account, current or "", new or "")
    except UserError as err:
        st.error(escape_md(err))
        return
    if not changed:
        audit.record_refusal(engine, account.username, audit.PASSWORD_CHANGE,
                             account.username, {"reason": "bad_password"})
        st.error(auth.WRONG_CURRENT_PASSWORD)
        return
    _end_session(sessions.NOTICES[sessions.PASSWORD])
    st.rerun()


# ------------------------------------------------------------------------------ sign-in

def _sign_in_screen(engine: Engine, spec: PageSpec | None = None) -> NoReturn:
    """The signed-out screen inside an open tab (a fresh page load gets the middleware's)."""
    st.title(signin_html.TITLE)
    st.caption(signin_html.CAPTION)
    notice = st.session_state.pop(_NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/info:")
    with engine.connect() as conn:
        needs_setup = not auth.admin_exists(conn)
    st.html(signin_html.sign_in_body(here(spec), _cookie(auth_http.CSRF_COOKIE) or "",
                                     setup=needs_setup))
    st.stop()
