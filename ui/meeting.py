"""Meeting mode: a list projected at 1280x720 and larger, one page at a time.

The list is an HTML table built here (every text escaped) rather than st.dataframe, which
draws in a canvas: its type size, row heights and widths are then the page's own, set by
CSS and measurable in the browser. Type grows with the screen's height (at least 20 px at
720 px), rows never wrap, and the header row stays in view. Pages turn with the buttons, the
arrow keys (the buttons' shortcuts), or by themselves every few seconds if asked; the page
travels in the URL (`trang`) so F5 keeps it.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass

import streamlit as st

from core.analytics.status import NEUTRAL, light_fill
from core.exports import meeting

PAGE_KEY, ROWS_KEY, AUTO_KEY = "trang", "dong", "tu_chuyen"
_TURNED_AT = "_meeting_turned_at"

STYLE = f"""
<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], div[data-testid="stToolbar"] {{ display: none; }}
div[data-testid="stMainBlockContainer"] {{ padding: 0.5rem 1.5rem 2rem; max-width: 100%; }}
div[data-testid="stMain"] div[data-testid="stVerticalBlock"] {{ gap: 0.55rem; }}
div[data-testid="stMarkdownContainer"] p {{ color: #000; }}
h1 {{ font-size: clamp(1.6rem, 4.4vh, 2.8rem) !important; color: #000; padding: 0 !important;
      line-height: 1.25 !important; }}
h2, h3 {{ font-size: clamp(1.4rem, 3.6vh, 2.2rem) !important; color: #000; }}
.st-key-demo_note div[data-testid="stAlert"] > div {{ padding: 0.3rem 0.8rem; }}
.st-key-demo_note div[data-testid="stAlert"] p {{ font-size: 1rem; }}
.asxh-summary {{ font-size: clamp(1.05rem, 2.6vh, 1.6rem); color: #000; margin: 0;
                 line-height: 1.35; }}
table.asxh-meeting {{ width: 100%; border-collapse: separate; border-spacing: 0;
                      font-size: clamp(20px, 3.1vh, 34px); line-height: 1.3; color: #000; }}
table.asxh-meeting th {{ position: sticky; top: 0; background: {NEUTRAL}; color: #fff;
                         font-size: 0.8em; font-weight: 700; text-align: left;
                         padding: 0.3em 0.5em; white-space: nowrap; }}
table.asxh-meeting td {{ padding: 0.25em 0.5em; white-space: nowrap;
                         border-bottom: 1px solid #b0bec5; }}
table.asxh-meeting tr:nth-child(even) td {{ background: #f5f7f9; }}
table.asxh-meeting td.num, table.asxh-meeting th.num {{ text-align: right; }}
table.asxh-meeting td.name {{ font-weight: 700; }}
table.asxh-meeting td.lit {{ background: var(--fill) !important; }}
.st-key-meeting_clicker {{ display: none; }}
.st-key-meeting_pager p, .st-key-meeting_pager button {{ font-size: clamp(1rem, 2.4vh, 1.5rem); }}
</style>
"""


@dataclass(frozen=True)
class Column:
    """One column of a projected list: header, and whether it holds numbers or the name."""

    label: str
    kind: str = "text"  # text | name | num | lit (filled with the row's light)


def style() -> None:
    """Projector mode: no sidebar or toolbar, large high-contrast type."""
    st.markdown(STYLE, unsafe_allow_html=True)


def summary(text: str) -> None:
    """One line under the title (escaped)."""
    st.html(f'<p class="asxh-summary">{html.escape(text)}</p>')


def table_html(columns: list[Column], rows: list[list[str]], lights: list[str | None],
               first_number: int = 1) -> str:
    """The rows as an HTML table; cells of kind "lit" take the row's light (analytics.status)."""
    head = "".join(f'<th class="{"num" if c.kind == "num" else ""}" scope="col">'
                   f"{html.escape(c.label)}</th>" for c in columns)
    body = []
    for i, (values, light) in enumerate(zip(rows, lights, strict=True), start=first_number):
        fill = light_fill(light)
        cells = []
        for column, value in zip(columns, values, strict=True):
            css = column.kind if column.kind != "lit" or fill else ""
            attrs = f' style="--fill: {fill}"' if column.kind == "lit" and fill else ""
            cells.append(f'<td class="{css}"{attrs}>{html.escape(value)}</td>')
        body.append(f'<tr data-row="{i}" data-light="{light or ""}">{"".join(cells)}</tr>')
    return (f'<table class="asxh-meeting"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def paged_list(columns: list[Column], rows: list[list[str]],
               lights: list[str | None]) -> meeting.Paging:
    """The page of the list asked for, with its pager under it; returns the paging shown."""
    _read_url()
    per_page = int(st.session_state.get(ROWS_KEY, meeting.ROWS_PER_PAGE))
    paging = meeting.paginate(len(rows), per_page, st.session_state.get(PAGE_KEY))
    st.session_state[PAGE_KEY] = paging.current
    st.query_params[PAGE_KEY] = str(paging.current)
    st.html(table_html(columns, rows[paging.start:paging.stop],
                       lights[paging.start:paging.stop], paging.start + 1))
    _pager(paging)
    return paging


def _read_url() -> None:
    if PAGE_KEY not in st.session_state and PAGE_KEY in st.query_params:
        st.session_state[PAGE_KEY] = st.query_params[PAGE_KEY]


def _turn(paging: meeting.Paging, step: int, wrap: bool = False) -> None:
    st.session_state[PAGE_KEY] = paging.turned(step, wrap)


def _pager(paging: meeting.Paging) -> None:
    bar = st.container(horizontal=True, vertical_alignment="center", key="meeting_pager")
    bar.button("Trang trước", icon=":material/chevron_left:", key="page_previous",
               shortcut="Left", disabled=paging.current == 1, on_click=_turn,
               args=(paging, -1))
    bar.markdown(f"**{paging.label}** · {paging.span}")
    bar.button("Trang sau", icon=":material/chevron_right:", icon_position="right",
               key="page_next", shortcut="Right", disabled=paging.current == paging.count,
               on_click=_turn, args=(paging, 1))
    bar.selectbox("Số dòng mỗi trang", meeting.ROWS_CHOICES, key=ROWS_KEY,
                  index=meeting.ROWS_CHOICES.index(meeting.ROWS_PER_PAGE),
                  bind="query-params", width=170, label_visibility="collapsed",
                  format_func=lambda n: f"{n} dòng/trang")
    # A presenter's remote sends PageDown and PageUp: the same turns, on buttons kept out of
    # sight (their shortcuts still listen).
    clicker = st.container(key="meeting_clicker")
    clicker.button("Trang sau", key="page_down", shortcut="PageDown",
                   disabled=paging.current == paging.count, on_click=_turn, args=(paging, 1))
    clicker.button("Trang trước", key="page_up", shortcut="PageUp",
                   disabled=paging.current == 1, on_click=_turn, args=(paging, -1))
    auto = bar.toggle(f"Tự chuyển trang ({meeting.AUTO_SECONDS} giây)", key=AUTO_KEY,
                      bind="query-params", disabled=paging.count == 1)
    if auto and paging.count > 1:
        st.session_state[_TURNED_AT] = time.monotonic()
        _auto_turn(paging)


@st.fragment(run_every=meeting.AUTO_SECONDS)
def _auto_turn(paging: meeting.Paging) -> None:
    """Runs with the page, then alone every AUTO_SECONDS: a run of its own turns the page
    (round to the first after the last) and redraws the list. A whole-page run (a click,
    a key) resets the clock first, so a page never turns right after a person turned it."""
    waited = time.monotonic() - st.session_state.get(_TURNED_AT, time.monotonic())
    if waited >= meeting.AUTO_SECONDS - 1:
        _turn(paging, 1, wrap=True)
        st.rerun()
