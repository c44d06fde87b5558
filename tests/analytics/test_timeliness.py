"""Daily report timeliness, judged by when the upload came in (Vietnam time): a commune's
report at 07:29 is on time, at 07:31 late, none at all missing; a district has until 09:00."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.access import auth, settings
from core.access.permissions import Account
from core.analytics import timeliness
from core.ingest.history import revert_upload
from core.storage.db import uploads
from tests.helpers import put_figures

pytestmark = pytest.mark.postgres

VN = settings.TIMEZONE
DAY = dt.date(2024, 1, 25)
TOWN = "462"  # Thị xã Quảng Trị: 5 communes
PHUONG_1, AN_DON, PHUONG_2, PHUONG_3, HAI_LE = "19357", "19358", "19360", "19361", "19705"
ADMIN = Account("quantri", "admin", None)


def at(hour: int, minute: int, second: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=VN)


def report(engine, code: str, when: dt.datetime, day: dt.date = DAY, cashless: int = 10,
           name: str | None = None) -> int:
    return put_figures(engine, [(code, "btxh", day.isoformat(), 100, 20, cashless)],
                       file_name=name or f"{code}-{when:%H%M%S}.xlsx", uploaded_at=when)


def statuses(engine, unit: str = TOWN, day: dt.date = DAY) -> dict[str, str]:
    with engine.connect() as conn:
        table = timeliness.timeliness(conn, unit, day)
    return dict(zip(table["code"], table["status"], strict=True))


def test_commune_at_07_29_is_on_time_07_31_late_and_none_missing(empty_engine):
    report(empty_engine, PHUONG_1, at(7, 29))
    report(empty_engine, AN_DON, at(7, 31))
    report(empty_engine, PHUONG_2, at(7, 30))  # the deadline itself is still on time
    with empty_engine.connect() as conn:
        table = timeliness.timeliness(conn, TOWN, DAY)
    rows = table.set_index("code")
    assert rows.loc[PHUONG_1, "status"] == "on_time"
    assert rows.loc[AN_DON, "status"] == "late"
    assert rows.loc[PHUONG_2, "status"] == "on_time"
    assert rows.loc[PHUONG_3, "status"] == "missing"
    assert rows.loc[AN_DON, "received_at"] == at(7, 31)
    assert rows.loc[AN_DON, "minutes_late"] == pytest.approx(1.0)
    assert rows.loc[PHUONG_1, "minutes_late"] == pytest.approx(-1.0)
    assert rows.loc[PHUONG_1, "deadline"] == at(7, 30)
    assert str(rows.loc[PHUONG_1, "received_at"].tzinfo) == "Asia/Ho_Chi_Minh"
    assert timeliness.counts(table) == {"expected": 6, "on_time": 2, "late": 1, "missing": 3}


def test_the_district_itself_has_until_09_00(empty_engine):
    report(empty_engine, TOWN, at(8, 59))
    assert statuses(empty_engine)[TOWN] == "on_time"
    other = "466"  # Huyện Gio Linh
    report(empty_engine, other, at(9, 0, 1))
    assert statuses(empty_engine, other)[other] == "late"
    # The province has until 10:00.
    report(empty_engine, "45", at(9, 45))
    assert statuses(empty_engine, "45")["45"] == "on_time"


def test_times_are_compared_in_vietnam_not_utc(empty_engine):
    # 00:29 UTC is 07:29 in Vietnam: on time. 07:29 UTC is 14:29 in Vietnam: late.
    report(empty_engine, PHUONG_1, dt.datetime(2024, 1, 25, 0, 29, tzinfo=dt.UTC))
    report(empty_engine, AN_DON, dt.datetime(2024, 1, 25, 7, 29, tzinfo=dt.UTC))
    # 23:45 UTC on the 24th is 06:45 on the 25th in Vietnam: on time for the 25th.
    report(empty_engine, PHUONG_2, dt.datetime(2024, 1, 24, 23, 45, tzinfo=dt.UTC))
    found = statuses(empty_engine)
    assert (found[PHUONG_1], found[AN_DON], found[PHUONG_2]) == ("on_time", "late", "on_time")
    with empty_engine.connect() as conn:
        stored = conn.scalar(sa.select(uploads.c.uploaded_at).order_by(uploads.c.id).limit(1))
    assert stored.replace(tzinfo=None) == dt.datetime(2024, 1, 25, 0, 29)  # kept in UTC


def test_a_report_dated_d_uploaded_the_next_day_is_late_for_d(empty_engine):
    report(empty_engine, PHUONG_1, at(7, 0, day=DAY + dt.timedelta(days=1)))
    assert statuses(empty_engine)[PHUONG_1] == "late"
    assert statuses(empty_engine, day=DAY + dt.timedelta(days=1))[PHUONG_1] == "missing"


def test_a_later_correction_does_not_make_an_on_time_report_late(empty_engine):
    report(empty_engine, PHUONG_1, at(7, 10), cashless=10, name="first.xlsx")
    report(empty_engine, PHUONG_1, at(11, 0), cashless=12, name="correction.xlsx")
    with empty_engine.connect() as conn:
        table = timeliness.timeliness(conn, TOWN, DAY).set_index("code")
    assert table.loc[PHUONG_1, "status"] == "on_time"
    assert table.loc[PHUONG_1, "received_at"] == at(7, 10)


def test_a_reverted_upload_is_not_a_report(empty_engine):
    with empty_engine.begin() as conn:
        auth.create_user(conn, "quantri", "mật khẩu dài đủ 12", "admin", None)
    upload = report(empty_engine, PHUONG_1, at(7, 0))
    with empty_engine.begin() as conn:
        revert_upload(conn, upload, ADMIN)
    assert statuses(empty_engine)[PHUONG_1] == "missing"


def test_levels_that_report_and_deadlines_come_from_the_settings(empty_engine):
    report(empty_engine, PHUONG_1, at(7, 10))
    with empty_engine.begin() as conn:
        settings.save(conn, ADMIN, {"report_district": False, "deadline_commune": "07:00"})
    found = statuses(empty_engine)
    assert TOWN not in found
    assert found[PHUONG_1] == "late"
    assert len(found) == 5
    with empty_engine.connect() as conn:
        assert settings.load(conn).reports_daily(2) is False


def test_history_and_punctuality_per_unit(empty_engine):
    for day, minute in ((24, 20), (25, 40)):  # on time on the 24th, late on the 25th
        report(empty_engine, PHUONG_1, at(7, minute, day=dt.date(2024, 1, day)),
               day=dt.date(2024, 1, day))
    with empty_engine.connect() as conn:
        hist = timeliness.history(conn, TOWN, dt.date(2024, 1, 23), DAY)
    mine = hist[hist["code"] == PHUONG_1].set_index("report_date")["status"].to_dict()
    assert mine == {dt.date(2024, 1, 23): "missing", dt.date(2024, 1, 24): "on_time",
                    DAY: "late"}
    assert len(hist) == 6 * 3
    table = timeliness.punctuality(hist).set_index("code")
    assert table.loc[PHUONG_1, ["on_time", "late", "missing", "days"]].tolist() == [1, 1, 1, 3]
    assert table.loc[PHUONG_1, "median_minutes_late"] == pytest.approx(10.0)
    assert table.index[-1] == PHUONG_1  # the most punctual last: the others never reported


def test_reminder_lists_the_missing_units_by_level_with_their_deadline(empty_engine):
    report(empty_engine, PHUONG_1, at(7, 0))
    report(empty_engine, AN_DON, at(7, 0))
    with empty_engine.connect() as conn:
        table = timeliness.timeliness(conn, TOWN, DAY)
    text = timeliness.reminder_text(table, TOWN, DAY, now=at(9, 5))
    assert "Đến 09:05 ngày 25/01/2024" in text
    assert "báo cáo tiến độ chi trả an sinh xã hội không dùng tiền mặt ngày 25/01/2024" in text
    assert "của 4 đơn vị sau:" in text
    assert "Cấp huyện (hạn 09:00 ngày 25/01/2024):\n1. Thị xã Quảng Trị" in text
    assert "Cấp xã (hạn 07:30 ngày 25/01/2024):\n1. Phường 2 (Thị xã Quảng Trị)" in text
    assert "Phường 1" not in text.replace("Phường 1 ", "")
    assert "đúng, đủ, sạch, sống" in text
    everyone = table.assign(status="on_time")
    assert timeliness.reminder_text(everyone, TOWN, DAY) == ""


def test_next_deadline_and_countdown():
    values = settings.DEFAULTS
    levels = [1, 2, 3]
    assert timeliness.next_deadline(at(7, 0), values, levels) == (3, at(7, 30))
    assert timeliness.next_deadline(at(7, 30), values, levels) == (2, at(9, 0))
    assert timeliness.next_deadline(at(10, 30), values, levels) == (
        3, at(7, 30, day=DAY + dt.timedelta(days=1)))
    assert timeliness.next_deadline(at(8, 0), values, [1]) == (1, at(10, 0))
    assert timeliness.countdown_text(at(7, 17, 30), at(9, 0)) == "còn 1 giờ 43 phút"
    assert timeliness.countdown_text(at(8, 48), at(9, 0)) == "còn 12 phút"


def test_expected_units_are_the_unit_and_its_reporting_descendants():
    assert timeliness.expected_units(TOWN, [2, 3]) == [TOWN, PHUONG_1, AN_DON, PHUONG_2,
                                                       PHUONG_3, HAI_LE]
    assert timeliness.expected_units(TOWN, [3]) == [PHUONG_1, AN_DON, PHUONG_2, PHUONG_3,
                                                    HAI_LE]
    assert timeliness.expected_units(PHUONG_1, [1, 2, 3]) == [PHUONG_1]
    assert len(timeliness.expected_units("45", [1, 2])) == 11


def test_demo_reports_arrive_mostly_on_time_some_late(demo_engine):
    with demo_engine.connect() as conn:
        table = timeliness.timeliness(conn, "524", dt.date(2024, 1, 25))
        hist = timeliness.history(conn, "45", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert timeliness.counts(table)["expected"] == 23
    assert timeliness.counts(table)["missing"] == 0
    shares = hist["status"].value_counts(normalize=True)
    assert shares["on_time"] > 0.8
    assert 0.02 < shares["late"] < 0.15
    assert (hist.loc[hist["code"] == "471", "status"] == "missing").all()  # Cồn Cỏ: no figures
