"""Page-wide style fixes Streamlit has no option for.

A card's label (st.metric) is cut with "…" when its column is narrow ("Đối tượng đang h…" on
a 1280-pixel screen with five cards): the label wraps onto a second line instead, so that a
reader never has to guess a headline's meaning. An element that only runs a script (ui.keys,
ui.streamlit_words) takes no room: each element of a column adds a gap, even an empty one.
"""

from __future__ import annotations

import streamlit as st

_STYLE = """<style>
[data-testid="stMetricLabel"] .stMarkdownEllipsis,
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child) {
  display: none;
}
</style>"""


def page_style() -> None:
    """Put the stylesheet on the page (from the sidebar: it shifts no element of the page)."""
    with st.sidebar:
        st.html(_STYLE)
