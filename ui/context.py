"""What every page does first: page settings, a ready database, access check, demo banner.

`open_page` never returns without a signed-in account allowed on the page: otherwise it draws
the sign-in form (or a refusal) and stops the script. User text a page shows through
st.markdown goes through `escape_md`.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine

from core import config
from core.access import permissions
from core.access.permissions import Account
from ui import access, keys, streamlit_words, style
from ui.access import escape_md  # noqa: F401  (pages escape user text with it)
from ui.engine import demo_loaded, ready_engine
from ui.registry import BY_KEY

# A card's label wraps instead of ending in "…": "Chỉ tiêu cộng dồn đến hết quý 1" is read
# whole in a quarter of a 1280 px screen.
PAGE_STYLE = """<style>
[data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
</style>"""


@dataclass(frozen=True)
class PageContext:
    """What a page needs after the gate: the database and the signed-in account."""

    engine: Engine
    user: Account

    @property
    def home_unit(self) -> str | None:
        """The unit the page opens on: the user's own, or the whole country (None)."""
        return permissions.home_unit(self.user)

    def can_view(self, unit_code: str | None) -> bool:
        """unit_code None is the national view; see core.access.permissions.can_view."""
        return permissions.can_view(self.user, unit_code)

    def can_open(self, key: str) -> bool:
        """Whether to offer a link to page `key`: st.page_link raises for a page that is not
        in this user's navigation (e.g. «Tải lên báo cáo» for a leader)."""
        spec = BY_KEY[key]
        return spec.exists() and permissions.can_open(self.user, spec.roles)


def open_page(key: str) -> PageContext:
    """Call first in every page: stops the script unless the visitor may see this page."""
    spec = BY_KEY[key]
    st.set_page_config(page_title=f"{spec.title} · ASXH", page_icon=":material/bar_chart:",
                       layout="wide")
    st.html(PAGE_STYLE)
    engine = ready_engine()
    user = access.require(spec, engine)
    with st.sidebar:
        keys.enter_applies_dates()
    streamlit_words.install()
    style.page_style()
    if demo_loaded(config.database_url()):
        st.container(key="demo_note").warning(
            "**Dữ liệu mẫu (demo)** — số liệu minh họa, không phải số liệu thật.",
            icon=":material/science:")
    return PageContext(engine, user)
