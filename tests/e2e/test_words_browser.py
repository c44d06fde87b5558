"""No code and no English on any screen, in a real browser (Debian chromium) on a
`streamlit run` server with the demo data, for each role, at 1280×720 and 1920×1080.

Each user signs in on the home page and clicks through the navigation as people do, reading
each page at one size and then resizing the window to the other; every page's visible text
(icons' ligature names aside) is checked for None / nan / English words left by Streamlit and
its cards for labels cut with "…"; the uploader's words are checked in Vietnamese, and a date
typed in the date box is applied by Enter.
Screenshots: tests/_artifacts/screenshots/words_*.png.
"""

from __future__ import annotations

import contextlib
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from core.access import auth
from core.errors import UserError
from tests.e2e.conftest import screenshot, wait_for_app
from ui.registry import pages_for

pytestmark = pytest.mark.browser

PASSWORD = "Mật khẩu kiểm tra chữ 2024"
USERS = {  # role shown in the test id -> (username, role, unit)
    "admin": ("chu_quantri", "admin", None),
    "leader": ("chu_lanhdao", "leader", "49"),           # Quảng Nam's leadership
    "commune": ("chu_binhtri", "staff", "21061"),        # Xã Bình Trị's clerk
}
VIEWPORTS = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}

# Words of code or English that must never reach a screen.
LEAKS = re.compile(
    r"(?<![\w-])(None|nan|NaN|NaT|<NA>|null|undefined|Traceback|Error|Exception|True|False|"
    r"Upload|Browse files|Drag and drop|per file|Choose an option|No results|Select\.\.\.|"
    r"Press Enter|Running|Please wait|Deploy|Clear|Remove|Skip to main content)(?![\w-])")

# innerText of the page without the Material icons' ligature names ("upload", "search").
VISIBLE_TEXT = """() => {
  const icons = document.querySelectorAll('[data-testid="stIconMaterial"], [translate="no"]');
  const shown = [];
  icons.forEach((e) => { shown.push([e, e.style.display]); e.style.display = "none"; });
  const text = document.body.innerText;
  shown.forEach(([e, d]) => { e.style.display = d; });
  return text;
}"""


# Card labels drawn with "…" (wider than their box): a headline must be read in full.
CUT_CARD_LABELS = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"] *')]
  .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => "cut: " + e.innerText)"""


@pytest.fixture(scope="module")
def accounts(demo_url, server, browser) -> None:
    engine = sa.create_engine(demo_url)
    try:
        with engine.begin() as conn:
            for username, role, unit in USERS.values():
                with contextlib.suppress(UserError):  # the demo database is shared
                    auth.create_user(conn, username, PASSWORD, role, unit)
    finally:
        engine.dispose()


@pytest.fixture
def sized_page(browser, request):
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, server, username: str) -> None:
    page.goto(server.url)
    field = page.get_by_label("Tên đăng nhập", exact=True)
    field.wait_for(timeout=60_000)
    for _attempt in range(3):  # a click landing while the form re-renders can be lost
        field.fill(username)
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        try:
            field.wait_for(state="detached", timeout=15_000)
            break
        except PlaywrightTimeout:
            continue
    wait_for_app(page)


def open_by_navigation(page, title: str) -> None:
    """Click the page's link in the sidebar navigation and wait for its title."""
    link = page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first
    link.click()
    page.wait_for_function(
        "(t) => [...document.querySelectorAll('h1')].some(h => h.innerText.startsWith(t))",
        arg=title.split(" ")[0], timeout=60_000)
    wait_for_app(page)


def visible_text(page) -> str:
    return page.evaluate(VISIBLE_TEXT)


def settle(page) -> None:
    """After a window resize: two animation frames drawn, and no script run under way."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    wait_for_app(page)


@pytest.mark.parametrize("sized_page", ["1280x720"], indirect=True)
@pytest.mark.parametrize("who", list(USERS))
def test_every_page_of_every_role_is_vietnamese(server, accounts, sized_page, who):
    """Each page is read at both window sizes: opened at one, then the window is resized to
    the other (the order alternates from page to page, one resize each), as a user who
    maximises the browser does; one sign-in per role."""
    page = sized_page
    username, role, _unit = USERS[who]
    sign_in(page, server, username)
    titles = [spec.title for spec in pages_for(role)]
    nav = page.locator("[data-testid='stSidebarNav'] a")
    expect(nav).to_have_count(len(titles), timeout=30_000)  # drawn after the script has run
    links = nav.all_inner_texts()
    # each link is its icon's ligature name, then its title
    assert [t.strip().splitlines()[-1] for t in links if t.strip()] == titles
    if role == "leader":
        assert "Tải lên báo cáo" not in titles
    found = {}
    sizes = list(VIEWPORTS.values())
    for index, title in enumerate(titles):
        open_by_navigation(page, title)
        for width, height in sizes if index % 2 == 0 else sizes[::-1]:
            if page.viewport_size["width"] != width:
                page.set_viewport_size({"width": width, "height": height})
                settle(page)
            text = visible_text(page)
            leaks = sorted({m.group(0) for m in LEAKS.finditer(text)})
            cut = page.evaluate(CUT_CARD_LABELS)
            if leaks or cut:
                found[f"{title} {width}×{height}"] = leaks + cut
            if title in ("Tổng quan", "Tải lên báo cáo", "Xã chậm tiến độ"):
                screenshot(page, f"words_{who}_{width}_{title.replace(' ', '_')}")
    assert found == {}, found
    # The link the first Tab shows is Streamlit's, named in Vietnamese, and still a link.
    # The last page («Chất lượng dữ liệu») has a table: its toolbar speaks Vietnamese.
    table = page.locator("[data-testid='stDataFrame']:visible").first
    table.scroll_into_view_if_needed()
    table.hover()
    buttons = table.locator("[data-testid='stElementToolbar'] button")
    expect(buttons.first).to_be_visible(timeout=10_000)
    labels = buttons.evaluate_all("(bs) => bs.map((b) => b.getAttribute('aria-label'))")
    assert labels == ["Hiện/ẩn cột", "Tải bảng này (CSV)", "Tìm trong bảng", "Toàn màn hình"]
    buttons.nth(2).hover()
    expect(page.locator("[data-testid='stTooltipContent']").last).to_have_text(
        "Tìm trong bảng", timeout=10_000)
    page.locator("[data-testid='stSkipToContent']").focus()
    focused = page.evaluate("() => [document.activeElement.dataset.testid,"
                            " document.activeElement.innerText]")
    assert focused == ["stSkipToContent", "Chuyển đến nội dung chính"], focused


@pytest.mark.parametrize("sized_page", ["1280x720"], indirect=True)
@pytest.mark.parametrize("who", ["admin", "commune"])
def test_uploader_speaks_vietnamese(server, accounts, sized_page, who, tmp_path_factory):
    page = sized_page
    sign_in(page, server, USERS[who][0])
    open_by_navigation(page, "Tải lên báo cáo")
    uploader = page.locator("[data-testid='stFileUploader']").first
    uploader.wait_for(timeout=30_000)
    words = page.evaluate("""() => {
      const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
      const button = zone.querySelector('button [data-testid="stMarkdownContainer"] p');
      const help = zone.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span');
      return [getComputedStyle(button, '::after').content,
              getComputedStyle(help, '::after').content];
    }""")
    assert words[0] == '"Chọn tệp"'
    assert words[1].startswith('"Kéo thả tệp vào đây hoặc bấm «Chọn tệp» · tối đa 20 MB mỗi tệp')
    shown = page.evaluate("(e) => e.innerText", uploader.element_handle())
    for english in ("Upload", "per file", "Drag and drop", "Browse"):
        assert english not in shown
    box = uploader.bounding_box()
    page.screenshot(path=str(screenshot(page, f"words_uploader_{who}")), clip=box)
    # the Vietnamese words are drawn inside the box, not cut
    button = uploader.locator("button").first.bounding_box()
    assert button["width"] > 60 and button["x"] + button["width"] <= box["x"] + box["width"]
    # A file dragged over the box: the invitation to drop it, in Vietnamese.
    zone = "[data-testid='stFileUploaderDropzone']"
    dragged = page.evaluate_handle(
        "() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'bc.csv')); return d; }")
    page.dispatch_event(zone, "dragenter", {"dataTransfer": dragged})
    page.dispatch_event(zone, "dragover", {"dataTransfer": dragged})
    drop = page.locator(f"{zone} > div:not([data-testid]) > span")
    drop.wait_for(state="attached", timeout=10_000)  # its English words hidden
    assert drop.evaluate("(e) => getComputedStyle(e, '::after').content") == '"Thả tệp vào đây"'
    page.dispatch_event(zone, "dragleave", {"dataTransfer": dragged})
    # A file chosen: its name and size stay in sight (with the way to remove it), and the
    # drop text is not drawn over them.
    path = tmp_path_factory.mktemp("chosen") / "Bao cao ngay 02.01.2025.csv"
    path.write_text("Đơn vị;Tổng số\n" + "Xã Bình Trị;10\n" * 200, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(path))
    chip = page.locator("[data-testid='stFileChip']")
    chip.wait_for(timeout=30_000)
    wait_for_app(page)
    assert chip.is_visible() and "Bao cao ngay" in chip.locator(
        "[data-testid='stFileChipName']").get_attribute("title")
    assert chip.bounding_box()["height"] > 10
    size = chip.locator("[data-testid='stFileChipName'] + div")
    # 3.823 bytes: Streamlit writes "3.8KB"; every number on screen has a decimal comma
    expect(size).to_have_text(re.compile(r"^3,\d KB$"))
    assert page.locator("[data-testid='stFileChipDeleteBtn'] button").is_visible()
    assert "Thả tệp vào đây" not in page.evaluate(f"""() => [...document.querySelectorAll(
      "{zone} *")].map((e) => getComputedStyle(e, '::after').content).join(' ')""")
    page.screenshot(path=str(screenshot(page, f"words_uploader_chosen_{who}")),
                    clip=uploader.bounding_box())


@pytest.mark.parametrize("sized_page", list(VIEWPORTS), indirect=True)
def test_a_typed_date_is_applied_by_enter(server, accounts, sized_page):
    page = sized_page
    sign_in(page, server, USERS["leader"][0])
    open_by_navigation(page, "Tổng quan")
    assert "Số liệu tính đến ngày 31/12/2024" in visible_text(page)
    day = page.locator("[data-testid='stSidebar'] [data-testid='stDateInput'] "
                       "[data-type='day']").first
    day.scroll_into_view_if_needed()
    box = day.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.type("23012024", delay=40)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.body.innerText.includes('Số liệu tính đến ngày 23/01/2024')",
        timeout=30_000)
    wait_for_app(page)
    text = visible_text(page)
    assert "Toàn tỉnh đạt 4,8%, xếp thứ 58/63" in text
    assert "date=2024-01-23" in page.url


# Streamlit 1.67's column menu of a table, as it draws it (classes and icons left out): a
# canvas draws the header, so the menu is opened here from its own markup.
COLUMN_MENU = """
<div data-testid="stDataFrameColumnMenu"><div role="menu" aria-label="Dataframe column menu">
 <div><div title="number"><span>tag</span></div><div title="Tổng số đối tượng">
  <span>Tổng số đối tượng</span>
  <button title="Copy column name" aria-label="Copy column name"><span>content_copy</span></button>
 </div></div>
 <div role="menuitem"><span><span>arrow_upward</span></span>Sort ascending</div>
 <div role="menuitem"><span><span>arrow_downward</span></span>Sort descending</div>
 <div></div>
 <div role="presentation"><div role="menuitem" aria-haspopup="true"><div>Statistics</div></div>
 </div>
 <div role="presentation"><div role="menuitem" aria-haspopup="menu"><div>Format</div></div>
 </div>
 <div role="menuitem"><span><span>arrows_outward</span></span>Autosize</div>
 <div role="menuitem"><span><span>keep</span></span>Pin column</div>
 <div role="menuitem"><span><span>visibility_off</span></span>Hide column</div>
</div></div>
<div data-testid="stDataFrameColumnVisibilityMenu"><label><span>Select all</span></label>
 <label><span>(index)</span></label><label><span>Tỷ lệ</span></label></div>
<section aria-label="Sidebar"><nav aria-label="App pages"></nav></section>
<div data-testid="stFileChip"><div data-testid="stFileChipName">bc.xlsx</div><div>5.7KB</div></div>
<div data-testid="stDialog"><section role="dialog"><button aria-label="Close"></button>
 <h2>Connection error</h2><div><div>""" + (
    "Is Streamlit still running? If you accidentally stopped Streamlit, just restart it in your "
    "terminal:") + """</div><div data-testid="stErrorCodeBlock">
 <pre><code>streamlit run yourscript.py</code></pre></div></div></section></div>
<p id="ours">Search</p>"""


def test_streamlit_menus_and_sizes_are_rewritten_in_vietnamese(browser):
    from ui import streamlit_words

    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(f"<body>{streamlit_words._STYLE}{COLUMN_MENU}</body>")
        page.add_script_tag(content=streamlit_words.script().removeprefix("<script>")
                            .removesuffix("</script>"))
        menu = page.locator("[role='menu']")
        expect(menu).to_have_attribute("aria-label", "Tùy chọn của cột")
        items = menu.locator("[role='menuitem']")
        shown = items.evaluate_all("(es) => es.filter((e) => e.offsetParent !== null)"
                                   ".map((e) => e.lastChild.nodeValue)")
        assert shown == [
            "Sắp xếp tăng dần", "Sắp xếp giảm dần", "Vừa cột theo nội dung", "Ghim cột", "Ẩn cột"]
        assert not page.get_by_text("Statistics").is_visible()  # figures the English way
        assert not page.get_by_text("Format").is_visible()  # dollars, euros and yen
        assert page.locator("[title='Cột số']").count() == 1
        assert menu.get_by_role("button").get_attribute("aria-label") == "Chép tên cột"
        assert page.locator("[data-testid='stFileChipName'] + div").inner_text() == "5,7 KB"
        assert page.locator("[data-testid='stDataFrameColumnVisibilityMenu'] span"
                            ).all_inner_texts() == ["Chọn tất cả", "(số thứ tự dòng)", "Tỷ lệ"]
        assert page.locator("nav").get_attribute("aria-label") == "Các trang"
        # The server out of reach: what happens, in Vietnamese, without a developer's command.
        dialog = page.locator("[role='dialog']")
        expect(dialog.locator("h2")).to_have_text("Mất kết nối với máy chủ")
        assert dialog.inner_text().split("\n") == [
            "Mất kết nối với máy chủ",
            "Máy chủ không chạy. Trang tự kết nối lại khi máy chủ chạy trở lại; nếu lâu, hãy báo "
            "cán bộ quản trị."]
        # The page's own words are not Streamlit's: left as they are.
        assert page.locator("#ours").inner_text() == "Search"
        # Drawn anew (React remounts a menu): rewritten again.
        page.evaluate("""() => document.body.insertAdjacentHTML('beforeend',
            '<div data-baseweb="popover"><div role="menuitem">Unpin column</div></div>')""")
        expect(page.locator("[data-baseweb='popover']")).to_have_text("Bỏ ghim cột")
    finally:
        context.close()


def test_a_browser_in_english_still_gets_the_pages_in_vietnamese(server, accounts, browser):
    """An office computer whose Chrome is in English: the date picker Streamlit draws says
    «Tháng 1» and starts its weeks on Monday (T2), not «January» and Sunday."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, server, USERS["leader"][0])
        assert page.evaluate("() => [navigator.language, document.documentElement.lang]") == [
            "vi-VN", "vi"]
        # The elements that only run the page's scripts take no room (no gap in the sidebar).
        assert page.evaluate("""() => [...document.querySelectorAll(
            '[data-testid="stSidebar"] [data-testid="stHtml"] > script')].map((s) =>
            getComputedStyle(s.closest('[data-testid="stElementContainer"]')).display)""") == [
            "none", "none"]
        # the calendar button, named in Vietnamese too (ui.streamlit_words)
        page.locator("[data-testid='stSidebar']").get_by_role("button", name="Chọn ngày").click()
        page.locator("[role='dialog']").first.wait_for(timeout=30_000)
        text = visible_text(page)
        assert "Tháng" in text and "T2" in text and "CN" in text, text[-600:]
        leaks = sorted({m.group(0) for m in LEAKS.finditer(text)})
        assert leaks == [] and not re.search(r"January|February|December|Sunday|Monday", text)
        screenshot(page, "words_calendar_in_an_english_browser")
    finally:
        context.close()
