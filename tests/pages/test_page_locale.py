"""Pages are served in Vietnamese whatever the browser's language (ui.page_locale), over real
HTTP requests through Starlette's TestClient: the script goes first in an HTML page's <head>,
the length follows, and nothing else is touched."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui import page_locale

PAGE = "<!doctype html><html><head><title>ASXH</title></head><body>x</body></html>"


async def _page(_request):
    return HTMLResponse(PAGE)


async def _streamed(_request):
    async def parts():
        yield PAGE[:20].encode()
        yield PAGE[20:].encode()
    return StreamingResponse(parts(), media_type="text/html; charset=utf-8")


async def _script(_request):
    return PlainTextResponse("<head>not a page</head>", media_type="application/javascript")


async def _compressed(_request):
    # an encoding the test client leaves as it is: the bytes must come through unchanged
    return Response(b"\x1f\x8b<head>", media_type="text/html",
                    headers={"content-encoding": "x-compressed"})


def _client() -> TestClient:
    app = Starlette(routes=[Route("/", _page), Route("/streamed", _streamed),
                            Route("/app.js", _script), Route("/gz", _compressed)],
                    middleware=[Middleware(page_locale.VietnameseLocale)])
    return TestClient(app)


def test_an_html_page_gets_the_script_first_in_its_head():
    with _client() as client:
        for path in ("/", "/streamed"):
            answer = client.get(path)
            body = answer.content
            assert body.startswith(b"<!doctype html><html><head><script>")
            assert body.index(page_locale.SCRIPT) < body.index(b"<title>")
            assert body.replace(page_locale.SCRIPT, b"") == PAGE.encode()
            assert int(answer.headers["content-length"]) == len(body)
            assert b"'vi-VN'" in page_locale.SCRIPT and b"lang = 'vi'" in page_locale.SCRIPT


def test_everything_else_passes_untouched():
    with _client() as client:
        assert client.get("/app.js").text == "<head>not a page</head>"
        assert client.get("/gz").content == b"\x1f\x8b<head>"
        assert client.head("/").content == b""
    assert page_locale.with_vietnamese(b"<p>no head</p>") == b"<p>no head</p>"
