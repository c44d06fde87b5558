"""`python -m core timeliness`: per expected unit its deadline, when its report arrived and
the verdict, as JSON with ISO local times; Vietnamese errors with exit status 2."""

from __future__ import annotations

import datetime as dt

import pytest

from core.access import settings
from tests.cli.test_cli import run_cli, run_json
from tests.helpers import put_figures

pytestmark = pytest.mark.postgres

KEYS = ["code", "name", "level", "deadline", "received_at", "status"]
VN = settings.TIMEZONE


def local(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2024, 1, 25, hour, minute, tzinfo=VN)


def test_on_time_late_and_missing_with_iso_local_times(databases):
    engine = databases.new_engine()
    url = engine.url.render_as_string(hide_password=False)
    put_figures(engine, [("19357", "btxh", "2024-01-25", 100, 20, 10)], "a.xlsx", local(7, 29))
    put_figures(engine, [("19358", "btxh", "2024-01-25", 100, 20, 10)], "b.xlsx", local(7, 31))
    rows = run_json(url, "timeliness", "--unit", "TX. Quảng Trị", "--date", "2024-01-25")
    assert all(list(r) == KEYS for r in rows)
    by_code = {r["code"]: r for r in rows}
    assert list(by_code) == ["462", "19357", "19358", "19360", "19361", "19705"]
    assert by_code["19357"] == {
        "code": "19357", "name": "Phường 1", "level": 3,
        "deadline": "2024-01-25T07:30:00+07:00", "received_at": "2024-01-25T07:29:00+07:00",
        "status": "on_time"}
    assert by_code["19358"]["status"] == "late"
    assert by_code["19358"]["received_at"] == "2024-01-25T07:31:00+07:00"
    assert by_code["462"] == {
        "code": "462", "name": "Thị xã Quảng Trị", "level": 2,
        "deadline": "2024-01-25T09:00:00+07:00", "received_at": None, "status": "missing"}
    table = run_cli(url, "timeliness", "--unit", "462", "--date", "25/01/2024",
                    in_process=False)
    assert table.returncode == 0, table.stderr
    assert "Đúng hạn" in table.stdout and "Phường 1" in table.stdout
    assert "on_time" not in table.stdout and "Hạn nộp" in table.stdout


def test_on_the_demo_data(demo_url):
    rows = run_json(demo_url, "timeliness", "--unit", "524", "--date", "2024-01-25")
    assert len(rows) == 23
    assert {r["status"] for r in rows} <= {"on_time", "late"}
    assert all(r["received_at"].endswith("+07:00") for r in rows)


@pytest.mark.parametrize(("args", "expected"), [
    (["timeliness", "--date", "2024-01-25"], "Thiếu tham số bắt buộc: --unit."),
    (["timeliness", "--unit", "524", "--date", "25-13-2024"], "Ngày \"25-13-2024\" không hợp lệ"),
    (["timeliness", "--unit", "Huyện Không Có"], "Lỗi:"),
])
def test_user_errors_exit_2_in_vietnamese(demo_url, args, expected):
    result = run_cli(demo_url, *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_the_default_day_is_the_latest_with_data_like_every_other_command(demo_url):
    rows = run_json(demo_url, "timeliness", "--unit", "524")
    assert {r["deadline"][:10] for r in rows} == {"2024-12-31"}
    help_text = run_cli(demo_url, "timeliness", "--help").stdout
    assert "mặc định: ngày gần nhất có số liệu" in help_text
