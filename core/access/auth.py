"""Accounts: password hashing, sign-in with lockout, and user management.

bcrypt only reads 72 bytes (and bcrypt 5 refuses longer input), while a Vietnamese passphrase
easily exceeds that. Passwords are therefore first reduced with SHA-256 (base64, 44 bytes),
the same construction passlib calls "bcrypt_sha256". They are NFC-normalised first, because
the same Vietnamese letters arrive composed or decomposed depending on the keyboard software.

Sign-in failures are counted per account (users.failed_logins); after `lockout_attempts` in a
row the account is locked for `lockout_minutes` (core.access.settings). The message a failed sign-in
shows is always the same, so it never tells whether a username exists. Every change to users
is allowed to administrators only (checked here, not in the page) and written to the audit log.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import bcrypt
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core import config
from core.access import audit, sessions
from core.access import settings as settings_mod
from core.access.permissions import ROLES, Account, check_admin
from core.catalogue.units import by_code
from core.errors import UserError
from core.storage.db import settings as settings_table
from core.storage.db import users
from core.storage.store import utcnow

ROLE_LABELS = {"admin": "Quản trị viên", "leader": "Lãnh đạo", "staff": "Cán bộ"}
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
_USERNAME = re.compile(r"[\w.@-]{1,64}")
_SCHEME = "bcrypt-sha256$"
_SETUP_MARKER = "_setup.first_admin"  # a settings row: only one first-admin setup ever wins

LOGIN_FAILED_MESSAGE = (
    "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa do đăng nhập sai "
    "nhiều lần. Vui lòng kiểm tra lại, hoặc thử lại sau ít phút.")


# ----------------------------------------------------------------------------- passwords

def _prehash(password: str) -> bytes:
    normalised = unicodedata.normalize("NFC", password)
    return base64.b64encode(hashlib.sha256(normalised.encode("utf-8")).digest())


def hash_password(password: str) -> str:
    salt = bcrypt.gensalt(config.password_cost())
    return _SCHEME + bcrypt.hashpw(_prehash(password), salt).decode("ascii")


def verify_password(password: str, stored: str) -> bool:
    if not stored.startswith(_SCHEME):
        return False
    return bcrypt.checkpw(_prehash(password), stored[len(_SCHEME):].encode("ascii"))


@cache
def _dummy_hash() -> str:
    return hash_password("không phải mật khẩu của ai")


def _spend_same_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown user costs as long as a wrong password."""
    verify_password(password, _dummy_hash())


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự.")
    if not password.strip():
        raise UserError("Mật khẩu không được chỉ gồm khoảng trắng.")


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFC", username.strip())


# ------------------------------------------------------------------------------- records

@dataclass(frozen=True)
class UserRecord:
    """A stored account as the admin page lists it (never the password hash)."""

    id: int
    username: str
    role: str
    unit_code: str | None
    active: bool
    failed_logins: int
    locked_until: dt.datetime | None
    created_at: dt.datetime

    @property
    def account(self) -> Account:
        return Account(self.username, self.role, self.unit_code)

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())


_PUBLIC_COLUMNS = [users.c.id, users.c.username, users.c.role, users.c.unit_code,
                   users.c.active, users.c.failed_logins, users.c.locked_until,
                   users.c.created_at]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive UTC; PostgreSQL aware. Always aware UTC here."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _record(row) -> UserRecord:
    return UserRecord(id=row.id, username=row.username, role=row.role,
                      unit_code=row.unit_code, active=bool(row.active),
                      failed_logins=int(row.failed_logins or 0),
                      locked_until=_aware(row.locked_until), created_at=_aware(row.created_at))


def get_user(conn: Connection, username: str) -> UserRecord | None:
    row = conn.execute(sa.select(*_PUBLIC_COLUMNS).where(
        users.c.username == normalise_username(username))).first()
    return None if row is None else _record(row)


def list_users(conn: Connection) -> list[UserRecord]:
    return [_record(r) for r in conn.execute(
        sa.select(*_PUBLIC_COLUMNS).order_by(users.c.username))]


def active_account(conn: Connection, username: str) -> Account | None:
    """The account as stored now, or None if it is gone or deactivated.

    Pages call this on every run, so a deactivation or a role change applies at once.
    """
    user = get_user(conn, username)
    return user.account if user is not None and user.active else None


def admin_exists(conn: Connection) -> bool:
    """Any administrator at all, active or not (a deactivated one still blocks the setup)."""
    return conn.scalar(sa.select(users.c.id).where(users.c.role == "admin").limit(1)) \
        is not None


# ------------------------------------------------------------------------------ sign-in

def authenticate(conn: Connection, username: str, password: str, *,
                 now: dt.datetime | None = None) -> Account | None:
    """The account when the password is right and the account active and not locked.

    Returns None otherwise (show LOGIN_FAILED_MESSAGE), having counted the failure, locked the
    account when the failures reach the limit, and audited the attempt, all in the caller's
    transaction: call it inside `engine.begin()` and let the transaction commit.
    """
    now = (now or utcnow()).astimezone(dt.UTC)  # stored without offset on SQLite
    name = normalise_username(username)
    row = conn.execute(sa.select(users).where(users.c.username == name)).first()
    reason = _refusal(row, now)
    if reason is not None:
        _spend_same_time(password)
        audit.record(conn, name or None, audit.LOGIN, None, {"reason": reason}, ok=False)
        return None
    if not verify_password(password, row.password_hash):
        _count_failure(conn, row, now)
        return None
    conn.execute(users.update().where(users.c.id == row.id)
                 .values(failed_logins=0, locked_until=None))
    audit.record(conn, name, audit.LOGIN, None, {})
    return Account(row.username, row.role, row.unit_code)


def _refusal(row, now: dt.datetime) -> str | None:
    """Why an attempt is refused before the password is even checked."""
    if row is None:
        return "unknown_user"
    if not row.active:
        return "inactive"
    locked_until = _aware(row.locked_until)
    if locked_until is not None and locked_until > now:
        return "locked"
    return None


def _count_failure(conn: Connection, row, now: dt.datetime) -> None:
    policy = settings_mod.load(conn)
    conn.execute(users.update().where(users.c.id == row.id)
                 .values(failed_logins=users.c.failed_logins + 1))
    failures = int(conn.scalar(sa.select(users.c.failed_logins).where(users.c.id == row.id)))
    audit.record(conn, row.username, audit.LOGIN, None,
                 {"reason": "bad_password", "failures": failures}, ok=False)
    if failures >= policy.lockout_attempts:
        until = now + dt.timedelta(minutes=policy.lockout_minutes)
        conn.execute(users.update().where(users.c.id == row.id)
                     .values(failed_logins=0, locked_until=until))
        audit.record(conn, row.username, audit.ACCOUNT_LOCKED, row.username,
                     {"failures": failures, "minutes": policy.lockout_minutes,
                      "until": until.isoformat()}, ok=False)
        sessions.end_all_for_user(conn, row.username, sessions.LOCKED, now=now)


def record_logout(conn: Connection, account: Account, *, expired: bool = False) -> None:
    """Audit the end of an in-process sign-in (one without a server-side session: AppTest)."""
    audit.record(conn, account.username, audit.SESSION_EXPIRED if expired else audit.LOGOUT)


# ---------------------------------------------------------------------- user management

def _check_username(username: str) -> str:
    name = normalise_username(username)
    if not name:
        raise UserError("Tên đăng nhập không được để trống.")
    if not _USERNAME.fullmatch(name):
        raise UserError("Tên đăng nhập chỉ gồm chữ, số và các ký tự . _ - @ (tối đa 64 ký tự), "
                        "không có khoảng trắng.")
    return name


def _check_role_unit(role: str, unit_code: str | None) -> None:
    if role not in ROLES:
        raise UserError(f"Vai trò \"{role}\" không hợp lệ; chọn một trong: {', '.join(ROLES)}.")
    if role != "admin" and unit_code is None:
        raise UserError("Người dùng vai trò leader hoặc staff phải gắn với một đơn vị (--unit).")
    if unit_code is not None and unit_code not in by_code():
        raise UserError(f"Mã đơn vị {unit_code} không có trong danh mục.")


def create_user(conn: Connection, username: str, password: str, role: str,
                unit_code: str | None) -> int:
    """Add an account (no permission check, no audit: see `add_user` for that).

    Every rule broken is reported as a Vietnamese UserError.
    """
    username = _check_username(username)
    _check_role_unit(role, unit_code)
    check_new_password(password)
    if conn.scalar(sa.select(users.c.id).where(users.c.username == username)) is not None:
        raise UserError(f"Tên đăng nhập \"{username}\" đã tồn tại.")
    result = conn.execute(users.insert().values(
        username=username, password_hash=hash_password(password), role=role,
        unit_code=unit_code, active=True, failed_logins=0, created_at=utcnow()))
    return int(result.inserted_primary_key[0])


def _unit_detail(unit_code: str | None) -> str | None:
    return None if unit_code is None else f"{unit_code} {by_code()[unit_code].name}"


def add_user(conn: Connection, actor: Account, username: str, password: str, role: str,
             unit_code: str | None, *, via: str = "app") -> int:
    """An administrator creates an account; audited."""
    check_admin(actor)
    user_id = create_user(conn, username, password, role, unit_code)
    audit.record(conn, actor.username, audit.USER_CREATE, normalise_username(username),
                 {"role": role, "unit": _unit_detail(unit_code), "via": via})
    return user_id


def create_first_admin(conn: Connection, username: str, password: str) -> Account:
    """The one-time setup of a fresh install: only while no administrator exists.

    A settings row written in the same transaction makes a second, concurrent setup fail on
    its primary key, so two people racing on a fresh server cannot both become admin.
    """
    if admin_exists(conn):
        raise UserError("Đã có quản trị viên; việc thiết lập ban đầu không còn dùng được. "
                        "Hãy đăng nhập.")
    name = _check_username(username)
    check_new_password(password)  # every check before the marker: a refusal leaves no trace
    try:
        conn.execute(settings_table.insert().values(key=_SETUP_MARKER, value=f'"{name}"'))
    except sa.exc.IntegrityError:  # the caller's transaction rolls back with this error
        raise UserError("Việc thiết lập ban đầu đã được thực hiện. Hãy đăng nhập.") from None
    create_user(conn, name, password, "admin", None)
    audit.record(conn, name, audit.USER_CREATE, name, {"role": "admin", "via": "setup"})
    return Account(name, "admin", None)


def _existing(conn: Connection, username: str) -> UserRecord:
    user = get_user(conn, username)
    if user is None:
        raise UserError(f"Không có người dùng \"{username}\".")
    return user


def _other_active_admins(conn: Connection, user_id: int) -> int:
    return int(conn.scalar(sa.select(sa.func.count()).select_from(users).where(
        users.c.role == "admin", users.c.active.is_(True), users.c.id != user_id)))


def _keep_an_admin(conn: Connection, actor: Account, user: UserRecord) -> None:
    """Refuse to remove the last active administrator, or to demote/deactivate oneself."""
    if user.username == actor.username:
        raise UserError("Không thể tự hạ quyền hoặc vô hiệu hóa tài khoản của chính mình; "
                        "hãy nhờ một quản trị viên khác.")
    if user.role == "admin" and user.active and _other_active_admins(conn, user.id) == 0:
        raise UserError("Đây là quản trị viên duy nhất còn hoạt động; hãy tạo quản trị viên "
                        "khác trước.")


def update_user(conn: Connection, actor: Account, username: str, *, role: str,
                unit_code: str | None) -> None:
    """Change an account's role and unit; audited with the old and new values."""
    check_admin(actor)
    user = _existing(conn, username)
    _check_role_unit(role, unit_code)
    if (role, unit_code) == (user.role, user.unit_code):
        return
    if role != "admin":
        _keep_an_admin(conn, actor, user)
    conn.execute(users.update().where(users.c.id == user.id)
                 .values(role=role, unit_code=unit_code))
    audit.record(conn, actor.username, audit.USER_UPDATE, user.username,
                 {"old_role": user.role, "old_unit": _unit_detail(user.unit_code),
                  "role": role, "unit": _unit_detail(unit_code)})


def set_active(conn: Connection, actor: Account, username: str, active: bool) -> None:
    """Deactivate (every session of the account ends at once) or reactivate an account."""
    check_admin(actor)
    user = _existing(conn, username)
    if user.active == active:
        return
    if not active:
        _keep_an_admin(conn, actor, user)
    conn.execute(users.update().where(users.c.id == user.id).values(active=active))
    audit.record(conn, actor.username,
                 audit.USER_ACTIVATE if active else audit.USER_DEACTIVATE, user.username)
    if not active:
        sessions.end_all_for_user(conn, user.username, sessions.INACTIVE, actor=actor.username)


def reset_password(conn: Connection, actor: Account, username: str, new_password: str) -> None:
    """Set a new password (and lift a lock), ending every session of the account; the
    password itself is never logged."""
    check_admin(actor)
    user = _existing(conn, username)
    check_new_password(new_password)
    conn.execute(users.update().where(users.c.id == user.id).values(
        password_hash=hash_password(new_password), failed_logins=0, locked_until=None))
    audit.record(conn, actor.username, audit.PASSWORD_RESET, user.username)
    sessions.end_all_for_user(conn, user.username, sessions.PASSWORD, actor=actor.username)


WRONG_CURRENT_PASSWORD = "Mật khẩu hiện tại không đúng."


def change_own_password(conn: Connection, account: Account, current: str, new: str) -> bool:
    """A signed-in user changes their own password; every session of theirs ends (this one
    too: they sign in again with the new password). Returns False, changing nothing, when
    `current` is wrong (the caller audits that refusal in its own transaction); a new
    password against the policy raises UserError."""
    row = conn.execute(sa.select(users.c.id, users.c.password_hash, users.c.active)
                       .where(users.c.username == account.username)).first()
    if row is None or not row.active or not verify_password(current, row.password_hash):
        return False
    check_new_password(new)
    if verify_password(new, row.password_hash):
        raise UserError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    conn.execute(users.update().where(users.c.id == row.id)
                 .values(password_hash=hash_password(new)))
    audit.record(conn, account.username, audit.PASSWORD_CHANGE, account.username)
    sessions.end_all_for_user(conn, account.username, sessions.PASSWORD)
    return True


def unlock(conn: Connection, actor: Account, username: str) -> None:
    """Lift a lockout before it runs out."""
    check_admin(actor)
    user = _existing(conn, username)
    conn.execute(users.update().where(users.c.id == user.id)
                 .values(failed_logins=0, locked_until=None))
    audit.record(conn, actor.username, audit.USER_UNLOCK, user.username)
