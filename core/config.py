"""Settings that come from the environment, read in one place."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "asxh.db"

DATABASE_URL_ENV = "ASXH_DATABASE_URL"
TIMEZONE = "Asia/Ho_Chi_Minh"
LOCAL_ZONE = ZoneInfo(TIMEZONE)


def database_url() -> str:
    """The database to use: `ASXH_DATABASE_URL`, else the embedded SQLite file."""
    return os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def upload_limit_bytes() -> int:
    """Largest accepted upload; the same figure as Streamlit's `server.maxUploadSize`."""
    return int(float(os.environ.get("ASXH_MAX_UPLOAD_MB", "20")) * 1024 * 1024)


PASSWORD_COST_ENV = "ASXH_PASSWORD_COST"
DEFAULT_PASSWORD_COST = 12
_BCRYPT_COSTS = range(4, 32)  # what bcrypt accepts


def password_cost() -> int:
    """bcrypt's work factor for new password hashes: `ASXH_PASSWORD_COST`, else 12 (a quarter
    of a second per hash on a small server). Only the test suite sets it lower (4), because it
    creates and signs in hundreds of accounts; a hash keeps its own cost, so hashes made at
    any cost still verify. A value bcrypt does not accept falls back to the default."""
    text = os.environ.get(PASSWORD_COST_ENV, "").strip()
    cost = int(text) if text.isdecimal() else DEFAULT_PASSWORD_COST
    return cost if cost in _BCRYPT_COSTS else DEFAULT_PASSWORD_COST


def as_local(value: dt.datetime | str) -> dt.datetime:
    """A stored time (naive UTC on SQLite, aware on PostgreSQL, or its ISO text) in
    Asia/Ho_Chi_Minh."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(LOCAL_ZONE)
