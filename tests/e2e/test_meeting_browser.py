"""The meeting room and the pictures in Debian's Chromium at 1280x720 and 1920x1080.

Meeting mode of «Xã chậm tiến độ» for Quảng Trị (70 lagging communes): the first screen is
the list itself (at least 8 communes, names at 20 px or more, one line a row, the header in
view), the rest in pages turned by the buttons and the arrow keys, nothing cut. Colours by
status; the tile map of the 63 provinces with the user's province outlined; the PNG images
at their sizes. Screenshots go to tests/_artifacts/screenshots/meeting_*.png.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from core.analytics import quotas, status
from tests.e2e.conftest import SCREENSHOTS, screenshot, wait_for_app
from tests.e2e.test_pages_browser import login, signed_up  # noqa: F401  (the account)

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]
MEETING = "xa-cham?unit=45&date=2024-01-25&meeting=true"

# Elements whose text overflows a box that hides it: a cut label ("Tải Excel (…").
CUT_TEXT = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const cut = [];
  for (const el of main.querySelectorAll('*')) {
    if (!el.offsetParent || !el.textContent.trim() || el.closest('.js-plotly-plot')) continue;
    const css = getComputedStyle(el);
    const hides = ['hidden', 'clip'].includes(css.overflowX) || css.textOverflow === 'ellipsis';
    if (hides && el.scrollWidth > el.clientWidth + 1) cut.push(el.textContent.trim().slice(0, 40));
  }
  if (main.scrollWidth > main.clientWidth + 1) cut.push('page wider than the screen');
  return cut;
}"""

ROWS_ON_SCREEN = """() => {
  const rows = [...document.querySelectorAll('table.asxh-meeting tbody tr')];
  return rows.filter(r => { const b = r.getBoundingClientRect();
                            return b.top >= 0 && b.bottom <= window.innerHeight; }).length;
}"""


def rgb(hex_colour: str) -> str:
    """"#c62828" as the browser writes a computed colour: "rgb(198, 40, 40)"."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture
def sized(browser, request):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                  accept_downloads=True)
    page = context.new_page()
    yield page, width, height
    context.close()


def open_at(page, server, path: str, wait_for: str) -> None:
    page.goto(f"{server.url}/{path}")
    login(page, server)
    page.get_by_text(wait_for).first.wait_for(timeout=60_000)
    wait_for_app(page)


def page_label(page) -> str:
    """"Trang 2/7" from the pager's "Trang 2/7 · Dòng 11–20 trong 70"."""
    text = page.locator(".st-key-meeting_pager p").filter(
        has_text=re.compile(r"^Trang \d")).first.inner_text()
    return text.split(" · ")[0]


def shows(page, row: str, label: str) -> None:
    """Wait until the list starts at `row` and the pager says `label` (the page redraws)."""
    page.wait_for_function(
        """([row, label]) => {
          const tr = document.querySelector('table.asxh-meeting tbody tr');
          const pager = document.querySelector('.st-key-meeting_pager');
          return tr && tr.dataset.row === row && pager
                 && pager.textContent.includes(label + ' ·'); }""",
        arg=[row, label], timeout=30_000)
    wait_for_app(page)
    assert first_row(page) == row and page_label(page) == label


def first_row(page) -> str:
    return page.locator("table.asxh-meeting tbody tr").first.get_attribute("data-row")


@pytest.mark.parametrize("sized", SIZES, indirect=True, ids=["1280x720", "1920x1080"])
def test_meeting_mode_first_screen_is_the_list(server, sized, signed_up):  # noqa: F811
    page, width, height = sized
    open_at(page, server, MEETING, "Thị trấn Khe Sanh")
    table = page.locator("table.asxh-meeting")
    # meeting mode's style hides the sidebar once the page has drawn it: wait, then assert
    expect(page.locator("[data-testid='stSidebar']")).to_be_hidden(timeout=30_000)
    assert page.evaluate(ROWS_ON_SCREEN) >= 8
    names = table.locator("td.name")
    sizes = names.evaluate_all("cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))")
    assert min(sizes) >= 20
    # one line a row: no cell is taller than one line of its text plus its padding
    tall = table.locator("td").evaluate_all("""cells => cells.filter(c => {
        const css = getComputedStyle(c);
        const inner = c.clientHeight - parseFloat(css.paddingTop) - parseFloat(css.paddingBottom);
        return inner > 1.5 * parseFloat(css.lineHeight); }).map(c => c.textContent)""")
    assert tall == []
    header = table.locator("thead th").first.bounding_box()
    assert header["y"] >= 0 and header["y"] + header["height"] <= height
    pager = page.locator(".st-key-meeting_pager").bounding_box()
    assert pager["y"] + pager["height"] <= height  # the pager is on the first screen too
    assert page_label(page) == "Trang 1/7"
    assert page.evaluate(CUT_TEXT) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"meeting_xa_cham_{width}x{height}.png"))


@pytest.mark.parametrize("sized", [SIZES[0]], indirect=True, ids=["1280x720"])
def test_pages_turn_by_button_arrow_key_and_remote(server, sized, signed_up):  # noqa: F811
    page, *_ = sized
    open_at(page, server, MEETING, "Thị trấn Khe Sanh")
    assert first_row(page) == "1"
    page.get_by_role("button", name="Trang sau").click()
    shows(page, "11", "Trang 2/7")
    page.locator("p.asxh-summary").click()  # focus out of the button, as a presenter would
    page.keyboard.press("ArrowRight")
    shows(page, "21", "Trang 3/7")
    page.keyboard.press("ArrowLeft")
    shows(page, "11", "Trang 2/7")
    page.keyboard.press("PageDown")  # a presenter's remote
    shows(page, "21", "Trang 3/7")
    page.keyboard.press("PageUp")
    shows(page, "11", "Trang 2/7")
    assert "trang=2" in page.url
    page.reload()  # F5 keeps the page (the sign-in may ask again)
    login(page, server)
    page.locator("table.asxh-meeting").wait_for(timeout=60_000)
    wait_for_app(page)
    assert first_row(page) == "11"


@pytest.mark.parametrize("sized", [SIZES[0]], indirect=True, ids=["1280x720"])
def test_normal_lagging_page_cuts_nothing_and_colours_by_light(server, sized,
                                                               signed_up):  # noqa: F811
    page, *_ = sized
    open_at(page, server, "xa-cham?unit=45&date=2024-01-25", "Số xã chậm tiến độ")
    bars = page.locator(".js-plotly-plot .trace.bars .point path")
    bars.first.wait_for(timeout=30_000)  # plotly draws after the script has run
    assert page.evaluate(CUT_TEXT) == []
    fills = bars.evaluate_all(
        "paths => paths.map(p => getComputedStyle(p).fill)")
    allowed = {rgb(status.light_colour(x)) for x in (status.RED, status.AMBER, status.GREEN,
                                                     None)}
    assert fills and set(fills) <= allowed


@pytest.mark.parametrize("sized", [SIZES[0]], indirect=True, ids=["1280x720"])
def test_meeting_rows_are_coloured_by_their_light(server, sized, signed_up):  # noqa: F811
    page, *_ = sized
    open_at(page, server, MEETING + "&trang=7", "Trang 7/7")
    # the table's style arrives with the page: wait until its lit cells are filled at all
    page.wait_for_function(
        """() => { const cs = document.querySelectorAll('table.asxh-meeting td.lit');
                   return cs.length > 0 && [...cs].every(
                     c => getComputedStyle(c).backgroundColor !== 'rgba(0, 0, 0, 0)'); }""",
        timeout=30_000)
    cells = page.locator("table.asxh-meeting td.lit").evaluate_all(
        "cs => cs.map(c => [c.closest('tr').dataset.light, getComputedStyle(c).backgroundColor])")
    assert cells
    for light, colour in cells:
        assert colour == rgb(status.light_fill(light))


@pytest.mark.parametrize("sized", SIZES, indirect=True, ids=["1280x720", "1920x1080"])
def test_quota_bars_are_coloured_by_status(server, sized, signed_up, demo_engine):  # noqa: F811
    page, width, height = sized
    open_at(page, server, "chi-tieu?unit=45&date=2024-01-25", "Chỉ tiêu cộng dồn đến hết quý 1")
    with demo_engine.connect() as conn:
        detail = quotas.attainment_detail(conn, "45", dt.date(2024, 1, 25))
    children = detail[detail["level"] == "child"]
    expected = [status.light_colour(status.attainment_light(s)) for s in children["status"]]
    chart = page.locator(".js-plotly-plot").filter(has_text="Đã chi trả qua tài khoản").first
    chart.locator(".trace.bars .point path").first.wait_for(timeout=30_000)
    chart.scroll_into_view_if_needed()
    fills = chart.locator(".trace.bars").first.locator(".point path").evaluate_all(
        "paths => paths.map(p => getComputedStyle(p).fill)")
    assert fills == [rgb(c) for c in expected]
    assert page.evaluate(CUT_TEXT) == []


@pytest.mark.parametrize("sized", [SIZES[0]], indirect=True, ids=["1280x720"])
def test_overview_quota_bar_takes_its_status_colour(
        server, sized, signed_up, demo_engine):  # noqa: F811
    page, *_ = sized
    open_at(page, server, "?unit=45&date=2024-01-25", "Tiến độ so với chỉ tiêu năm")
    with demo_engine.connect() as conn:
        detail = quotas.attainment_detail(conn, "45", dt.date(2024, 1, 25))
    light = status.attainment_light(detail[detail["level"] == "self"].iloc[0]["status"])
    bar = page.locator(f".asxh-bar[data-light='{light}']")
    assert bar.count() == 1
    fill = bar.locator("div div").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert fill == rgb(status.light_colour(light))
    assert page.evaluate(CUT_TEXT) == []


@pytest.mark.parametrize("sized", SIZES, indirect=True, ids=["1280x720", "1920x1080"])
def test_ranking_page_has_the_tile_map_with_the_users_province_outlined(server, sized,
                                                                        signed_up):  # noqa: F811
    page, width, height = sized
    open_at(page, server, "xep-hang?date=2024-01-23&unit=49", "Bản đồ tỷ lệ các tỉnh")
    tile_map = page.locator(".js-plotly-plot").filter(has_text="Viền xanh đậm").first
    tile_map.scroll_into_view_if_needed()
    tiles = tile_map.locator(".shapelayer path")
    assert tiles.count() == 63
    widths = tiles.evaluate_all("ps => ps.map(p => parseFloat(getComputedStyle(p).strokeWidth))")
    assert sorted(widths)[-1] == 5 and sorted(widths)[-2] == 1  # one outline
    outlined = tile_map.evaluate(
        "gd => gd.layout.shapes.filter(s => s.line.width > 1).map(s => s.name)")
    assert outlined == ["49"]
    labels = tile_map.locator(".textpoint").evaluate_all("ts => ts.map(t => t.textContent)")
    assert len(labels) == 63 and any("Quảng" in t and "4,8%" in t for t in labels)
    box = tiles.first.bounding_box()
    assert abs(box["width"] - box["height"]) <= 1.5 and box["width"] >= 30  # squares
    assert page.evaluate(CUT_TEXT) == []
    page.set_viewport_size({"width": width, "height": 2200})
    page.wait_for_timeout(1500)
    screenshot(page, f"meeting_xep_hang_{width}x{height}")


def download(page, label: str, nth: int = 0) -> bytes:
    button = page.get_by_role("button", name=label).nth(nth)
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    with open(info.value.path(), "rb") as fh:
        return fh.read()


@pytest.mark.parametrize("sized", [SIZES[0]], indirect=True, ids=["1280x720"])
def test_the_pictures_download_at_their_sizes(server, sized, signed_up):  # noqa: F811
    page, *_ = sized
    open_at(page, server, "xa-cham?unit=524&date=2024-01-25", "Số xã chậm tiến độ")
    phone = Image.open(io.BytesIO(download(page, "Ảnh gửi Zalo (.png)")))
    assert phone.format == "PNG" and phone.width == 1080 and phone.height > 1920
    chart = Image.open(io.BytesIO(download(page, "Tải ảnh biểu đồ (.png)")))
    assert chart.format == "PNG" and chart.width == 1920
    open_at(page, server, "xep-hang?date=2024-01-23&unit=49", "Bản đồ tỷ lệ các tỉnh")
    tile_map = Image.open(io.BytesIO(download(page, "Tải ảnh biểu đồ (.png)", nth=0)))
    assert tile_map.width == 1920
