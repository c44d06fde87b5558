"""What every page does first: page settings, a ready database, access check, demo banner."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine

from core import bootstrap, config, db, demo, permissions
from core.permissions import Account
from ui import access
from ui.registry import BY_KEY


@st.cache_resource(show_spinner="Đang chuẩn bị cơ sở dữ liệu…")
def _prepared_engine(url: str) -> Engine:
    """Migrate and seed once per server process (demo data into an empty database)."""
    engine = db.get_engine(url)
    bootstrap.prepare(engine)
    return engine


def ready_engine() -> Engine:
    return _prepared_engine(config.database_url())


@st.cache_data(ttl=60, show_spinner=False)
def _demo_loaded(url: str) -> bool:
    with _prepared_engine(url).connect() as conn:
        return demo.is_demo_loaded(conn)


@dataclass(frozen=True)
class PageContext:
    engine: Engine
    user: Account | None

    @property
    def home_unit(self) -> str | None:
        """The unit the page opens on: the user's own, or the whole country (None)."""
        return None if self.user is None else permissions.home_unit(self.user)

    def can_view(self, unit_code: str | None) -> bool:
        return self.user is None or permissions.can_view(self.user, unit_code)


def open_page(key: str) -> PageContext:
    """Call first in every page: stops the script unless the visitor may see this page."""
    spec = BY_KEY[key]
    st.set_page_config(page_title=f"{spec.title} · ASXH", page_icon=":material/bar_chart:",
                       layout="wide")
    engine = ready_engine()
    user = access.require(spec)
    if _demo_loaded(config.database_url()):
        st.warning("**Dữ liệu mẫu (demo)** — số liệu minh họa, không phải số liệu thật.",
                   icon=":material/science:")
    return PageContext(engine, user)
