"""Every page in Vietnamese whatever the browser's own language.

Streamlit 1.67 takes the browser's language (`navigator.language`) for what its frontend
writes itself: an office computer whose Chrome is in English shows the date picker with
"January 2025" and weeks starting on Sunday ("S M T W T F S"), where a Vietnamese one shows
"Tháng 1" and "T2 … CN". `VietnameseLocale` is a pure ASGI middleware that puts, first in the
<head> of the page Streamlit serves, a script that makes the page's language Vietnamese before
Streamlit's own code runs (and `lang="vi"` on the document, for screen readers).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LANGUAGE = "vi-VN"

SCRIPT = (
    "<script>(() => {"
    f"const languages = [{LANGUAGE!r}, 'vi'];"
    "for (const [name, value] of [['language', languages[0]], ['languages', languages]]) {"
    "try { Object.defineProperty(Navigator.prototype, name,"
    " { get: () => value, configurable: true }); } catch (e) { /* left as it is */ }"
    "}"
    "document.documentElement.lang = 'vi';"
    "})();</script>"
).encode()


def with_vietnamese(body: bytes) -> bytes:
    """The page with the script first in its <head> (a page without <head> is left as is)."""
    at = body.find(b"<head>")
    if at < 0:
        return body
    at += len(b"<head>")
    return body[:at] + SCRIPT + body[at:]


class VietnameseLocale:
    """Pure ASGI middleware: HTML pages get the script (see module); everything else, and a
    compressed page, passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message["headers"]))
                if (headers.get("content-type", "").startswith("text/html")
                        and "content-encoding" not in headers):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = with_vietnamese(b"".join(chunks))
                headers = MutableHeaders(raw=list(start["headers"]))
                headers["content-length"] = str(len(body))
                await send({**start, "headers": headers.raw})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_page)
