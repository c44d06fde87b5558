"""Cached access to the metrics for the pages.

Every call is cached with st.cache_data, keyed by the database URL, the data version (which
changes with each applied or reverted upload), the unit, the date, the group and the other
arguments: two units or two databases never share an entry, and an upload is visible on the
next rerun. The engine itself is passed as `_engine` (not hashed; the URL stands for it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from core import config
from core.access import settings
from core.analytics import metrics, quotas, summary
from core.storage import sources
from core.vocabulary import ALL_GROUPS

_CACHE = {"show_spinner": False, "max_entries": 512}


@st.cache_data(**_CACHE)
def _latest(_engine: Engine, url: str, version: tuple, unit: str | None) -> dt.date | None:
    with _engine.connect() as conn:
        return metrics.latest_date(conn, unit)


@st.cache_data(**_CACHE)
def _date_range(_engine: Engine, url: str, version: tuple) -> tuple[dt.date, dt.date] | None:
    with _engine.connect() as conn:
        return sources.date_range(conn)


@st.cache_data(**_CACHE)
def _figures(_engine: Engine, url: str, version: tuple, codes: tuple[str, ...],
             as_of: dt.date, group: str) -> pd.DataFrame:
    with _engine.connect() as conn:
        return metrics.figures_as_of(conn, list(codes), as_of, group)


@st.cache_data(**_CACHE)
def _ranking(_engine: Engine, url: str, version: tuple, as_of: dt.date, group: str,
             parent: str | None, days: int) -> pd.DataFrame:
    with _engine.connect() as conn:
        return metrics.ranking_change(conn, as_of, group, parent, days)


@st.cache_data(**_CACHE)
def _trend(_engine: Engine, url: str, version: tuple, unit: str, group: str,
           until: dt.date | None) -> pd.DataFrame:
    with _engine.connect() as conn:
        return metrics.trend(conn, unit, group, until)


@st.cache_data(**_CACHE)
def _rate_series(_engine: Engine, url: str, version: tuple, unit: str, group: str,
                 until: dt.date | None) -> pd.DataFrame:
    with _engine.connect() as conn:
        return metrics.rate_series(conn, unit, group, until)


@st.cache_data(**_CACHE)
def _target_path(_engine: Engine, url: str, version: tuple, unit: str, year: int,
                 group: str) -> pd.DataFrame:
    with _engine.connect() as conn:
        return metrics.target_path(conn, unit, year, group)


@st.cache_data(**_CACHE)
def _attainment(_engine: Engine, url: str, version: tuple, unit: str, as_of: dt.date,
                group: str) -> pd.DataFrame:
    with _engine.connect() as conn:
        return quotas.attainment_detail(conn, unit, as_of, group)


@st.cache_data(**_CACHE)
def _quarters(_engine: Engine, url: str, version: tuple, unit: str, as_of: dt.date,
              group: str) -> pd.DataFrame:
    with _engine.connect() as conn:
        return quotas.quarter_progress(conn, unit, as_of.year, as_of, group)


@st.cache_data(**_CACHE)
def _lagging(_engine: Engine, url: str, version: tuple, unit: str, as_of: dt.date,
             below: float | None, group: str) -> tuple[pd.DataFrame, float]:
    with _engine.connect() as conn:
        threshold = below if below is not None else metrics.lag_threshold(conn, unit, as_of,
                                                                          group)
        return metrics.lagging(conn, unit, as_of, threshold, group), threshold


@st.cache_data(**_CACHE)
def _year_target(_engine: Engine, url: str, version: tuple, unit: str, year: int,
                 group: str) -> int | None:
    with _engine.connect() as conn:
        return quotas.year_target(conn, unit, year, group)


@st.cache_data(**_CACHE)
def _outlook(_engine: Engine, url: str, version: tuple, unit: str, as_of: dt.date,
             group: str) -> dict:
    with _engine.connect() as conn:
        return quotas.outlook(conn, unit, as_of, group)


@st.cache_data(**_CACHE)
def _sources(_engine: Engine, url: str, version: tuple, unit: str | None,
             as_of: dt.date) -> str:
    with _engine.connect() as conn:
        return sources.describe(sources.source_uploads(conn, unit, as_of))


@st.cache_data(**_CACHE)
def _quota_units(_engine: Engine, url: str, version: tuple, year: int) -> list[str]:
    with _engine.connect() as conn:
        return sources.units_with_quotas(conn, year)


@st.cache_data(**_CACHE)
def _commune_districts(_engine: Engine, url: str, version: tuple) -> list[str]:
    with _engine.connect() as conn:
        return sources.districts_with_commune_reports(conn)


@dataclass(frozen=True)
class Data:
    """The metrics of one database at one data version, cached; what a page reads."""

    engine: Engine
    url: str
    version: tuple

    def _key(self) -> tuple:
        return self.engine, self.url, self.version

    def latest_date(self, unit: str | None = None) -> dt.date | None:
        return _latest(*self._key(), unit)

    def settings(self) -> settings.Settings:
        """The administrator's settings (thresholds, deadlines); read fresh, it is one row
        per key and a change must show on the next run."""
        with self.engine.connect() as conn:
            return settings.load(conn)

    def date_range(self) -> tuple[dt.date, dt.date] | None:
        return _date_range(*self._key())

    def figures(self, codes: list[str], as_of: dt.date, group: str = ALL_GROUPS
                ) -> pd.DataFrame:
        return _figures(*self._key(), tuple(codes), as_of, group)

    def ranking(self, as_of: dt.date, group: str = ALL_GROUPS, parent: str | None = None,
                days: int = 7) -> pd.DataFrame:
        """metrics.ranking_change: the ranking with the rank `days` earlier."""
        return _ranking(*self._key(), as_of, group, parent, days)

    def trend(self, unit: str, group: str = ALL_GROUPS, until: dt.date | None = None
              ) -> pd.DataFrame:
        return _trend(*self._key(), unit, group, until)

    def rate_series(self, unit: str, group: str = ALL_GROUPS, until: dt.date | None = None
                    ) -> pd.DataFrame:
        """metrics.rate_series: counts and rate by date, for comparisons."""
        return _rate_series(*self._key(), unit, group, until)

    def target_path(self, unit: str, year: int, group: str = ALL_GROUPS) -> pd.DataFrame:
        return _target_path(*self._key(), unit, year, group)

    def attainment(self, unit: str, as_of: dt.date, group: str = ALL_GROUPS) -> pd.DataFrame:
        return _attainment(*self._key(), unit, as_of, group)

    def quarters(self, unit: str, as_of: dt.date, group: str = ALL_GROUPS) -> pd.DataFrame:
        return _quarters(*self._key(), unit, as_of, group)

    def lagging(self, unit: str, as_of: dt.date, below: float | None = None,
                group: str = ALL_GROUPS) -> tuple[pd.DataFrame, float]:
        """(lagging communes, the threshold used: `below` or the unit's own average)."""
        return _lagging(*self._key(), unit, as_of, below, group)

    def situation(self, unit: str, as_of: dt.date, group: str = ALL_GROUPS,
                  days: int = 7) -> summary.Situation | None:
        """summary.situation from the cached reads: the page's own figures and trend, and
        the peers' ranking, which every province's overview shares."""
        figs = self.figures([unit], as_of, group)
        if figs.empty:
            return None
        return summary.assemble(
            unit, as_of, group, days, figs,
            peers=self.ranking(as_of, group, metrics.peers_parent(unit), days),
            trend=self.trend(unit, group, until=as_of),
            target=_year_target(*self._key(), unit, as_of.year, group))

    def outlook(self, unit: str, as_of: dt.date, group: str = ALL_GROUPS) -> dict:
        return _outlook(*self._key(), unit, as_of, group)

    def sources(self, unit: str | None, as_of: dt.date) -> str:
        return _sources(*self._key(), unit, as_of)

    def units_with_quotas(self, year: int) -> list[str]:
        return _quota_units(*self._key(), year)

    def districts_with_commune_reports(self) -> list[str]:
        return _commune_districts(*self._key())


def for_engine(engine: Engine) -> Data:
    """The page's data access; reads the data version once per run (one tiny query)."""
    with engine.connect() as conn:
        version = sources.data_version(conn)
    return Data(engine, config.database_url(), version)
