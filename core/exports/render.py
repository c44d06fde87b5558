"""Plotly figures to PNG for the briefing deck and its PDF, through one warm kaleido renderer.

kaleido 1.x drives a headless Chromium (Debian's /usr/bin/chromium, offline: plotly.js comes
from the plotly package and MathJax is switched off). Starting the browser takes seconds;
a render in a warm browser takes a fraction of one. So the process keeps one renderer: the
browser and its asyncio loop live in a daemon thread, started on first use and kept until
the process ends. Every render goes through one lock (one tab, one request at a time: the
Streamlit server runs sessions in threads), with a timeout; a renderer that fails or times
out is thrown away and started afresh on the next call, so a crashed browser costs one
error, never a hung page.

Rendered images are cached by the figure's JSON and size: the deck and the PDF of the same
briefing draw the same charts, and a meeting downloads both.
"""

from __future__ import annotations

import asyncio
import atexit
import hashlib
import logging
import threading
from collections import OrderedDict
from concurrent.futures import TimeoutError as FutureTimeout

import plotly.graph_objects as go

from core.errors import UserError

START_TIMEOUT_S = 60.0
RENDER_TIMEOUT_S = 60.0
CACHE_ENTRIES = 64
MSG_FAILED = ("Không vẽ được biểu đồ ({reason}). Cần trình duyệt Chromium (gói Debian "
              "«chromium»); thử lại sau ít phút.")

log = logging.getLogger(__name__)


class RenderError(UserError):
    """A chart could not be drawn (no Chromium, a crash, a timeout): said in Vietnamese."""


class Renderer:
    """One kaleido browser in its own event-loop thread; calls are serialised by a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self.renders = 0  # images actually drawn (not served from the cache)

    @property
    def warm(self) -> bool:
        return self._kaleido is not None

    def png(self, fig: go.Figure, width: int, height: int, scale: float = 1.0) -> bytes:
        """The figure as PNG bytes at width x height CSS pixels times `scale`."""
        key = hashlib.sha256(
            f"{fig.to_json()}|{width}|{height}|{scale}".encode()).hexdigest()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            image = self._render(fig, {"format": "png", "width": width, "height": height,
                                        "scale": scale})
            self._cache[key] = image
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
            return image

    def _render(self, fig: go.Figure, opts: dict) -> bytes:
        if not self.warm:
            self._start()
        future = asyncio.run_coroutine_threadsafe(
            self._kaleido.calc_fig(fig, opts=opts), self._loop)
        try:
            image = future.result(RENDER_TIMEOUT_S)
        except FutureTimeout:
            future.cancel()
            self._stop()
            raise RenderError(MSG_FAILED.format(reason="quá thời gian chờ")) from None
        except Exception as err:
            log.exception("kaleido render failed")
            self._stop()
            raise RenderError(MSG_FAILED.format(reason=type(err).__name__)) from err
        self.renders += 1
        return image

    def _start(self) -> None:
        import kaleido

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="kaleido-renderer",
                                  daemon=True)
        thread.start()

        async def open_browser():
            browser = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False)
            await browser.open()
            return browser

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(
                START_TIMEOUT_S)
        except Exception as err:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            log.exception("kaleido did not start")
            reason = "không khởi động được trình duyệt"
            raise RenderError(MSG_FAILED.format(reason=reason)) from err
        self._loop, self._thread = loop, thread

    def _stop(self) -> None:
        """Close the browser and its loop (best effort: it may already be gone)."""
        browser, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if loop is None:
            return
        if browser is not None:
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(10)
            except Exception:  # noqa: BLE001  (closing a broken browser may fail too)
                log.warning("kaleido did not close cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)

    def stop(self) -> None:
        """Close the browser now (tests, the benchmark's cold start, process exit)."""
        with self._lock:
            self._stop()

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


_RENDERER = Renderer()
atexit.register(_RENDERER.stop)


def renderer() -> Renderer:
    """The process's one renderer."""
    return _RENDERER


def png(fig: go.Figure, width: int, height: int, scale: float = 1.0) -> bytes:
    return _RENDERER.png(fig, width, height, scale)
