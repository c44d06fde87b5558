"""The file uploader in Vietnamese.

Streamlit 1.67 writes its uploader's own words in English ("Upload", "20MB per file • XLSX",
"Drag and drop a file here", "Error: … files are not allowed.") and has no locale option.
`vietnamese_texts` puts a stylesheet on the page that hides those words (hidden text is not
read out, copied or found by the browser) and draws the Vietnamese ones in their place; it
targets Streamlit's stable data-testid attributes, so a re-render keeps the Vietnamese.
Call it once on a page that has an st.file_uploader.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import streamlit as st

from core import formatting as fmt

BUTTON = "Chọn tệp"
DROP_HERE = "Thả tệp vào đây"
REFUSED = "Tệp không được nhận: sai loại tệp hoặc quá dung lượng cho phép."


def instructions(limit_mb: float, types: Sequence[str]) -> str:
    """"Kéo thả tệp vào đây hoặc bấm Chọn tệp · tối đa 20 MB · XLSX, XLS, ODS, CSV"."""
    kinds = ", ".join(t.lstrip(".").upper() for t in types)
    size = fmt.number(limit_mb if limit_mb >= 1 else math.ceil(limit_mb * 10) / 10,
                      0 if float(limit_mb).is_integer() else 1)
    text = f"Kéo thả tệp vào đây hoặc bấm «{BUTTON}» · tối đa {size} MB mỗi tệp"
    return f"{text} · {kinds}" if kinds else text


def _css_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stylesheet(limit_mb: float, types: Sequence[str]) -> str:
    """The <style> that swaps Streamlit's English uploader words for Vietnamese ones."""
    zone = 'section[data-testid="stFileUploaderDropzone"]'
    hide = "font-size: 0 !important; visibility: hidden;"
    show = "visibility: visible; white-space: normal;"
    return f"""<style>
{zone} button [data-testid="stMarkdownContainer"] p {{ {hide} }}
{zone} button [data-testid="stMarkdownContainer"] p::after {{
  content: {_css_text(BUTTON)}; font-size: 0.875rem; {show} }}
{zone} [data-testid="stFileUploaderDropzoneInstructions"] span {{ {hide} }}
{zone} [data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: {_css_text(instructions(limit_mb, types))}; font-size: 0.875rem; {show} }}
{zone} > div:not([data-testid]) > span {{ {hide} }}  /* the text while a file is dragged over */
{zone} > div:not([data-testid]) > span::after {{
  content: {_css_text(DROP_HERE)}; font-size: 1rem; {show} }}
[data-testid="stFileChip"] [role="alert"] {{ {hide} }}
[data-testid="stFileChip"] [role="alert"]::after {{
  content: {_css_text(REFUSED)}; font-size: 0.875rem; {show} }}
</style>"""


def vietnamese_texts(limit_mb: float, types: Sequence[str]) -> None:
    """Put the stylesheet on the page. It goes in the sidebar: an element added to the main
    area would shift the page's own elements, and a re-keyed uploader would then linger next
    to its successor until the run ends."""
    with st.sidebar:
        st.html(stylesheet(limit_mb, types))
