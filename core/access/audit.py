"""The audit trail: who did what, when, and whether it was allowed.

Append-only by design: this module offers `record` and read functions and nothing that
changes or removes an entry, and the database refuses UPDATE, DELETE (and on PostgreSQL
TRUNCATE) on `audit_log` through triggers (migration 0002), so even a bug elsewhere in the app
cannot rewrite history. Entries are written in the caller's transaction: an action and its
audit entry commit or roll back together. A *refused* action must therefore be recorded in a
transaction of its own (see `record_refusal`), since the action's own transaction rolls back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from core import config
from core.storage.db import audit_log

TIMEZONE = config.LOCAL_ZONE

# Action names (stable identifiers, stored in the log) and their Vietnamese labels.
LOGIN = "login"
LOGOUT = "logout"
SESSION_EXPIRED = "session_expired"
SESSION_START = "session_start"
SESSION_END = "session_end"
ACCOUNT_LOCKED = "account_locked"
USER_CREATE = "user_create"
USER_UPDATE = "user_update"
USER_DEACTIVATE = "user_deactivate"
USER_ACTIVATE = "user_activate"
USER_UNLOCK = "user_unlock"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGE = "password_change"
SETTING_CHANGE = "setting_change"
UPLOAD = "upload"
REVERT = "revert"
QUALITY_EXPLAIN = "quality_explain"

ACTION_LABELS: dict[str, str] = {
    LOGIN: "Đăng nhập",
    LOGOUT: "Đăng xuất",
    SESSION_EXPIRED: "Hết phiên làm việc",
    SESSION_START: "Bắt đầu phiên đăng nhập",
    SESSION_END: "Kết thúc phiên đăng nhập",
    ACCOUNT_LOCKED: "Tạm khóa tài khoản",
    USER_CREATE: "Tạo người dùng",
    USER_UPDATE: "Đổi vai trò/đơn vị",
    USER_DEACTIVATE: "Vô hiệu hóa người dùng",
    USER_ACTIVATE: "Kích hoạt lại người dùng",
    USER_UNLOCK: "Mở khóa tài khoản",
    PASSWORD_RESET: "Đặt lại mật khẩu",
    PASSWORD_CHANGE: "Tự đổi mật khẩu",
    SETTING_CHANGE: "Thay đổi thiết lập",
    UPLOAD: "Tải lên báo cáo",
    REVERT: "Hoàn tác tải lên",
    QUALITY_EXPLAIN: "Giải trình số liệu",
}

# How the viewer words the detail of an entry; keys and values not listed are shown as stored.
DETAIL_LABELS: dict[str, str] = {
    "reason": "Lý do", "failures": "Số lần sai liên tiếp", "minutes": "Số phút khóa",
    "until": "Khóa đến", "role": "Vai trò", "old_role": "Vai trò cũ", "unit": "Đơn vị",
    "old_unit": "Đơn vị cũ", "via": "Thực hiện qua", "label": "Thiết lập", "old": "Giá trị cũ",
    "new": "Giá trị mới", "error": "Lý do từ chối",
    "rule": "Quy tắc", "report_date": "Ngày báo cáo", "group": "Nhóm", "field": "Chỉ tiêu",
    "observed": "Số báo cáo", "expected": "Số đối chiếu", "comment": "Giải trình",
    "previous_comment": "Giải trình trước",
    "size": "Kích thước (byte)", "sha256": "SHA-256", "people": "Số người đã đếm",
    "session": "Mã phiên", "address": "Địa chỉ", "origin": "Nguồn yêu cầu",
}
VALUE_LABELS: dict[str, str] = {
    "unknown_user": "không có tên đăng nhập này", "inactive": "tài khoản đã bị vô hiệu hóa",
    "locked": "tài khoản đang tạm khóa", "bad_password": "sai mật khẩu",
    "cli": "dòng lệnh", "setup": "thiết lập lần đầu", "app": "trang Quản trị",
    "upload_page": "trang Tải lên báo cáo",
    "admin": "Quản trị viên", "leader": "Lãnh đạo", "staff": "Cán bộ",
    "logout": "đăng xuất", "everywhere": "đăng xuất trên mọi thiết bị",
    "ended_by_admin": "quản trị viên kết thúc phiên", "password": "mật khẩu đã được đổi",
    "idle": "không thao tác quá thời gian cho phép", "lifetime": "quá thời hạn tối đa của phiên",
    "forged_request": "yêu cầu giả mạo (sai nguồn hoặc mã chống giả mạo)",
}

COLUMNS = ["id", "at", "username", "action", "target", "detail", "ok"]
_USERNAME_MAX = audit_log.c.username.type.length or 64
_TARGET_MAX = audit_log.c.target.type.length or 255


def record(conn: Connection, username: str | None, action: str, target: str | None = None,
           detail: dict[str, Any] | None = None, ok: bool = True, *,
           at: dt.datetime | None = None) -> int:
    """Append one entry in the caller's transaction; returns its id.

    `username` is who acted (or who tried to: a failed login records the name typed);
    `target` what was acted on (a user, a file, a setting); `detail` anything else, as JSON.
    """
    result = conn.execute(audit_log.insert().values(
        at=(at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC),  # SQLite keeps no offset
        username=None if username is None else username[:_USERNAME_MAX],
        action=action,
        target=None if target is None else str(target)[:_TARGET_MAX],
        detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
        ok=ok,
    ))
    return int(result.inserted_primary_key[0])


def record_refusal(engine: Engine, username: str | None, action: str, target: str | None,
                   detail: dict[str, Any] | None = None) -> int:
    """Record a refused action in its own transaction (the action's own one rolled back)."""
    with engine.begin() as conn:
        return record(conn, username, action, target, detail, ok=False)


def _utc_bounds(date_from: dt.date | None, date_to: dt.date | None
                ) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Local calendar days (Asia/Ho_Chi_Minh), inclusive, as a half-open UTC interval."""
    start = end = None
    if date_from is not None:
        start = dt.datetime.combine(date_from, dt.time(), TIMEZONE).astimezone(dt.UTC)
    if date_to is not None:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(),
                                  TIMEZONE).astimezone(dt.UTC)
    return start, end


def query(conn: Connection, *, username: str | None = None, action: str | None = None,
          date_from: dt.date | None = None, date_to: dt.date | None = None,
          ok: bool | None = None, target: str | None = None,
          limit: int | None = 5000) -> pd.DataFrame:
    """Entries matching every filter given, newest first.

    Dates are local days (inclusive). Columns: id, at (aware, Asia/Ho_Chi_Minh), username,
    action, target, detail (a dict), ok.
    """
    stmt = sa.select(*[audit_log.c[c] for c in COLUMNS])
    if username:
        stmt = stmt.where(audit_log.c.username == username)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    if ok is not None:
        stmt = stmt.where(audit_log.c.ok == ok)
    if target:
        stmt = stmt.where(audit_log.c.target == target)
    start, end = _utc_bounds(date_from, date_to)
    if start is not None:
        stmt = stmt.where(audit_log.c.at >= _bind_time(conn, start))
    if end is not None:
        stmt = stmt.where(audit_log.c.at < _bind_time(conn, end))
    stmt = stmt.order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    for row in rows:
        row["at"] = config.as_local(row["at"])
        row["detail"] = _load_detail(row["detail"])
        row["ok"] = bool(row["ok"])
    return pd.DataFrame(rows, columns=COLUMNS)


def usernames(conn: Connection) -> list[str]:
    """Every name that appears in the log, for a filter list."""
    return sorted(n for n in conn.scalars(sa.select(audit_log.c.username).distinct())
                  if n is not None)


def count(conn: Connection) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(audit_log)))


def _bind_time(conn: Connection, value: dt.datetime) -> dt.datetime:
    """SQLite keeps naive UTC text; compare with the same."""
    return value.replace(tzinfo=None) if conn.dialect.name == "sqlite" else value


def _load_detail(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def describe(detail: dict[str, Any]) -> str:
    """One readable Vietnamese line for an entry's detail (the viewer and exports)."""
    parts = []
    for key, value in detail.items():
        if value is None:
            value = "–"
        elif key == "until" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = config.as_local(value).strftime("%H:%M %d/%m/%Y")
        elif isinstance(value, str):
            value = VALUE_LABELS.get(value, value)
        parts.append(f"{DETAIL_LABELS.get(key, key)}: {value}")
    return "; ".join(parts)
