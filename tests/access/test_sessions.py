"""Server-side sessions in core: tokens, expiry, every way a session ends, and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.access import audit, auth, sessions, settings
from core.access.permissions import Account, PermissionDenied
from core.errors import UserError
from core.storage import db
from core.storage.db import sessions as sessions_table

pytestmark = pytest.mark.postgres

ADMIN = Account("quantri", "admin", None)
PASSWORD = "Mật khẩu đúng 2024"
T0 = dt.datetime(2024, 1, 23, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(databases):
    engine = databases.new_engine()
    with engine.begin() as conn:
        auth.create_user(conn, "quantri", PASSWORD, "admin", None)
        auth.create_user(conn, "binhson", PASSWORD, "staff", "524")
    yield engine
    engine.dispose()


def _start(engine, username="binhson", at=T0, **kw):
    with engine.begin() as conn:
        return sessions.start(conn, username, user_agent="Mozilla/5.0 Chrome/140",
                              address="10.0.0.7", now=at, **kw)


def _resolve(engine, token, at):
    with engine.begin() as conn:
        return sessions.resolve(conn, token, now=at)


def _log(engine, **filters):
    with engine.connect() as conn:
        return audit.query(conn, **filters)


def test_a_token_is_256_random_bits_and_only_its_hash_is_stored(engine):
    token = _start(engine)
    other = _start(engine)
    assert token != other and len(token) >= 43
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sessions_table)).mappings().all()
    stored = " ".join(str(v) for row in rows for v in row.values())
    assert token not in stored and other not in stored
    assert {r["token_hash"] for r in rows} == {sessions.token_hash(token),
                                               sessions.token_hash(other)}
    assert rows[0]["user_agent"] == "Mozilla/5.0 Chrome/140" and rows[0]["address"] == "10.0.0.7"
    log = _log(engine, action=audit.SESSION_START)
    assert len(log) == 2 and token not in log.to_string() and other not in log.to_string()


def test_a_session_opens_the_account_and_is_refreshed_by_use(engine):
    token = _start(engine)
    later = T0 + dt.timedelta(hours=7)
    found = _resolve(engine, token, later)
    assert found.session.account == Account("binhson", "staff", "524")
    assert found.session.last_seen_at == later
    # used 7 h after the start: still open 7 h after that (idle: a working day of 8 h)
    assert _resolve(engine, token, later + dt.timedelta(hours=7)).session is not None


def test_a_second_server_process_sees_the_same_session(engine, databases):
    token = _start(engine)
    other_process = db.make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with other_process.begin() as conn:
            assert sessions.resolve(conn, token, now=T0).session.account.username == "binhson"
    finally:
        other_process.dispose()


def test_idle_timeout_ends_the_session_and_audits_the_expiry_once(engine):
    token = _start(engine)
    late = T0 + dt.timedelta(hours=8, seconds=1)
    gone = _resolve(engine, token, late)
    assert gone.session is None and gone.ended_reason == sessions.IDLE
    assert "lâu không thao tác" in gone.notice
    again = _resolve(engine, token, late)  # the copied cookie, presented again
    assert again.session is None and again.ended_reason == sessions.IDLE
    log = _log(engine, action=audit.SESSION_EXPIRED)
    assert log["target"].tolist() == ["binhson"]
    assert log.iloc[0]["detail"]["reason"] == "idle"


def test_a_short_configured_idle_timeout_applies_to_open_sessions(engine):
    token = _start(engine)
    with engine.begin() as conn:
        settings.save(conn, ADMIN, {"session_timeout_minutes": 1})
    assert _resolve(engine, token, T0 + dt.timedelta(seconds=50)).session is not None
    assert _resolve(engine, token, T0 + dt.timedelta(seconds=111)).ended_reason == sessions.IDLE


def test_absolute_lifetime_ends_even_a_busy_session(engine):
    token = _start(engine)
    at = T0
    while at < T0 + dt.timedelta(days=7) - dt.timedelta(hours=4):
        at += dt.timedelta(hours=4)
        assert _resolve(engine, token, at).session is not None
    gone = _resolve(engine, token, T0 + dt.timedelta(days=7))
    assert gone.ended_reason == sessions.LIFETIME


def test_sign_out_ends_only_this_session_and_a_copied_token_is_refused(engine):
    laptop, phone = _start(engine), _start(engine)
    with engine.begin() as conn:
        assert sessions.end(conn, laptop, now=T0) == Account("binhson", "staff", "524")
    assert _resolve(engine, laptop, T0).ended_reason == sessions.LOGOUT
    assert _resolve(engine, phone, T0).session is not None
    assert _log(engine, action=audit.LOGOUT)["target"].tolist() == ["binhson"]


def test_sign_out_everywhere_ends_every_session_of_the_user_only(engine):
    laptop, phone = _start(engine), _start(engine)
    admin = _start(engine, "quantri")
    with engine.begin() as conn:
        sessions.end(conn, phone, everywhere=True, now=T0)
    assert _resolve(engine, laptop, T0).ended_reason == sessions.EVERYWHERE
    assert _resolve(engine, phone, T0).ended_reason == sessions.EVERYWHERE
    assert _resolve(engine, admin, T0).session is not None
    assert len(_log(engine, action=audit.SESSION_END, target="binhson")) == 2


def test_password_reset_lock_and_deactivation_end_sessions(engine):
    token = _start(engine)
    with engine.begin() as conn:
        auth.reset_password(conn, ADMIN, "binhson", "Mật khẩu mới 2024")
    assert _resolve(engine, token, T0).ended_reason == sessions.PASSWORD
    entry = _log(engine, action=audit.SESSION_END, target="binhson").iloc[0]
    assert entry["username"] == "quantri" and entry["detail"]["reason"] == "password"

    token = _start(engine)
    for _ in range(5):
        with engine.begin() as conn:
            assert auth.authenticate(conn, "binhson", "sai mật khẩu") is None
    assert _resolve(engine, token, None).ended_reason == sessions.LOCKED

    with engine.begin() as conn:
        auth.unlock(conn, ADMIN, "binhson")
    token = _start(engine)
    with engine.begin() as conn:
        auth.set_active(conn, ADMIN, "binhson", False)
    assert _resolve(engine, token, None).ended_reason == sessions.INACTIVE


def test_an_administrator_lists_and_ends_sessions_others_cannot(engine):
    now = dt.datetime.now(dt.UTC)
    token = _start(engine, at=now)
    _start(engine, "quantri", at=now)
    with engine.begin() as conn:
        active = sessions.list_active(conn, now=now)
    assert sorted(s.account.username for s in active) == ["binhson", "quantri"]
    mine = next(s for s in active if s.account.username == "binhson")
    assert mine.expires_at == now + dt.timedelta(hours=8)
    with engine.begin() as conn, pytest.raises(PermissionDenied):
        sessions.end_by_admin(conn, Account("binhson", "staff", "524"), mine.id)
    with engine.begin() as conn:
        assert sessions.end_by_admin(conn, ADMIN, mine.id, now=now).username == "binhson"
    assert _resolve(engine, token, now).ended_reason == sessions.BY_ADMIN
    assert "quản trị viên" in _resolve(engine, token, now).notice
    with engine.begin() as conn:
        assert [s.account.username for s in sessions.list_active(conn, now=now)] == ["quantri"]
    entry = _log(engine, action=audit.SESSION_END, target="binhson").iloc[0]
    assert entry["username"] == "quantri" and entry["detail"]["session"] == mine.id


def test_the_sweep_records_expiries_nobody_came_back_for(engine):
    _start(engine)
    with engine.begin() as conn:
        assert sessions.sweep(conn, now=T0 + dt.timedelta(days=1)) == 1
        assert sessions.list_active(conn, now=T0 + dt.timedelta(days=1)) == []
    assert _log(engine, action=audit.SESSION_EXPIRED)["target"].tolist() == ["binhson"]


def test_unknown_or_missing_tokens_open_nothing(engine):
    assert _resolve(engine, None, T0).session is None
    found = _resolve(engine, sessions.new_token(), T0)
    assert found.session is None and found.ended_reason is None


def test_lifetime_settings_are_checked(engine):
    with engine.begin() as conn, pytest.raises(UserError, match="không được dài hơn"):
        settings.save(conn, ADMIN, {"session_timeout_minutes": 600,
                                    "session_lifetime_hours": 8})
    with engine.begin() as conn:
        settings.save(conn, ADMIN, {"session_lifetime_hours": 24})
    token = _start(engine)
    assert _resolve(engine, token, T0 + dt.timedelta(hours=24)).ended_reason == sessions.LIFETIME


def test_changing_ones_own_password_ends_every_session_of_the_user(engine):
    laptop, phone = _start(engine), _start(engine)
    me = Account("binhson", "staff", "524")
    with engine.begin() as conn:
        assert auth.change_own_password(conn, me, "sai mật khẩu", "Mật khẩu mới 2024") is False
    assert _resolve(engine, laptop, T0).session is not None  # a wrong current one: nothing
    with engine.begin() as conn, pytest.raises(UserError, match="khác mật khẩu hiện tại"):
        auth.change_own_password(conn, me, PASSWORD, PASSWORD)
    with engine.begin() as conn:
        assert auth.change_own_password(conn, me, PASSWORD, "Mật khẩu mới 2024") is True
    assert _resolve(engine, laptop, T0).ended_reason == sessions.PASSWORD
    assert _resolve(engine, phone, T0).ended_reason == sessions.PASSWORD
    with engine.begin() as conn:
        assert auth.authenticate(conn, "binhson", "Mật khẩu mới 2024") == me
    assert _log(engine, action=audit.PASSWORD_CHANGE)["username"].tolist() == ["binhson"]
