"""Server-side sign-in sessions, shared by every server process on the same database.

Signing in creates a row in `sessions` and hands the browser a random 256-bit token (in an
HttpOnly cookie, see ui.auth_http); only the token's SHA-256 is stored, so a copy of the
database opens nothing. Every page run resolves the token here: the session is valid while
it has not ended, has been used within the idle timeout, is younger than the absolute
lifetime (both settings on the admin page, read at each check so a change applies to open
sessions), and its account is active and not locked.

A session ends, and the audit trail says why, when the user signs out (here or "on every
device"), an administrator ends it, the password is reset, the account is locked or
deactivated, or it expires (noticed at its next use, or by the sweep that runs at every
sign-in and whenever the admin page lists sessions). Rows are kept after they end, marked
with `ended_at` and `end_reason`, so a copied cookie is recognised and refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from core.access import audit
from core.access import settings as settings_mod
from core.access.permissions import Account, check_admin
from core.storage.db import sessions, users
from core.storage.store import utcnow

TOKEN_BYTES = 32  # 256 bits
_AGENT_MAX = sessions.c.user_agent.type.length or 255
_ADDRESS_MAX = sessions.c.address.type.length or 64

# Why a session ended (stored in sessions.end_reason and in the audit detail).
LOGOUT = "logout"
EVERYWHERE = "everywhere"
BY_ADMIN = "ended_by_admin"
PASSWORD = "password"
LOCKED = "locked"
INACTIVE = "inactive"
IDLE = "idle"
LIFETIME = "lifetime"
EXPIRY_REASONS = (IDLE, LIFETIME)

# What the signed-out screen says after each reason (None: nothing to explain).
NOTICES: dict[str, str] = {
    LOGOUT: "Bạn đã đăng xuất.",
    EVERYWHERE: "Bạn đã đăng xuất trên mọi thiết bị.",
    BY_ADMIN: "Phiên đăng nhập đã được quản trị viên kết thúc. Vui lòng đăng nhập lại.",
    PASSWORD: "Mật khẩu đã được đổi. Vui lòng đăng nhập lại bằng mật khẩu mới.",
    LOCKED: "Tài khoản đang tạm khóa. Vui lòng thử lại sau hoặc liên hệ quản trị viên.",
    INACTIVE: "Tài khoản không còn hiệu lực. Vui lòng liên hệ quản trị viên.",
    IDLE: "Phiên đăng nhập đã hết hạn do lâu không thao tác. Vui lòng đăng nhập lại.",
    LIFETIME: "Phiên đăng nhập đã quá thời hạn tối đa. Vui lòng đăng nhập lại.",
}


def new_token() -> str:
    """A fresh random token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive UTC; PostgreSQL aware. Always aware UTC here."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(frozen=True)
class Session:
    """One sign-in as the pages and the admin page see it (never the token)."""

    id: int
    account: Account
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    user_agent: str | None
    address: str | None


@dataclass(frozen=True)
class Resolved:
    """The outcome of presenting a token: a live session, or why there is none."""

    session: Session | None
    ended_reason: str | None = None  # None with no session: an unknown token

    @property
    def notice(self) -> str | None:
        return NOTICES.get(self.ended_reason or "")


_COLUMNS = [sessions.c.id, sessions.c.created_at, sessions.c.last_seen_at,
            sessions.c.expires_at, sessions.c.user_agent, sessions.c.address,
            sessions.c.ended_at, sessions.c.end_reason, sessions.c.user_id,
            users.c.username, users.c.role, users.c.unit_code, users.c.active,
            users.c.locked_until]


def _select():
    return sa.select(*_COLUMNS).select_from(sessions.join(users, users.c.id == sessions.c.user_id))


def _session(row, expires_at: dt.datetime, last_seen: dt.datetime | None = None) -> Session:
    return Session(id=row.id, account=Account(row.username, row.role, row.unit_code),
                   created_at=_aware(row.created_at),
                   last_seen_at=last_seen or _aware(row.last_seen_at),
                   expires_at=expires_at, user_agent=row.user_agent, address=row.address)


def _expiry(row, policy: settings_mod.Settings, now: dt.datetime,
            last_seen: dt.datetime | None = None) -> tuple[dt.datetime, str | None]:
    """When the session runs out under the current settings, and why if it already has."""
    created, last_seen = _aware(row.created_at), last_seen or _aware(row.last_seen_at)
    lifetime_end = min(_aware(row.expires_at),
                       created + dt.timedelta(hours=policy.session_lifetime_hours))
    idle_end = last_seen + dt.timedelta(minutes=policy.session_timeout_minutes)
    if now >= lifetime_end:
        return lifetime_end, LIFETIME
    if now >= idle_end:
        return idle_end, IDLE
    return min(lifetime_end, idle_end), None


def _why_invalid(row, policy: settings_mod.Settings, now: dt.datetime) -> str | None:
    if not row.active:
        return INACTIVE
    locked_until = _aware(row.locked_until)
    if locked_until is not None and locked_until > now:
        return LOCKED
    return _expiry(row, policy, now)[1]


def _mark_ended(conn: Connection, row, reason: str, now: dt.datetime, *,
                actor: str | None = None) -> None:
    """End one session and audit it: an expiry, or an end with its reason and who ended it."""
    done = conn.execute(sessions.update().where(sessions.c.id == row.id,
                                                sessions.c.ended_at.is_(None))
                        .values(ended_at=now, end_reason=reason))
    if done.rowcount == 0:  # another process ended it first: one audit entry only
        return
    detail = {"reason": reason, "session": row.id}
    if reason in EXPIRY_REASONS:
        audit.record(conn, row.username, audit.SESSION_EXPIRED, row.username, detail)
    elif reason == LOGOUT:
        audit.record(conn, row.username, audit.LOGOUT, row.username, detail)
    else:
        audit.record(conn, actor or row.username, audit.SESSION_END, row.username, detail)


# ----------------------------------------------------------------------------- lifecycle

def start(conn: Connection, username: str, *, user_agent: str | None = None,
          address: str | None = None, now: dt.datetime | None = None) -> str:
    """Open a session for an (already authenticated) user; returns the token for the cookie.

    Audited as the start of a session (the sign-in itself is audited by core.access.auth). Expired
    sessions of everyone are swept on the way, so their expiry reaches the audit trail.
    """
    now = (now or utcnow()).astimezone(dt.UTC)
    policy = settings_mod.load(conn)
    sweep(conn, now=now, policy=policy)
    user_id = conn.scalar(sa.select(users.c.id).where(users.c.username == username))
    if user_id is None:
        raise LookupError(username)
    token = new_token()
    result = conn.execute(sessions.insert().values(
        token_hash=token_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
        expires_at=now + dt.timedelta(hours=policy.session_lifetime_hours),
        user_agent=(user_agent or None) and user_agent[:_AGENT_MAX],
        address=(address or None) and address[:_ADDRESS_MAX]))
    session_id = int(result.inserted_primary_key[0])
    audit.record(conn, username, audit.SESSION_START, username,
                 {"session": session_id, "address": address})
    return token


def resolve(conn: Connection, token: str | None, *, now: dt.datetime | None = None,
            touch: bool = True) -> Resolved:
    """The live session a token opens, refreshing its last use; or why it opens nothing.

    A session found expired or invalid is ended here (audited once, whichever process
    notices first). Call inside `engine.begin()`.
    """
    if not token:
        return Resolved(None)
    now = (now or utcnow()).astimezone(dt.UTC)
    row = conn.execute(_select().where(sessions.c.token_hash == token_hash(token))).first()
    if row is None:
        return Resolved(None)
    if row.ended_at is not None:
        return Resolved(None, row.end_reason)
    policy = settings_mod.load(conn)
    reason = _why_invalid(row, policy, now)
    if reason is not None:
        _mark_ended(conn, row, reason, now)
        return Resolved(None, reason)
    if touch:
        conn.execute(sessions.update().where(sessions.c.id == row.id)
                     .values(last_seen_at=now))
    last_seen = now if touch else None
    expires_at, _ = _expiry(row, policy, now, last_seen)
    return Resolved(_session(row, expires_at, last_seen))


def end(conn: Connection, token: str | None, *, everywhere: bool = False,
        now: dt.datetime | None = None) -> Account | None:
    """Sign out: end the token's session (or, `everywhere`, all of its user's sessions).

    Returns whose session it was, None for an unknown or already ended token.
    """
    if not token:
        return None
    now = (now or utcnow()).astimezone(dt.UTC)
    row = conn.execute(_select().where(sessions.c.token_hash == token_hash(token),
                                       sessions.c.ended_at.is_(None))).first()
    if row is None:
        return None
    account = Account(row.username, row.role, row.unit_code)
    if everywhere:
        end_all_for_user(conn, row.username, EVERYWHERE, now=now)
    else:
        _mark_ended(conn, row, LOGOUT, now)
    return account


def end_all_for_user(conn: Connection, username: str, reason: str, *,
                     actor: str | None = None, now: dt.datetime | None = None) -> int:
    """End every open session of a user (password reset, lock, deactivation, every device).

    Returns how many ended. No permission check: callers (core.access.auth, `end`) hold the rights.
    """
    now = (now or utcnow()).astimezone(dt.UTC)
    rows = conn.execute(_select().where(users.c.username == username,
                                        sessions.c.ended_at.is_(None))).all()
    for row in rows:
        _mark_ended(conn, row, reason, now, actor=actor)
    return len(rows)


def end_by_admin(conn: Connection, actor: Account, session_id: int, *,
                 now: dt.datetime | None = None) -> Account | None:
    """An administrator ends one session (from the admin page); audited with who did it."""
    check_admin(actor)
    now = (now or utcnow()).astimezone(dt.UTC)
    row = conn.execute(_select().where(sessions.c.id == session_id,
                                       sessions.c.ended_at.is_(None))).first()
    if row is None:
        return None
    _mark_ended(conn, row, BY_ADMIN, now, actor=actor.username)
    return Account(row.username, row.role, row.unit_code)


def sweep(conn: Connection, *, now: dt.datetime | None = None,
          policy: settings_mod.Settings | None = None) -> int:
    """End (and audit) every open session that has expired or lost its account; returns how
    many. Open sessions are few (one per signed-in browser), so this reads them all."""
    now = (now or utcnow()).astimezone(dt.UTC)
    policy = policy or settings_mod.load(conn)
    ended = 0
    for row in conn.execute(_select().where(sessions.c.ended_at.is_(None))).all():
        reason = _why_invalid(row, policy, now)
        if reason is not None:
            _mark_ended(conn, row, reason, now)
            ended += 1
    return ended


def list_active(conn: Connection, *, now: dt.datetime | None = None) -> list[Session]:
    """Every live session, most recently used first (after a sweep of the expired ones)."""
    now = (now or utcnow()).astimezone(dt.UTC)
    policy = settings_mod.load(conn)
    sweep(conn, now=now, policy=policy)
    rows = conn.execute(_select().where(sessions.c.ended_at.is_(None))).all()
    live = [_session(r, _expiry(r, policy, now)[0]) for r in rows]
    return sorted(live, key=lambda s: s.last_seen_at, reverse=True)
