"""Typed settings: defaults, validated admin-only changes, each change audited."""

import datetime as dt

import pytest
import sqlalchemy as sa

from core.access import audit, settings
from core.access.permissions import Account, PermissionDenied
from core.analytics import status
from core.errors import UserError
from core.storage.db import settings as settings_table
from core.vocabulary import COMMUNE, DISTRICT, PROVINCE

pytestmark = pytest.mark.postgres

ADMIN = Account("quantri", "admin", None)


def _stored(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(settings_table.c.key, settings_table.c.value)).all())


def test_a_fresh_database_uses_the_documented_defaults(empty_engine):
    with empty_engine.connect() as conn:
        values = settings.load(conn)
        assert settings.get(conn, "session_timeout_minutes") == 8 * 60  # a working day
        assert settings.get(conn, "session_lifetime_hours") == 7 * 24  # a week
    assert values.lag_threshold_pct is None
    assert (values.ranking_red_below_pct, values.ranking_yellow_below_pct) == (5.0, 15.0)
    assert (values.deadline_commune, values.deadline_district, values.deadline_province) == (
        dt.time(7, 30), dt.time(9, 0), dt.time(10, 0))
    assert (values.lockout_attempts, values.lockout_minutes) == (5, 15)


def test_changes_are_stored_typed_and_audited_with_old_and_new(empty_engine):
    with empty_engine.begin() as conn:
        changed = settings.save(conn, ADMIN, {
            "lag_threshold_pct": "25,5", "deadline_district": "08:45",
            "session_timeout_minutes": 20.0, "lockout_attempts": 5})
    assert set(changed) == {"lag_threshold_pct", "deadline_district", "session_timeout_minutes"}
    with empty_engine.connect() as conn:
        values = settings.load(conn)
        log = audit.query(conn, action=audit.SETTING_CHANGE)
    assert values.lag_threshold_pct == 25.5
    assert values.deadline_district == dt.time(8, 45)
    assert values.session_timeout_minutes == 20 and isinstance(values.session_timeout_minutes,
                                                               int)
    by_key = {row["target"]: row for row in log.to_dict("records")}
    assert set(by_key) == set(changed)  # unchanged lockout_attempts: no entry
    assert by_key["deadline_district"]["detail"]["old"] == "09:00"
    assert by_key["deadline_district"]["detail"]["new"] == "08:45"
    assert by_key["lag_threshold_pct"]["detail"] == {
        "label": settings.LABELS["lag_threshold_pct"], "old": None, "new": 25.5}
    assert all(by_key[k]["username"] == "quantri" for k in by_key)


def test_the_lag_threshold_can_go_back_to_the_units_own_rate(empty_engine):
    with empty_engine.begin() as conn:
        settings.save(conn, ADMIN, {"lag_threshold_pct": 20})
        settings.save(conn, ADMIN, {"lag_threshold_pct": None})
        assert settings.load(conn).lag_threshold_pct is None


@pytest.mark.parametrize("actor", [Account("bs", "staff", "524"), Account("qn", "leader", "51")])
def test_only_admins_change_settings(empty_engine, actor):
    with empty_engine.begin() as conn, pytest.raises(PermissionDenied):
        settings.save(conn, actor, {"session_timeout_minutes": 600})
    assert _stored(empty_engine) == {}


@pytest.mark.parametrize(("changes", "message"), [
    ({"ranking_red_below_pct": 40}, "đỏ phải nhỏ hơn"),
    ({"lag_threshold_pct": 120}, "khoảng 0 đến 100"),
    ({"session_timeout_minutes": 0}, "khoảng 1 đến 10080"),  # up to a week
    ({"session_lifetime_hours": 0}, "khoảng 1 đến 2160"),
    ({"lockout_attempts": 2.5}, "số nguyên"),
    ({"deadline_commune": "25:00"}, "không hợp lệ"),
    ({"deadline_province": "08:00"}, "theo thứ tự"),
    ({"lockout_minutes": "mười"}, "không phải là số"),
    ({"khong_co": 1}, "Không có thiết lập"),
])
def test_invalid_values_are_refused_in_vietnamese_and_nothing_is_written(
        empty_engine, changes, message):
    with empty_engine.begin() as conn, pytest.raises(UserError, match=message):
        settings.save(conn, ADMIN, {"session_timeout_minutes": 45, **changes})
    assert _stored(empty_engine) == {}
    with empty_engine.connect() as conn:
        assert audit.query(conn, action=audit.SETTING_CHANGE).empty


def test_an_unreadable_stored_value_falls_back_to_its_default(empty_engine):
    with empty_engine.begin() as conn:
        conn.execute(settings_table.insert().values(key="lockout_minutes", value="không đọc"))
        assert settings.load(conn).lockout_minutes == 15


def test_deadlines_per_level_in_vietnam_time():
    values = settings.Settings()
    assert values.deadline_for(COMMUNE) == dt.time(7, 30)
    at = values.deadline_at(DISTRICT, dt.date(2024, 1, 25))
    assert at.astimezone(dt.UTC) == dt.datetime(2024, 1, 25, 2, 0, tzinfo=dt.UTC)
    assert values.deadline_at(PROVINCE, dt.date(2024, 1, 25)).hour == 10


def test_the_ranking_thresholds_feed_core_status():
    values = settings.Settings(ranking_red_below_pct=10, ranking_yellow_below_pct=30)
    lights = [status.rate_thresholds(values).light(r) for r in (4.8, 10.0, 30.0)]
    assert lights == ["red", "amber", "green"]
