"""The sign-in form as plain HTML: one template for the HTTP sign-in page and for st.html.

The form posts to `/auth/login` (ui.auth_http), never through Streamlit's WebSocket, because
only an HTTP response can set the HttpOnly session cookie. It carries the CSRF token (the
double-submit half of the cookie) and the page asked for, so the user lands there after
signing in. Every value put into the markup is escaped. No streamlit import here: the HTTP
layer uses this module before any script runs.
"""

from __future__ import annotations

from html import escape

LOGIN_PATH = "/auth/login"
LOGOUT_PATH = "/auth/logout"
SETUP_PATH = "/auth/setup"
TITLE = "Đăng nhập"
CAPTION = ("Theo dõi chi trả an sinh xã hội không dùng tiền mặt · chỉ dành cho người được "
           "cấp tài khoản.")

_FONT = "'Source Sans', 'Source Sans Pro', -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
_INPUT = ("display:block;width:100%;box-sizing:border-box;margin:0.25rem 0 1rem;"
          "padding:0.55rem 0.75rem;font-size:1rem;border:1px solid #c9cbd3;"
          "border-radius:0.5rem;background:#f0f2f6;color:#31333f")
_LABEL = "display:block;font-size:0.9rem;color:#31333f"
_BUTTON = ("padding:0.5rem 1.1rem;font-size:1rem;border-radius:0.5rem;cursor:pointer;"
           "border:1px solid {border};background:{bg};color:{fg}")
PRIMARY = _BUTTON.format(border="#ff4b4b", bg="#ff4b4b", fg="#fff")
SECONDARY = _BUTTON.format(border="#c9cbd3", bg="#fff", fg="#31333f")
_BOX = {"info": ("#e8f1fb", "#0b4f8a"), "error": ("#fdecea", "#8a1c12")}


def message_box(text: str, kind: str = "info") -> str:
    bg, fg = _BOX[kind]
    role = "alert" if kind == "error" else "status"
    return (f'<div role="{role}" style="background:{bg};color:{fg};padding:0.75rem 1rem;'
            f'border-radius:0.5rem;margin:0 0 1rem">{escape(text)}</div>')


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}">'


def login_form(next_path: str, csrf: str) -> str:
    """The username/password form (labels the browser tests and screen readers rely on)."""
    return (
        f'<form method="post" action="{LOGIN_PATH}" style="max-width:26rem" '
        f'data-testid="asxhLoginForm">'
        f'{_hidden("csrf_token", csrf)}{_hidden("next", next_path)}'
        f'<label for="asxh-username" style="{_LABEL}">Tên đăng nhập</label>'
        f'<input id="asxh-username" name="username" type="text" maxlength="64" required '
        f'autocomplete="username" autocapitalize="none" spellcheck="false" style="{_INPUT}">'
        f'<label for="asxh-password" style="{_LABEL}">Mật khẩu</label>'
        f'<input id="asxh-password" name="password" type="password" maxlength="1024" '
        f'required autocomplete="current-password" style="{_INPUT}">'
        f'<button type="submit" style="{PRIMARY}">Đăng nhập</button></form>')


def setup_form(next_path: str, csrf: str) -> str:
    """The one-time creation of the first administrator (offered while none exists)."""
    return (
        '<hr style="margin:2rem 0 1rem;border:none;border-top:1px solid #e6e7eb">'
        '<h3 style="margin:0 0 0.25rem">Thiết lập lần đầu</h3>'
        '<p style="color:#6b6f7b;margin:0 0 1rem">Hệ thống chưa có quản trị viên. Tạo tài '
        'khoản quản trị đầu tiên; biểu mẫu này không còn dùng được khi đã có quản trị '
        'viên.</p>'
        f'<form method="post" action="{SETUP_PATH}" style="max-width:26rem" '
        f'data-testid="asxhSetupForm">'
        f'{_hidden("csrf_token", csrf)}{_hidden("next", next_path)}'
        f'<label for="asxh-setup-user" style="{_LABEL}">Tên đăng nhập quản trị</label>'
        f'<input id="asxh-setup-user" name="username" type="text" maxlength="64" required '
        f'autocomplete="off" style="{_INPUT}">'
        f'<label for="asxh-setup-pw" style="{_LABEL}">Mật khẩu mới (ít nhất 8 ký tự)</label>'
        f'<input id="asxh-setup-pw" name="password" type="password" maxlength="1024" '
        f'required autocomplete="new-password" style="{_INPUT}">'
        f'<label for="asxh-setup-pw2" style="{_LABEL}">Nhập lại mật khẩu mới</label>'
        f'<input id="asxh-setup-pw2" name="repeated" type="password" maxlength="1024" '
        f'required autocomplete="new-password" style="{_INPUT}">'
        f'<button type="submit" style="{SECONDARY}">Tạo tài khoản quản trị</button></form>')


def logout_form(csrf: str, next_path: str = "/") -> str:
    """«Đăng xuất» and «Đăng xuất trên mọi thiết bị», both HTTP posts (for the sidebar)."""
    return (
        f'<form method="post" action="{LOGOUT_PATH}" data-testid="asxhLogoutForm" '
        f'style="display:flex;flex-wrap:wrap;gap:0.5rem">'
        f'{_hidden("csrf_token", csrf)}{_hidden("next", next_path)}'
        f'<button type="submit" name="everywhere" value="0" style="{SECONDARY}">'
        f'Đăng xuất</button>'
        f'<button type="submit" name="everywhere" value="1" style="{SECONDARY};'
        f'font-size:0.85rem">Đăng xuất trên mọi thiết bị</button></form>')


def sign_in_body(next_path: str, csrf: str, *, notice: str | None = None,
                 error: str | None = None, setup: bool = False) -> str:
    """Everything the signed-out screen shows below its title."""
    parts = [message_box(notice)] if notice else []
    if error:
        parts.append(message_box(error, "error"))
    parts.append(login_form(next_path, csrf))
    if setup:
        parts.append(setup_form(next_path, csrf))
    return "".join(parts)


def sign_in_page(next_path: str, csrf: str, **kwargs) -> str:
    """The whole HTML document the server answers a signed-out page request with."""
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="same-origin">'
        f'<title>{TITLE} · ASXH</title></head>'
        f'<body style="margin:0;font-family:{_FONT};color:#31333f;background:#fff">'
        '<main style="max-width:46rem;margin:0 auto;padding:4rem 1.5rem">'
        f'<h1 style="font-size:2.75rem;font-weight:700;margin:0 0 0.5rem">{TITLE}</h1>'
        f'<p style="color:#6b6f7b;margin:0 0 1.5rem">{escape(CAPTION)}</p>'
        f'{sign_in_body(next_path, csrf, **kwargs)}</main></body></html>')


def refused_page(text: str, back: str = "/") -> str:
    """A refused request (a forged or stale form): what happened and a way back."""
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<title>Yêu cầu bị từ chối · ASXH</title></head>'
        f'<body style="margin:0;font-family:{_FONT};color:#31333f">'
        '<main style="max-width:46rem;margin:0 auto;padding:4rem 1.5rem">'
        '<h1 style="font-size:2rem;margin:0 0 1rem">Yêu cầu bị từ chối</h1>'
        f'{message_box(text, "error")}'
        f'<p><a href="{escape(back)}">Quay lại trang đăng nhập</a></p></main></body></html>')


def reload_page() -> str:
    """Reload once from the app's own origin: a link from another site does not carry a
    SameSite=Strict cookie, a same-origin reload does."""
    return ('<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            '<meta http-equiv="refresh" content="0"><title>ASXH</title></head>'
            '<body><p>Đang mở trang…</p></body></html>')
