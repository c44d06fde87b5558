"""Streamlit's own words in Vietnamese.

Streamlit 1.67 writes some words of its own in English and has no locale option: the link the
first Tab shows ("Skip to main content"), the table toolbar's buttons and their tooltips, the
table column menu, and the chosen file's size in the uploader ("5.7KB"). One script per browser
tab (every page installs it; it runs once) rewrites them from the table below as they appear.
The column menu's "Statistics" and "Format" submenus are left out of the menu instead: their
figures are written the English way and their formats are dollars, euros and yen.

The uploader's box is a stylesheet of its own (ui.uploader): those words are drawn by CSS.
"""

from __future__ import annotations

import json

import streamlit as st

# Streamlit's English -> what the screen says. Texts are rewritten only in Streamlit's own
# parts (the skip link, tooltips, the tables' menus and pop-ups); labels (aria-label) anywhere,
# whole labels only: the page's own words are Vietnamese and never match.
WORDS = {
    "Skip to main content": "Chuyển đến nội dung chính",
    "Show/hide columns": "Hiện/ẩn cột",
    "Download as CSV": "Tải bảng này (CSV)",
    "Search": "Tìm trong bảng",
    "Close Search": "Đóng ô tìm",
    "Next Result": "Kết quả sau",
    "Previous Result": "Kết quả trước",
    "Fullscreen": "Toàn màn hình",
    "Close fullscreen": "Thoát toàn màn hình",
    "Dataframe column menu": "Tùy chọn của cột",
    "Sort ascending": "Sắp xếp tăng dần",
    "Sort descending": "Sắp xếp giảm dần",
    "Autosize": "Vừa cột theo nội dung",
    "Pin column": "Ghim cột",
    "Unpin column": "Bỏ ghim cột",
    "Hide column": "Ẩn cột",
    "Copy column name": "Chép tên cột",
    "Copied": "Đã chép",
    "Select all": "Chọn tất cả",
    "(index)": "(số thứ tự dòng)",
    "Clear selection": "Bỏ chọn",
    "Sidebar": "Thanh bên",
    "Collapse sidebar": "Thu gọn thanh bên",
    "Expand sidebar": "Mở thanh bên",
    "App pages": "Các trang",
    "Show password": "Hiện mật khẩu",
    "Hide password": "Ẩn mật khẩu",
    "Open": "Mở danh sách",
    "Close": "Đóng",
    "Choose date": "Chọn ngày",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
        "Dùng các phím mũi tên để đi giữa các ngày, Enter để chọn, Esc để đóng.",
    "Decrement": "Giảm",
    "Increment": "Tăng",
    "Link to heading": "Liên kết đến mục này",
    # The dialog when the server cannot be reached (network down, server restarting): the
    # page reconnects by itself once the server answers.
    "Connection error": "Mất kết nối với máy chủ",
    "Streamlit server is not responding. Are you connected to the internet?":
        "Máy chủ không trả lời. Hãy kiểm tra kết nối mạng; trang tự kết nối lại khi máy chủ "
        "trả lời.",
    "Is Streamlit still running? If you accidentally stopped Streamlit, just restart it in "
    "your terminal:":
        "Máy chủ không chạy. Trang tự kết nối lại khi máy chủ chạy trở lại; nếu lâu, hãy báo "
        "cán bộ quản trị.",
    "Dismiss": "Đóng",
    "Copy to clipboard": "Chép",
    "number": "Cột số",
    "text": "Cột chữ",
    "date": "Cột ngày",
    "datetime": "Cột ngày giờ",
    "checkbox": "Cột đánh dấu",
}

_SCRIPT = """<script>
(() => {
  if (window.__asxhStreamlitWords) return;
  window.__asxhStreamlitWords = true;
  const WORDS = WORDS_JSON;
  // Where Streamlit writes its own words: never the page's content.
  const PARTS = '[data-testid="stDataFrameColumnMenu"], [data-testid="stTooltipContent"], '
    + '[data-testid="stDataFrameColumnVisibilityMenu"], [data-baseweb="popover"], '
    + '[data-testid="stDialog"]';
  // Labels read out by screen readers (and some shown as tooltips): whole English labels only.
  const LABELLED = '[aria-label], [data-testid="stDataFrameColumnMenu"] [title]';
  const texts = (root) => {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      const said = WORDS[node.nodeValue.trim()];
      if (said !== undefined) node.nodeValue = said;
    }
  };
  const size = (text) => {  // "5.7KB" -> "5,7 KB", "42.0B" -> "42 B"
    const found = /^(\\d+)(?:\\.(\\d+))?\\s*([KMGT]?B)$/.exec(text.trim());
    if (!found) return null;
    const [, whole, part, unit] = found;
    return (part && part !== "0" ? `${whole},${part}` : whole) + " " + unit;
  };
  const rewrite = () => {
    const link = document.querySelector('[data-testid="stSkipToContent"]');
    if (link && WORDS[link.textContent] !== undefined) link.textContent = WORDS[link.textContent];
    document.querySelectorAll(PARTS).forEach(texts);
    document.querySelectorAll(LABELLED).forEach((e) => {
      for (const name of ["aria-label", "title"]) {
        const said = WORDS[e.getAttribute(name)];
        if (said !== undefined) e.setAttribute(name, said);
      }
    });
    document.querySelectorAll('[data-testid="stFileChipName"] + div').forEach((e) => {
      const said = size(e.textContent);
      if (said !== null && said !== e.textContent) e.textContent = said;
    });
  };
  rewrite();
  new MutationObserver(rewrite).observe(document.body, { childList: true, subtree: true });
})();
</script>"""

# The column menu's submenus (statistics, number formats) and the separator before them; the
# command to restart the server that the connection dialog shows ("streamlit run ...").
_STYLE = """<style>
[data-testid="stDataFrameColumnMenu"] [role="presentation"]:has(> [aria-haspopup]),
[data-testid="stDataFrameColumnMenu"] [role="menu"] > div:empty,
[data-testid="stDialog"] [data-testid="stErrorCodeBlock"] { display: none !important; }
</style>"""


def script() -> str:
    """The <script> that rewrites Streamlit's words, with the table above in it."""
    return _SCRIPT.replace("WORDS_JSON", json.dumps(WORDS, ensure_ascii=False))


def install() -> None:
    """Put the script and the menu's style on the page (from the sidebar: nothing shows)."""
    with st.sidebar:
        st.html(script(), unsafe_allow_javascript=True)
        st.html(_STYLE)
