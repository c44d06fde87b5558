"""The database a page uses: migrated and seeded once per server process, and whether the
demo data set is loaded (the banner). Below ui.access and ui.context, which both need it."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from core import config
from core.demo import bootstrap
from core.storage import db, sources


@st.cache_resource(show_spinner="Đang chuẩn bị cơ sở dữ liệu…")
def _prepared_engine(url: str) -> Engine:
    """Migrate and seed once per server process (demo data into an empty database)."""
    engine = db.get_engine(url)
    bootstrap.prepare(engine)
    bootstrap.settle_process()
    return engine


def ready_engine() -> Engine:
    return _prepared_engine(config.database_url())


@st.cache_data(ttl=60, show_spinner=False)
def demo_loaded(url: str) -> bool:
    with _prepared_engine(url).connect() as conn:
        return sources.is_demo_loaded(conn)
