"""Accounts in core: hashing, sign-in with lockout, first-admin setup, user management, CLI."""

import datetime as dt
import os
import subprocess
import sys
import unicodedata

import pytest
import sqlalchemy as sa

from core.access import audit, auth, settings
from core.access.permissions import Account, PermissionDenied
from core.errors import UserError
from core.storage.db import users

pytestmark = pytest.mark.postgres

ADMIN = Account("quantri", "admin", None)
PASSWORD = "Mật khẩu đúng 2024"
# 95 UTF-8 bytes: more than bcrypt's 72, and only the tail differs between the two.
LONG_PASSPHRASE = "Chi trả an sinh xã hội không dùng tiền mặt đến từng đối tượng ở Bình Sơn"
LONG_OTHER = LONG_PASSPHRASE[:-3] + "Huế"


def _engine_with_users(databases):
    engine = databases.new_engine()
    with engine.begin() as conn:
        auth.create_user(conn, "quantri", PASSWORD, "admin", None)
        auth.create_user(conn, "binhson", PASSWORD, "staff", "524")
        auth.create_user(conn, "lanhdao", PASSWORD, "leader", "51")
    return engine


@pytest.fixture
def engine(databases):
    return _engine_with_users(databases)


def _login(engine, username, password, **kw):
    with engine.begin() as conn:
        return auth.authenticate(conn, username, password, **kw)


def _user_row(engine, username):
    with engine.connect() as conn:
        return conn.execute(sa.select(users).where(users.c.username == username)).one()


def _log(engine, **filters):
    with engine.connect() as conn:
        return audit.query(conn, **filters)


# ------------------------------------------------------------------------------ passwords

def test_new_hashes_take_the_configured_cost_and_twelve_by_default(monkeypatch):
    monkeypatch.delenv("ASXH_PASSWORD_COST", raising=False)
    assert auth.hash_password(PASSWORD).startswith("bcrypt-sha256$$2b$12$")
    for unusable in ("3", "32", "mười", "-1", "1²"):  # bcrypt refuses it: the default stays
        monkeypatch.setenv("ASXH_PASSWORD_COST", unusable)
        assert auth.hash_password(PASSWORD).startswith("bcrypt-sha256$$2b$12$")
    monkeypatch.setenv("ASXH_PASSWORD_COST", "5")
    assert auth.hash_password(PASSWORD).startswith("bcrypt-sha256$$2b$05$")


def test_a_hash_keeps_its_own_cost_when_the_setting_changes(monkeypatch):
    monkeypatch.setenv("ASXH_PASSWORD_COST", "12")
    stored = auth.hash_password(PASSWORD)
    monkeypatch.setenv("ASXH_PASSWORD_COST", "4")
    assert auth.verify_password(PASSWORD, stored)
    assert not auth.verify_password(PASSWORD + "x", stored)


def test_long_vietnamese_passphrase_beyond_72_bytes_works_and_is_not_truncated():
    assert len(LONG_PASSPHRASE.encode()) > 72
    assert LONG_PASSPHRASE.encode()[:72] == LONG_OTHER.encode()[:72]
    stored = auth.hash_password(LONG_PASSPHRASE)
    assert auth.verify_password(LONG_PASSPHRASE, stored)
    assert not auth.verify_password(LONG_OTHER, stored)


def test_composed_and_decomposed_vietnamese_are_the_same_password():
    stored = auth.hash_password(unicodedata.normalize("NFC", "Hòa Bình thủy"))
    assert auth.verify_password(unicodedata.normalize("NFD", "Hòa Bình thủy"), stored)


def test_no_plaintext_password_is_stored(engine):
    row = _user_row(engine, "binhson")
    assert row.password_hash.startswith("bcrypt-sha256$")
    assert PASSWORD not in row.password_hash
    with engine.connect() as conn:
        assert "password_hash" not in auth.UserRecord.__dataclass_fields__
        assert PASSWORD not in str(auth.list_users(conn))


@pytest.mark.parametrize("password", ["ngan", "        ", "x" * (auth.MAX_PASSWORD_LENGTH + 1)])
def test_weak_or_absurd_new_passwords_are_refused(engine, password):
    with engine.begin() as conn, pytest.raises(UserError, match="Mật khẩu"):
        auth.create_user(conn, "moi", password, "staff", "524")


def test_usernames_cannot_pass_for_the_cli_actor_or_hold_spaces(engine):
    for bad in ("cli:root", "hai tu", "x" * 65):
        with engine.begin() as conn, pytest.raises(UserError, match="Tên đăng nhập"):
            auth.create_user(conn, bad, PASSWORD, "staff", "524")


# -------------------------------------------------------------------------------- sign-in

def test_right_password_signs_in_and_is_audited(engine):
    account = _login(engine, "binhson", PASSWORD)
    assert account == Account("binhson", "staff", "524")
    entry = _log(engine, action=audit.LOGIN).iloc[0]
    assert (entry["username"], entry["ok"]) == ("binhson", True)


def test_long_passphrase_signs_in(engine):
    with engine.begin() as conn:
        auth.create_user(conn, "dai", LONG_PASSPHRASE, "staff", "524")
    assert _login(engine, "dai", LONG_PASSPHRASE) is not None
    assert _login(engine, "dai", LONG_OTHER) is None


def test_wrong_password_is_refused_counted_and_audited(engine):
    assert _login(engine, "binhson", "mật khẩu sai") is None
    assert _user_row(engine, "binhson").failed_logins == 1
    entry = _log(engine, action=audit.LOGIN).iloc[0]
    assert (entry["username"], entry["ok"]) == ("binhson", False)
    assert entry["detail"]["reason"] == "bad_password"
    assert "mật khẩu sai" not in str(entry["detail"])


def test_unknown_user_is_refused_the_same_way_and_audited(engine):
    assert _login(engine, "khongco", PASSWORD) is None
    entry = _log(engine, action=audit.LOGIN).iloc[0]
    assert (entry["username"], entry["ok"], entry["detail"]["reason"]) == (
        "khongco", False, "unknown_user")
    assert "không đúng" in auth.LOGIN_FAILED_MESSAGE  # one message for every refusal


def test_lockout_after_five_failures_for_fifteen_minutes(engine):
    now = dt.datetime(2024, 1, 25, 1, 0, tzinfo=dt.UTC)
    for _ in range(4):
        assert _login(engine, "binhson", "sai", now=now) is None
    assert _user_row(engine, "binhson").locked_until is None
    assert _login(engine, "binhson", "sai", now=now) is None
    locked = _log(engine, action=audit.ACCOUNT_LOCKED)
    assert list(locked["target"]) == ["binhson"]
    # Locked: even the right password is refused, and the refusal is audited as such.
    assert _login(engine, "binhson", PASSWORD, now=now + dt.timedelta(minutes=14)) is None
    assert _log(engine, action=audit.LOGIN).iloc[0]["detail"]["reason"] == "locked"
    # The lock runs out after 15 minutes; a success clears the counters.
    assert _login(engine, "binhson", PASSWORD, now=now + dt.timedelta(minutes=16)) is not None
    row = _user_row(engine, "binhson")
    assert (row.failed_logins, row.locked_until) == (0, None)


def test_a_success_resets_the_failure_count(engine):
    for _ in range(4):
        _login(engine, "binhson", "sai")
    assert _login(engine, "binhson", PASSWORD) is not None
    for _ in range(4):
        _login(engine, "binhson", "sai")
    assert _login(engine, "binhson", PASSWORD) is not None


def test_lockout_policy_comes_from_the_settings(engine):
    with engine.begin() as conn:
        settings.save(conn, ADMIN, {"lockout_attempts": 2, "lockout_minutes": 60})
    now = dt.datetime.now(dt.UTC)
    _login(engine, "binhson", "sai", now=now)
    _login(engine, "binhson", "sai", now=now)
    assert _login(engine, "binhson", PASSWORD, now=now + dt.timedelta(minutes=59)) is None
    assert _login(engine, "binhson", PASSWORD, now=now + dt.timedelta(minutes=61)) is not None


def test_deactivated_user_cannot_sign_in_and_their_session_is_no_longer_valid(engine):
    with engine.begin() as conn:
        assert auth.active_account(conn, "binhson") == Account("binhson", "staff", "524")
        auth.set_active(conn, ADMIN, "binhson", False)
        assert auth.active_account(conn, "binhson") is None
    assert _login(engine, "binhson", PASSWORD) is None
    assert _log(engine, action=audit.LOGIN).iloc[0]["detail"]["reason"] == "inactive"
    assert list(_log(engine, action=audit.USER_DEACTIVATE)["username"]) == ["quantri"]


# --------------------------------------------------------------------------- first admin

def test_first_admin_setup_works_once_only(databases):
    engine = databases.new_engine()
    with engine.begin() as conn:
        assert not auth.admin_exists(conn)
        with pytest.raises(UserError, match="ít nhất"):
            auth.create_first_admin(conn, "quantri", "ngan")
    with engine.begin() as conn:  # a refused attempt left nothing behind
        account = auth.create_first_admin(conn, "quantri", PASSWORD)
    assert account == Account("quantri", "admin", None)
    with engine.begin() as conn, pytest.raises(UserError, match="Đã có quản trị viên"):
        auth.create_first_admin(conn, "keday", PASSWORD)
    with engine.connect() as conn:
        assert [u.username for u in auth.list_users(conn)] == ["quantri"]
    entry = _log(engine, action=audit.USER_CREATE).iloc[0]
    assert (entry["username"], entry["detail"]["via"]) == ("quantri", "setup")


def test_first_admin_setup_is_refused_once_an_admin_exists_even_inactive(databases):
    engine = databases.new_engine()
    with engine.begin() as conn:  # an admin made with the CLI, since deactivated
        auth.create_user(conn, "cu", PASSWORD, "admin", None)
        conn.execute(users.update().values(active=False))
    with engine.begin() as conn, pytest.raises(UserError, match="Đã có quản trị viên"):
        auth.create_first_admin(conn, "keday", PASSWORD)
    with engine.connect() as conn:
        assert auth.get_user(conn, "keday") is None


# ---------------------------------------------------------------------- user management

@pytest.mark.parametrize("actor", [Account("binhson", "staff", "524"),
                                   Account("lanhdao", "leader", "51")])
def test_only_admins_manage_users(engine, actor):
    calls = [
        lambda c: auth.add_user(c, actor, "moi", PASSWORD, "staff", "524"),
        lambda c: auth.update_user(c, actor, "binhson", role="leader", unit_code="51"),
        lambda c: auth.set_active(c, actor, "binhson", False),
        lambda c: auth.reset_password(c, actor, "quantri", "mat khau moi 1"),
        lambda c: auth.unlock(c, actor, "binhson"),
    ]
    for call in calls:
        with engine.begin() as conn, pytest.raises(PermissionDenied, match="quản trị viên"):
            call(conn)
    with engine.connect() as conn:
        assert auth.get_user(conn, "moi") is None
        assert auth.get_user(conn, "binhson").role == "staff"
    assert _login(engine, "quantri", PASSWORD) is not None


def test_admin_creates_a_user_audited(engine):
    with engine.begin() as conn:
        auth.add_user(conn, ADMIN, "camlac", PASSWORD, "staff", "18748")
    entry = _log(engine, action=audit.USER_CREATE).iloc[0]
    assert (entry["username"], entry["target"]) == ("quantri", "camlac")
    assert entry["detail"]["role"] == "staff" and entry["detail"]["unit"].startswith("18748")
    assert PASSWORD not in str(entry["detail"])


def test_change_role_and_unit_audited_with_old_and_new(engine):
    with engine.begin() as conn:
        auth.update_user(conn, ADMIN, "binhson", role="leader", unit_code="51")
        assert auth.active_account(conn, "binhson") == Account("binhson", "leader", "51")
    detail = _log(engine, action=audit.USER_UPDATE).iloc[0]["detail"]
    assert (detail["old_role"], detail["role"]) == ("staff", "leader")
    assert detail["old_unit"].startswith("524") and detail["unit"].startswith("51")


def test_reset_password_replaces_the_old_one_and_lifts_a_lock(engine):
    for _ in range(5):
        _login(engine, "binhson", "sai")
    with engine.begin() as conn:
        auth.reset_password(conn, ADMIN, "binhson", "mật khẩu mới 2024")
    assert _login(engine, "binhson", PASSWORD) is None
    assert _login(engine, "binhson", "mật khẩu mới 2024") is not None
    entry = _log(engine, action=audit.PASSWORD_RESET).iloc[0]
    assert entry["target"] == "binhson" and "mới" not in str(entry["detail"])


def test_unlock_lifts_a_lockout(engine):
    for _ in range(5):
        _login(engine, "binhson", "sai")
    with engine.begin() as conn:
        assert auth.get_user(conn, "binhson").is_locked()
        auth.unlock(conn, ADMIN, "binhson")
    assert _login(engine, "binhson", PASSWORD) is not None
    assert list(_log(engine, action=audit.USER_UNLOCK)["target"]) == ["binhson"]


def test_the_last_active_admin_and_oneself_cannot_be_removed(engine):
    with engine.begin() as conn, pytest.raises(UserError, match="chính mình"):
        auth.set_active(conn, ADMIN, "quantri", False)
    with engine.begin() as conn:
        auth.create_user(conn, "quantri2", PASSWORD, "admin", None)
    other = Account("quantri2", "admin", None)
    with engine.begin() as conn:
        auth.set_active(conn, other, "quantri", False)
    with engine.begin() as conn:
        auth.set_active(conn, other, "quantri", True)
        auth.set_active(conn, ADMIN, "quantri2", False)
    with engine.begin() as conn, pytest.raises(UserError, match="chính mình"):
        auth.update_user(conn, ADMIN, "quantri", role="leader", unit_code="51")
    with engine.connect() as conn:
        assert auth.active_account(conn, "quantri").role == "admin"


def test_leader_and_staff_need_a_unit_from_the_catalogue(engine):
    with engine.begin() as conn, pytest.raises(UserError, match="đơn vị"):
        auth.add_user(conn, ADMIN, "moi", PASSWORD, "staff", None)
    with engine.begin() as conn, pytest.raises(UserError, match="không có trong danh mục"):
        auth.update_user(conn, ADMIN, "binhson", role="staff", unit_code="99999")


# -------------------------------------------------------------------------------------- CLI

def _cli(url, *args, stdin):
    env = {**os.environ, "ASXH_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "core", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=600)  # a hang guard


def test_cli_user_add_and_reset_are_audited(databases):
    engine = databases.new_engine()
    url = engine.url.render_as_string(hide_password=False)
    added = _cli(url, "user", "add", "quantri", "--role", "admin", "--password-stdin",
                 stdin=LONG_PASSPHRASE + "\n")
    assert added.returncode == 0, added.stderr
    reset = _cli(url, "user", "reset-password", "quantri", "--password-stdin",
                 stdin="mật khẩu mới 2024\n")
    assert reset.returncode == 0, reset.stderr
    log = _log(engine)
    assert list(log["action"]) == [audit.PASSWORD_RESET, audit.USER_CREATE]
    assert all(u.startswith("cli:") for u in log["username"])
    assert log.iloc[1]["detail"] == {"role": "admin", "unit": None, "via": "cli"}
    assert _login(engine, "quantri", "mật khẩu mới 2024") is not None
    unknown = _cli(url, "user", "reset-password", "khongco", "--password-stdin",
                   stdin="mật khẩu mới 2024\n")
    assert unknown.returncode == 2 and "Không có người dùng" in unknown.stderr
