"""Cached reads for the pages «Tiến độ báo cáo» and «Chất lượng dữ liệu».

Keyed like ui.data: the database URL and the data version (any applied or reverted upload
changes it), plus the settings for timeliness (deadlines and reporting levels change the
verdicts). Explanations of findings are not cached: they change without a new upload, and
reading them is one small query.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from core.access import settings
from core.analytics import funnel, quality, timeliness

_CACHE = {"show_spinner": False, "max_entries": 128}


@st.cache_data(**_CACHE)
def _timeliness(_engine: Engine, url: str, version: tuple, values: settings.Settings,
                unit: str, day: dt.date) -> pd.DataFrame:
    with _engine.connect() as conn:
        return timeliness.timeliness(conn, unit, day, values)


@st.cache_data(**_CACHE)
def _history(_engine: Engine, url: str, version: tuple, values: settings.Settings,
             unit: str, since: dt.date, until: dt.date) -> pd.DataFrame:
    with _engine.connect() as conn:
        return timeliness.history(conn, unit, since, until, values)


@st.cache_data(**_CACHE)
def _findings(_engine: Engine, url: str, version: tuple, unit: str, since: dt.date,
              until: dt.date) -> pd.DataFrame:
    with _engine.connect() as conn:
        return quality.run(quality.load_scope(conn, unit, since, until))


@st.cache_data(**_CACHE)
def _funnel(_engine: Engine, url: str, version: tuple, unit: str, day: dt.date,
            group: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    with _engine.connect() as conn:
        return (funnel.funnel(conn, unit, day, group),
                funnel.unresolved(conn, unit, day, group, limit=None))


def settings_now(engine: Engine) -> settings.Settings:
    with engine.connect() as conn:
        return settings.load(conn)


def timeliness_on(data, values: settings.Settings, unit: str, day: dt.date) -> pd.DataFrame:
    """`data` is the page's ui.data.Data (engine, URL, version)."""
    return _timeliness(data.engine, data.url, data.version, values, unit, day)


def history(data, values: settings.Settings, unit: str, since: dt.date,
            until: dt.date) -> pd.DataFrame:
    return _history(data.engine, data.url, data.version, values, unit, since, until)


def findings(data, unit: str, since: dt.date, until: dt.date) -> pd.DataFrame:
    """Findings with their current explanations."""
    found = _findings(data.engine, data.url, data.version, unit, since, until)
    with data.engine.connect() as conn:
        return quality.with_explanations(conn, found)


def identity(data, unit: str, day: dt.date, group: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the unit's funnel, the units below it by open cases)."""
    return _funnel(data.engine, data.url, data.version, unit, day, group)
