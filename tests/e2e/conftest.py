"""A real `streamlit run app.py` server and Debian's Chromium, driven by Playwright.

The server is started fresh by the tests on a free port against the shared demo database.
Screenshots go to tests/_artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "tests" / "_artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url = url
        self.process = process


def start_server(database_url: str) -> Server:
    """Start a fresh Streamlit server; wait until its health endpoint answers.

    The port is a free one picked by the system; workers run side by side, so should another
    process take it before the server binds it, the server exits and is started on another."""
    for _ in range(3):
        server = _start_on_free_port(database_url)
        if server is not None:
            return server
    raise RuntimeError("streamlit did not start: no free port after 3 tries")


def _start_on_free_port(database_url: str) -> Server | None:
    port = _free_port()
    env = {**os.environ, "ASXH_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a busy machine: a wait, not a timed assertion
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and process.poll() is None:  # ours, not another's
                    return Server(url, process)
        except OSError:
            pass
        if process.poll() is not None:
            output = process.stdout.read().decode()
            if f"Port {port} is not available" in output:
                return None
            raise RuntimeError(f"streamlit did not start: {output[-2000:]}")
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not start: {process.stdout.read().decode()[-2000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server(demo_url) -> Iterator[Server]:
    """One server for the session, on the demo database."""
    srv = start_server(demo_url)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is required: apt-get install chromium"
    # How long expect() waits for what the page draws (plotly draws after the script ends):
    # on a busy machine (`make test` runs the other tests meanwhile) more than the default 5 s.
    # A wait, not a timed assertion.
    expect.set_options(timeout=30_000)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="vi-VN")
    pg = context.new_page()
    yield pg
    context.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script (no 'running' indicator)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stMain\"]')",
        timeout=timeout)
    page.wait_for_timeout(500)


LOGIN_FORM = "[data-testid='asxhLoginForm']"


def sign_in_if_asked(page, username: str, password: str, timeout: float = 60_000) -> bool:
    """Fill the sign-in form when it stands at this URL (the HTML page the server answers a
    signed-out request with, or the same form inside the app); True when it did. The form
    posts over HTTP and the browser comes back to the same URL, signed in."""
    page.wait_for_selector(f"{LOGIN_FORM}, [data-testid='stMain']", timeout=timeout)
    if page.locator(LOGIN_FORM).count() == 0:
        wait_for_app(page, timeout)
        return False
    page.get_by_label("Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    with page.expect_navigation(timeout=timeout):
        page.get_by_role("button", name="Đăng nhập").click()
    wait_for_app(page, timeout)
    return True


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def upload_server(databases):
    """A server of its own for the upload tests (they write figures), on a demo database with
    the browser tests' administrator: (server, engine)."""
    from core.access import auth
    from tests.e2e.test_pages_browser import PASSWORD, USERNAME

    engine = databases.new_engine(demo=True)
    with engine.begin() as conn:
        auth.create_user(conn, USERNAME, PASSWORD, "admin", None)
    srv = start_server(engine.url.render_as_string(hide_password=False))
    yield srv, engine
    stop_server(srv)
