"""Settings an administrator changes from the admin page, typed and validated in one place.

Values live in the `settings` table as JSON, one row per key. Pages read them with `load`;
a missing row means the documented default, so a fresh database needs no seeding. Every
change goes through `save`, which checks the rules, refuses non-admins and writes an audit
entry per changed key, so the lagging threshold or a deadline never moves silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import config
from core.access import audit
from core.access.permissions import Account, check_admin
from core.errors import UserError
from core.storage.db import settings as settings_table
from core.vocabulary import COMMUNE, DISTRICT, PROVINCE

TIMEZONE = config.LOCAL_ZONE


@dataclass(frozen=True)
class Settings:
    """Every adjustable value with its default (what a fresh install uses)."""

    # Lagging communes: "below the threshold" means below this rate. None: the rate of the
    # district or province itself, as the documents do ("dưới tỷ lệ chung").
    lag_threshold_pct: float | None = None
    # Ranking traffic light: red below the first, yellow below the second, green otherwise.
    # The one home of these defaults; core.analytics.status (the colour rule) reads them here.
    ranking_red_below_pct: float = 5.0
    ranking_yellow_below_pct: float = 15.0
    # Daily report deadlines, local time (seeds: commune 07:30, district 09:00, province 10:00).
    deadline_commune: dt.time = dt.time(7, 30)
    deadline_district: dt.time = dt.time(9, 0)
    deadline_province: dt.time = dt.time(10, 0)
    # Which levels must send a daily report (the reporting-timeliness page expects them).
    report_commune: bool = True
    report_district: bool = True
    report_province: bool = True
    # Security. A sign-in ends after this long without a page run (a working day), and in any
    # case this long after it began (a week); see core.access.sessions.
    session_timeout_minutes: int = 8 * 60
    session_lifetime_hours: int = 7 * 24
    lockout_attempts: int = 5
    lockout_minutes: int = 15

    def deadline_for(self, level: int) -> dt.time:
        """The daily report deadline of a unit level (province, district, commune)."""
        return {PROVINCE: self.deadline_province, DISTRICT: self.deadline_district,
                COMMUNE: self.deadline_commune}[level]

    def reports_daily(self, level: int) -> bool:
        """Whether units of a level are expected to send a daily report."""
        return {PROVINCE: self.report_province, DISTRICT: self.report_district,
                COMMUNE: self.report_commune}[level]

    def deadline_at(self, level: int, day: dt.date) -> dt.datetime:
        """The deadline of `day`'s report as an aware datetime in Asia/Ho_Chi_Minh."""
        return dt.datetime.combine(day, self.deadline_for(level), tzinfo=TIMEZONE)



DEFAULTS = Settings()
FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Settings)}

# Vietnamese labels, for the admin page and the audit log.
LABELS: dict[str, str] = {
    "lag_threshold_pct": "Ngưỡng xã chậm tiến độ (%)",
    "ranking_red_below_pct": "Xếp hạng: đỏ khi tỷ lệ dưới (%)",
    "ranking_yellow_below_pct": "Xếp hạng: vàng khi tỷ lệ dưới (%)",
    "deadline_commune": "Hạn báo cáo của xã",
    "deadline_district": "Hạn báo cáo của huyện",
    "deadline_province": "Hạn báo cáo của tỉnh",
    "report_commune": "Xã phải báo cáo hằng ngày",
    "report_district": "Huyện phải báo cáo hằng ngày",
    "report_province": "Tỉnh phải báo cáo hằng ngày",
    "session_timeout_minutes": "Tự đăng xuất sau (phút không thao tác)",
    "session_lifetime_hours": "Phiên đăng nhập dài nhất (giờ)",
    "lockout_attempts": "Số lần đăng nhập sai trước khi tạm khóa",
    "lockout_minutes": "Thời gian tạm khóa (phút)",
}

# (minimum, maximum) of the numeric settings.
_RANGES: dict[str, tuple[float, float]] = {
    "lag_threshold_pct": (0, 100),
    "ranking_red_below_pct": (0, 100),
    "ranking_yellow_below_pct": (0, 100),
    "session_timeout_minutes": (1, 7 * 24 * 60),
    "session_lifetime_hours": (1, 90 * 24),
    "lockout_attempts": (1, 100),
    "lockout_minutes": (1, 24 * 60),
}


# ------------------------------------------------------------------------- encode / decode

def _encode(key: str, value: Any) -> str:
    if isinstance(value, dt.time):
        value = value.strftime("%H:%M")
    return json.dumps(value)


def _decode(key: str, text: str) -> Any:
    """The stored JSON as the field's type; an unreadable value falls back to the default."""
    default = getattr(DEFAULTS, key)
    try:
        raw = json.loads(text)
        if isinstance(default, dt.time):
            return dt.time.fromisoformat(raw)
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else default
        if raw is None:
            return None if key == "lag_threshold_pct" else default
        if isinstance(default, int) and not isinstance(default, bool):
            return int(raw)
        return float(raw)
    except (ValueError, TypeError):
        return default


def _coerce(key: str, value: Any) -> Any:
    """A value from a form as the field's type, or a Vietnamese UserError."""
    label = LABELS[key]
    default = getattr(DEFAULTS, key)
    if value is None:
        if key == "lag_threshold_pct":
            return None
        raise UserError(f"«{label}» không được để trống.")
    if isinstance(default, dt.time):
        return _coerce_time(label, value)
    if isinstance(default, bool):
        return _coerce_bool(label, value)
    if isinstance(value, str):  # a Vietnamese decimal comma: "25,5"
        value = value.strip().replace(",", ".")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"«{label}»: \"{value}\" không phải là số.") from None
    low, high = _RANGES[key]
    if not low <= number <= high:
        raise UserError(f"«{label}» phải nằm trong khoảng {low:g} đến {high:g}.")
    if isinstance(default, int) and not isinstance(default, bool):
        if not number.is_integer():
            raise UserError(f"«{label}» phải là số nguyên.")
        return int(number)
    return number


def _coerce_time(label: str, value: Any) -> dt.time:
    if isinstance(value, str):
        try:
            value = dt.time.fromisoformat(value.strip())
        except ValueError:
            raise UserError(f"«{label}»: giờ \"{value}\" không hợp lệ; dùng dạng HH:MM.") from None
    if not isinstance(value, dt.time):
        raise UserError(f"«{label}»: giờ không hợp lệ.")
    return value.replace(second=0, microsecond=0, tzinfo=None)


def _coerce_bool(label: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "có", "co"):
        return True
    if text in ("0", "false", "không", "khong"):
        return False
    raise UserError(f"«{label}»: \"{value}\" không hợp lệ; chọn có hoặc không.")


def _validate(values: Settings) -> None:
    if values.ranking_red_below_pct >= values.ranking_yellow_below_pct:
        raise UserError("Ngưỡng đỏ phải nhỏ hơn ngưỡng vàng của bảng xếp hạng.")
    if not values.deadline_commune <= values.deadline_district <= values.deadline_province:
        raise UserError("Hạn báo cáo phải theo thứ tự: xã, rồi huyện, rồi tỉnh (xã báo cáo "
                        "cho huyện trước khi huyện báo cáo cho tỉnh).")
    if values.session_timeout_minutes > values.session_lifetime_hours * 60:
        raise UserError(f"«{LABELS['session_timeout_minutes']}» không được dài hơn "
                        f"«{LABELS['session_lifetime_hours']}».")


# ------------------------------------------------------------------------------ read / write

def load(conn: Connection) -> Settings:
    """Every setting, stored values over defaults."""
    stored = {row.key: row.value for row in conn.execute(
        sa.select(settings_table.c.key, settings_table.c.value))}
    return dataclasses.replace(DEFAULTS, **{
        key: _decode(key, text) for key, text in stored.items() if key in FIELDS})


def get(conn: Connection, key: str) -> Any:
    """One setting (a key of `Settings`)."""
    if key not in FIELDS:
        raise KeyError(key)
    text = conn.scalar(sa.select(settings_table.c.value).where(settings_table.c.key == key))
    return getattr(DEFAULTS, key) if text is None else _decode(key, text)


def save(conn: Connection, actor: Account, changes: dict[str, Any]) -> dict[str, tuple]:
    """Apply `changes` (key -> new value) after checking them all; only admins may.

    Returns {key: (old, new)} for the values that actually changed, each also written to the
    audit log. Nothing is written when any value is refused.
    """
    check_admin(actor)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise UserError(f"Không có thiết lập: {', '.join(unknown)}.")
    current = load(conn)
    new = dataclasses.replace(current, **{k: _coerce(k, v) for k, v in changes.items()})
    _validate(new)
    changed = {k: (getattr(current, k), getattr(new, k)) for k in FIELDS
               if getattr(current, k) != getattr(new, k)}
    for key, (old, value) in changed.items():
        _write(conn, key, value)
        audit.record(conn, actor.username, audit.SETTING_CHANGE, key,
                     {"label": LABELS[key], "old": _display(old), "new": _display(value)})
    return changed


def _write(conn: Connection, key: str, value: Any) -> None:
    text = _encode(key, value)
    updated = conn.execute(settings_table.update().where(settings_table.c.key == key)
                           .values(value=text))
    if updated.rowcount == 0:
        conn.execute(settings_table.insert().values(key=key, value=text))


def _display(value: Any) -> Any:
    """A JSON-friendly form of a value for the audit log."""
    return value.strftime("%H:%M") if isinstance(value, dt.time) else value
