"""Small helpers every read shares: values as the databases hand them back (SQLite gives dates
and aggregates as ISO text) and long code lists cut into chunks for `IN (...)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

# Keeps IN (...) lists well under every driver's parameter limit.
CHUNK = 500


def chunks(items: Sequence) -> Iterable[Sequence]:
    """`items` in slices of at most CHUNK."""
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def as_date(value) -> dt.date | None:
    """A date, from a date or its ISO text (SQLite may hand back dates as text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_datetime(value) -> dt.datetime:
    """A datetime, from a datetime or its ISO text (SQLite may hand back an aggregate as
    text)."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
