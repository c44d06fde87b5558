"""The sign-in routes and the gate middleware over real HTTP requests (Starlette's TestClient),
around a stand-in for Streamlit's own app, on a real database."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from core.access import audit, auth, sessions
from ui import auth_http

pytestmark = pytest.mark.postgres

PASSWORD = "Mật khẩu đúng 2024"
ORIGIN = "http://testserver"
STREAMLIT = "the Streamlit app would answer here"


async def _streamlit(request):
    return PlainTextResponse(STREAMLIT)


@pytest.fixture
def engine(databases, monkeypatch):
    engine = databases.new_engine()
    with engine.begin() as conn:
        auth.create_user(conn, "binhson", PASSWORD, "staff", "524")
    monkeypatch.setenv("ASXH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine):
    app = Starlette(routes=[*auth_http.routes(), Route("/{path:path}", _streamlit)],
                    middleware=[Middleware(auth_http.SignInGate)])
    with TestClient(app, base_url=ORIGIN, follow_redirects=False) as c:
        yield c


def _csrf(client, path="/") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _login(client, password=PASSWORD, origin=ORIGIN, csrf=None, next_path="/xa-cham?unit=45",
           headers=None):
    token = _csrf(client) if csrf is None else csrf
    return client.post("/auth/login", data={
        "username": "binhson", "password": password, "csrf_token": token, "next": next_path},
        headers={"origin": origin, **(headers or {})})


def _log(engine, **filters):
    with engine.connect() as conn:
        return audit.query(conn, **filters)


def test_a_signed_out_page_url_gets_the_sign_in_form_there_and_never_the_app(client):
    for path in ("/", "/?unit=45&date=2024-01-23", "/xa-cham?unit=45", "/quan-tri"):
        page = client.get(path)
        assert page.status_code == 200 and STREAMLIT not in page.text
        assert 'action="/auth/login"' in page.text and "Tên đăng nhập" in page.text
        assert page.headers["cache-control"] == "no-store"
        escaped = path.replace("&", "&amp;")
        assert f'name="next" value="{escaped}"' in page.text
    cookie = client.get("/", headers={"cookie": ""}).headers["set-cookie"]
    assert cookie.startswith("asxh_csrf=") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie


def test_assets_and_streamlit_endpoints_pass_and_legacy_names_redirect(client):
    for path in ("/_stcore/health", "/static/js/main.js", "/favicon.png"):
        assert client.get(path).text == STREAMLIT
    moved = client.get("/quan_tri?tab=1")
    assert moved.status_code == 308 and moved.headers["location"] == "/quan-tri?tab=1"
    for home in ("/tong-quan?unit=45", "/tong_quan?unit=45"):  # the navigation serves it at /
        assert client.get(home).headers["location"] == "/?unit=45"


def test_signing_in_sets_an_httponly_strict_cookie_and_lands_on_the_page_asked_for(client,
                                                                                   engine):
    answer = _login(client)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/xa-cham?unit=45"
    cookie = next(c for c in answer.headers.get_list("set-cookie")
                  if c.startswith("asxh_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert "Max-Age=604800" in cookie  # a week: the absolute lifetime
    token = cookie.split(";")[0].split("=", 1)[1]
    assert PASSWORD not in answer.headers["location"]
    assert client.get("/xa-cham?unit=45").text == STREAMLIT
    log = _log(engine, username="binhson")
    assert {audit.LOGIN, audit.SESSION_START} <= set(log["action"])
    assert token not in log.to_string() and PASSWORD not in log.to_string()


def test_the_cookie_is_secure_behind_https(client, monkeypatch):
    proxied = _login(client, headers={"x-forwarded-proto": "https"})
    assert "Secure" in proxied.headers["set-cookie"]
    monkeypatch.setenv(auth_http.SECURE_ENV, "1")  # configured: every cookie is Secure
    client.cookies.clear()
    assert "Secure" in client.get("/").headers["set-cookie"]


def test_a_forged_sign_in_post_is_refused_and_audited(client, engine):
    other_site = _login(client, origin="http://evil.example")
    assert other_site.status_code == 403 and "asxh_session" not in str(other_site.headers)
    assert "giả mạo" in other_site.text
    no_token = _login(client, csrf="")
    wrong_token = _login(client, csrf="x" * 43)
    no_origin = client.post("/auth/login", data={
        "username": "binhson", "password": PASSWORD, "csrf_token": _csrf(client)})
    for answer in (no_token, wrong_token, no_origin):
        assert answer.status_code == 403 and "asxh_session" not in str(answer.headers)
    refused = _log(engine, action=audit.LOGIN, ok=False)
    assert len(refused) == 4
    assert set(d["reason"] for d in refused["detail"]) == {"forged_request"}
    assert PASSWORD not in refused.to_string()
    assert client.get("/").text != STREAMLIT


def test_a_wrong_password_comes_back_to_the_form_with_the_message(client):
    answer = _login(client, password="sai mật khẩu")
    assert answer.status_code == 303 and "asxh_session" not in str(answer.headers)
    page = client.get(answer.headers["location"])
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in page.text and STREAMLIT not in page.text
    assert "Tên đăng nhập hoặc mật khẩu không đúng" not in client.get("/").text  # shown once


@pytest.mark.parametrize("target", ["//evil.example/x", "http://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_only_local_pages_are_landed_on(client, target):
    assert _login(client, next_path=target).headers["location"] == "/"


def test_sign_out_clears_the_cookie_and_a_copied_cookie_opens_nothing(client, engine):
    cookie = _login(client).headers["set-cookie"]
    token = re.search(r"asxh_session=([^;]+)", cookie).group(1)
    csrf = client.cookies.get(auth_http.CSRF_COOKIE)
    answer = client.post("/auth/logout", data={"csrf_token": csrf, "next": "/xep-hang"},
                         headers={"origin": ORIGIN})
    assert answer.status_code == 303 and answer.headers["location"] == "/xep-hang"
    assert 'asxh_session=""' in answer.headers["set-cookie"]
    assert "Bạn đã đăng xuất." in client.get("/xep-hang").text
    client.cookies.set(auth_http.SESSION_COOKIE, token)  # the copy, sent again
    again = client.get("/xep-hang")
    assert STREAMLIT not in again.text and 'action="/auth/login"' in again.text
    assert _log(engine, action=audit.LOGOUT)["target"].tolist() == ["binhson"]


def test_sign_out_everywhere_and_forged_sign_out(client, engine):
    _login(client)
    with engine.begin() as conn:
        other = sessions.start(conn, "binhson")
    forged = client.post("/auth/logout", data={"csrf_token": "x" * 43, "everywhere": "1"},
                         headers={"origin": ORIGIN})
    assert forged.status_code == 403
    assert client.get("/").text == STREAMLIT
    csrf = client.cookies.get(auth_http.CSRF_COOKIE)
    client.post("/auth/logout", data={"csrf_token": csrf, "everywhere": "1"},
                headers={"origin": ORIGIN})
    with engine.begin() as conn:
        assert sessions.resolve(conn, other).ended_reason == sessions.EVERYWHERE


def test_the_first_administrator_is_created_over_http_once(databases, monkeypatch):
    fresh = databases.new_engine()
    monkeypatch.setenv("ASXH_DATABASE_URL", fresh.url.render_as_string(hide_password=False))
    app = Starlette(routes=[*auth_http.routes(), Route("/{path:path}", _streamlit)],
                    middleware=[Middleware(auth_http.SignInGate)])
    with TestClient(app, base_url=ORIGIN, follow_redirects=False) as client:
        page = client.get("/")
        assert "Thiết lập lần đầu" in page.text
        csrf = client.cookies.get(auth_http.CSRF_COOKIE)
        form = {"username": "quantri", "password": PASSWORD, "repeated": PASSWORD + "x",
                "csrf_token": csrf}
        mismatch = client.post("/auth/setup", data=form, headers={"origin": ORIGIN})
        assert mismatch.status_code == 400 and "không khớp" in mismatch.text
        form["repeated"] = PASSWORD
        made = client.post("/auth/setup", data=form, headers={"origin": ORIGIN})
        assert made.status_code == 303 and "asxh_session=" in made.headers["set-cookie"]
        assert client.get("/").text == STREAMLIT
        client.cookies.clear()
        assert "Thiết lập lần đầu" not in client.get("/").text
    fresh.dispose()
