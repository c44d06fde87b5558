"""Sign-in over HTTP: the routes and the middleware `app.py` hands to Streamlit's `st.App`.

- `SignInGate` (middleware) answers a signed-out request for any page URL (`/`,
  `/tong-quan?unit=45`, the legacy `/quan_tri`) with the plain HTML sign-in page at that very
  URL, so Streamlit never starts a script (no "Page not found" dialog, no figures sent) and the
  form remembers the page and its query parameters. A signed-in request goes through to
  Streamlit. Every page response makes sure the browser holds a CSRF cookie.
- `POST /auth/login` checks the request came from this site (Origin, and the double-submit
  CSRF token: the form's hidden field must equal the CSRF cookie, which another site can
  neither read nor send, being SameSite=Strict), then the password (core.access.auth), starts a
  server-side session (core.access.sessions) and sets its token in an HttpOnly, SameSite=Strict
  cookie (Secure over HTTPS), and redirects (303) to the page asked for.
- `POST /auth/logout` ends the session (or all of the user's sessions) and clears the cookie.
- `POST /auth/setup` creates the first administrator while none exists.

Passwords and tokens travel only in request bodies and cookies: never in a URL, a log line
or the audit trail. Pages re-check the session on every run (ui.access), since Streamlit's
WebSocket can be reached without going through these routes.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from core import config
from core.access import audit, auth, sessions
from core.access import settings as settings_mod
from core.errors import UserError
from core.storage import db
from ui import signin_html
from ui.registry import url_aliases

SESSION_COOKIE = "asxh_session"
CSRF_COOKIE = "asxh_csrf"
NOTICE_COOKIE = "asxh_notice"  # which message the next sign-in page shows (a short code)
SECURE_ENV = "ASXH_COOKIE_SECURE"  # auto (default) | 1 | 0
ORIGINS_ENV = "ASXH_ALLOWED_ORIGINS"  # extra public origins, comma-separated
CSRF_MAX_AGE = 30 * 24 * 3600
_STREAMLIT_PREFIXES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/",
                       "/auth/")
_FORM_LIMIT = 16 * 1024
_NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
             "Referrer-Policy": "same-origin"}

_ALIASES = url_aliases()  # /quan_tri -> /quan-tri, /tong-quan -> /

FAILED = "failed"
SETUP_FAILED = "setup_failed"
_NOTICE_TEXTS = {FAILED: ("error", auth.LOGIN_FAILED_MESSAGE),
                 **{reason: ("info", text) for reason, text in sessions.NOTICES.items()}}
FORGED_MESSAGE = ("Yêu cầu đăng nhập không đến từ trang đăng nhập của hệ thống này (có thể là "
                  "giả mạo từ một trang khác) nên đã bị từ chối. Hãy mở lại trang và đăng "
                  "nhập.")


def engine() -> Engine:
    """This process's engine for the configured database (prepared by app.py's lifespan)."""
    return db.get_engine(config.database_url())


# ------------------------------------------------------------------------------- helpers

def is_page_path(path: str) -> bool:
    """Whether a GET of `path` is a page of the app (Streamlit answers it with index.html),
    rather than an asset, a Streamlit endpoint or one of ours."""
    if path.startswith(_STREAMLIT_PREFIXES) or path.startswith("//"):
        return False
    return "." not in path.rsplit("/", 1)[-1]


def safe_next(value: str | None) -> str:
    """A local path to land on after signing in; anything else (another site, a scheme,
    `//host`, a backslash trick) becomes the home page."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return "/"
    return value[:2000]


def _requested(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return safe_next(scope.get("path", "/") + (f"?{query}" if query else ""))


def cookie_secure(request: Request) -> bool:
    """Secure cookies when configured, or when the request came over HTTPS (directly, or
    through a reverse proxy that says so in X-Forwarded-Proto)."""
    setting = os.environ.get(SECURE_ENV, "auto").strip().lower()
    if setting in ("1", "true", "yes"):
        return True
    if setting in ("0", "false", "no"):
        return False
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def client_address(request: Request) -> str | None:
    """The browser's address; behind a local reverse proxy, the one the proxy saw."""
    peer = request.client.host if request.client else None
    if peer in ("127.0.0.1", "::1"):
        real = request.headers.get("x-real-ip")
        forwarded = request.headers.get("x-forwarded-for")
        if real:
            return real.strip()
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return peer


def _origin_of(request: Request) -> str | None:
    return request.headers.get("origin") or request.headers.get("referer")


def same_origin(request: Request) -> bool:
    """The request's Origin (or, failing that, Referer) is this server as the browser
    addressed it (the Host header) or an origin listed in ASXH_ALLOWED_ORIGINS."""
    origin = _origin_of(request)
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    host = request.headers.get("host", "")
    allowed = {o.strip().rstrip("/") for o in os.environ.get(ORIGINS_ENV, "").split(",")
               if o.strip()}
    return parts.netloc == host or f"{parts.scheme}://{parts.netloc}" in allowed


def _csrf_ok(request: Request, form: Any) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf_token") or "")
    return bool(cookie) and len(cookie) >= 32 and secrets.compare_digest(cookie, sent)


def _set_session_cookie(response: Response, request: Request, token: str,
                        max_age: int) -> None:
    """Kept by the browser as long as the session can live (a closed browser stays signed
    in); the server decides whether it still opens anything."""
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True,
                        samesite="strict", secure=cookie_secure(request), path="/")


def _clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=cookie_secure(request))


def _set_notice(response: Response, request: Request, code: str) -> None:
    response.set_cookie(NOTICE_COOKIE, code, max_age=120, httponly=True, samesite="strict",
                        secure=cookie_secure(request), path="/")


def _redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303, headers=_NO_STORE)


async def _form(request: Request):
    if int(request.headers.get("content-length") or 0) > _FORM_LIMIT:
        return None
    return await request.form(max_files=0, max_fields=10)


async def _own_form(request: Request, what: str) -> tuple[Any, Response | None]:
    """The posted form when it came from our own page (same origin, CSRF token), else the
    refusal to send, already audited."""
    form = await _form(request)
    if form is None or not same_origin(request) or not _csrf_ok(request, form):
        response, record = _refuse_forged(request, form, what)
        await run_in_threadpool(record)
        return None, response
    return form, None


def _refuse_forged(request: Request, form: Any, what: str
                   ) -> tuple[Response, Callable[[], None]]:
    """403 for a sign-in/out post that did not come from our own page, and the audit entry
    to record (in a thread: it writes to the database)."""
    name = str(form.get("username") or "")[:64] if form is not None else ""
    origin = (_origin_of(request) or "–")[:200]

    def record() -> None:
        audit.record_refusal(engine(), auth.normalise_username(name) or None, what, None,
                             {"reason": "forged_request", "origin": origin})

    response = HTMLResponse(signin_html.refused_page(FORGED_MESSAGE), status_code=403,
                            headers=_NO_STORE)
    return response, record


# -------------------------------------------------------------------------------- routes

def _start(conn, username: str, agent: str | None, address: str | None) -> tuple[str, int]:
    """A new session's token and how long its cookie may live (the absolute lifetime)."""
    token = sessions.start(conn, username, user_agent=agent, address=address)
    return token, settings_mod.load(conn).session_lifetime_hours * 3600


async def login(request: Request) -> Response:
    form, refused = await _own_form(request, audit.LOGIN)
    if refused is not None:
        return refused
    target = safe_next(str(form.get("next") or "/"))
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    agent = request.headers.get("user-agent")
    address = client_address(request)

    def sign_in() -> tuple[str, int] | None:
        with engine().begin() as conn:  # commits the failure count and audit entries too
            account = auth.authenticate(conn, username, password)
            if account is None:
                return None
            return _start(conn, account.username, agent, address)

    started = await run_in_threadpool(sign_in)
    response = _redirect(target)
    if started is None:
        _set_notice(response, request, FAILED)
        return response
    _set_session_cookie(response, request, *started)
    response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


async def logout(request: Request) -> Response:
    form, refused = await _own_form(request, audit.LOGOUT)
    if refused is not None:
        return refused
    everywhere = str(form.get("everywhere") or "") == "1"
    token = request.cookies.get(SESSION_COOKIE)

    def sign_out() -> None:
        with engine().begin() as conn:
            sessions.end(conn, token, everywhere=everywhere)

    await run_in_threadpool(sign_out)
    response = _redirect(safe_next(str(form.get("next") or "/")))
    _clear_session_cookie(response, request)
    _set_notice(response, request, sessions.EVERYWHERE if everywhere else sessions.LOGOUT)
    return response


async def setup(request: Request) -> Response:
    form, refused = await _own_form(request, audit.USER_CREATE)
    if refused is not None:
        return refused
    target = safe_next(str(form.get("next") or "/"))
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    repeated = str(form.get("repeated") or "")
    agent = request.headers.get("user-agent")
    address = client_address(request)

    def create() -> tuple[str, int]:
        if password != repeated:
            raise UserError("Hai lần nhập mật khẩu không khớp.")
        with engine().begin() as conn:
            account = auth.create_first_admin(conn, username, password)
            audit.record(conn, account.username, audit.LOGIN, None, {"via": "setup"})
            return _start(conn, account.username, agent, address)

    try:
        started = await run_in_threadpool(create)
    except UserError as err:
        return HTMLResponse(signin_html.sign_in_page(
            target, request.cookies.get(CSRF_COOKIE, ""), error=str(err),
            setup=await run_in_threadpool(_needs_setup)), status_code=400, headers=_NO_STORE)
    response = _redirect(target)
    _set_session_cookie(response, request, *started)
    return response


def routes() -> list[Route]:
    return [Route(signin_html.LOGIN_PATH, login, methods=["POST"]),
            Route(signin_html.LOGOUT_PATH, logout, methods=["POST"]),
            Route(signin_html.SETUP_PATH, setup, methods=["POST"])]


# ---------------------------------------------------------------------------- middleware

def _needs_setup() -> bool:
    with engine().connect() as conn:
        return not auth.admin_exists(conn)


def _check(token: str | None) -> sessions.Resolved:
    with engine().begin() as conn:
        return sessions.resolve(conn, token)


def notice_text(code: str | None) -> tuple[str, str] | None:
    """(kind, text) of a notice code from the notice cookie or a session's end reason."""
    return _NOTICE_TEXTS.get(code or "")


class SignInGate:
    """Pure ASGI middleware: a signed-out page request gets the sign-in page (see module)."""

    def __init__(self, app: ASGIApp, check: Callable[[str | None], sessions.Resolved] = _check,
                 needs_setup: Callable[[], bool] = _needs_setup) -> None:
        self.app = app
        self.check = check
        self.needs_setup = needs_setup

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") \
                or not is_page_path(scope.get("path", "/")):
            await self.app(scope, receive, send)
            return
        legacy = _ALIASES.get(scope.get("path", "/"))
        if legacy is not None:  # a bookmark or typed name: the same page at its navigation URL
            query = scope.get("query_string", b"").decode("latin-1")
            response = RedirectResponse(legacy + (f"?{query}" if query else ""), 308)
            await response(scope, receive, send)
            return
        request = Request(scope)
        csrf = request.cookies.get(CSRF_COOKIE)
        new_csrf = None if csrf and len(csrf) >= 32 else secrets.token_urlsafe(32)
        token = request.cookies.get(SESSION_COOKIE)
        if not token and request.headers.get("sec-fetch-site") == "cross-site":
            page = HTMLResponse(signin_html.reload_page(), headers=_NO_STORE)
            await page(scope, receive, send)
            return
        resolved = await run_in_threadpool(self.check, token)
        if resolved.session is not None:
            await self.app(scope, receive, self._with_csrf(send, request, new_csrf))
            return
        code = request.cookies.get(NOTICE_COOKIE) or resolved.ended_reason
        kind, text = notice_text(code) or (None, None)
        body = signin_html.sign_in_page(
            _requested(scope), csrf if new_csrf is None else new_csrf,
            notice=text if kind == "info" else None, error=text if kind == "error" else None,
            setup=await run_in_threadpool(self.needs_setup))
        response = HTMLResponse(body, headers=_NO_STORE)
        if token:
            _clear_session_cookie(response, request)
        if NOTICE_COOKIE in request.cookies:
            response.delete_cookie(NOTICE_COOKIE, path="/")
        if new_csrf is not None:
            self._csrf_cookie(response.headers, request, new_csrf)
        await response(scope, receive, send)

    @staticmethod
    def _csrf_cookie(headers: MutableHeaders, request: Request, value: str) -> None:
        cookie = SimpleCookie()
        cookie[CSRF_COOKIE] = value
        morsel = cookie[CSRF_COOKIE]
        morsel["path"] = "/"
        morsel["max-age"] = CSRF_MAX_AGE
        morsel["httponly"] = True
        morsel["samesite"] = "Strict"
        if cookie_secure(request):
            morsel["secure"] = True
        headers.append("set-cookie", morsel.OutputString())

    def _with_csrf(self, send: Send, request: Request, value: str | None) -> Send:
        if value is None:
            return send

        async def wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._csrf_cookie(headers, request, value)
            await send(message)

        return wrapped
