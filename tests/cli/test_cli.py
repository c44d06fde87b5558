"""The `python -m core` contract, end to end, on SQLite and PostgreSQL: in a subprocess
(each command family at least once), otherwise through `core.cli.main` in the test's
process, which is what `python -m core` runs (core/__main__.py), without a new interpreter
importing pandas and the rest (a second or two of CPU per command)."""

import contextlib
import io
import json
import os
import subprocess
import sys

import pytest

from core.catalogue.units import by_code
from core.storage import db

pytestmark = pytest.mark.postgres

RANKING_KEYS = ["rank", "code", "name", "total", "accounts", "cashless", "rate_pct"]


def run_cli(url: str, *args: str, stdin: str | None = None,
            in_process: bool = True) -> subprocess.CompletedProcess:
    """`python -m core ARGS` on the database at `url`: exit code, stdout, stderr."""
    if in_process:
        return _run_in_process(url, list(args), stdin)
    env = {**os.environ, "ASXH_DATABASE_URL": url}
    env.pop("ASXH_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "core", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=600)  # a hang guard


def _run_in_process(url: str, args: list[str], stdin: str | None
                    ) -> subprocess.CompletedProcess:
    """core.cli.main(args) as `python -m core` runs it: the database's URL in the
    environment, ASXH_DEBUG unset, stdin/stdout/stderr its own, the terminal 80 columns
    wide as for a process whose output is piped, exit codes from SystemExit (argparse)."""
    from core import cli

    saved = {name: os.environ.get(name) for name in ("ASXH_DATABASE_URL", "ASXH_DEBUG",
                                                     "COLUMNS")}
    os.environ["ASXH_DATABASE_URL"] = url
    os.environ.pop("ASXH_DEBUG", None)
    os.environ.setdefault("COLUMNS", "80")
    out, err, stdin_before = io.StringIO(), io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    _forget_the_default_engine()  # db.get_engine() keeps one for the environment's URL
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(args)
            except SystemExit as exit_:
                code = exit_.code
                if isinstance(code, str):  # as the interpreter does: the message, exit 1
                    print(code, file=sys.stderr)
                    code = 1
                code = code or 0
    finally:
        _forget_the_default_engine()
        sys.stdin = stdin_before
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return subprocess.CompletedProcess(["python", "-m", "core", *args], code, out.getvalue(),
                                       err.getvalue())


def _forget_the_default_engine() -> None:
    engine = db._ENGINES.pop(None, None)
    if engine is not None:
        engine.dispose()


def run_json(url: str, *args: str, in_process: bool = True) -> list[dict]:
    result = run_cli(url, *args, "--json", in_process=in_process)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_init_db_and_demo_on_a_fresh_database(databases):
    url = databases.new_url()
    first = run_cli(url, "init-db", in_process=False)
    assert first.returncode == 0, first.stderr
    assert "10.810 đơn vị" in first.stdout
    demo = run_cli(url, "demo", in_process=False)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.startswith("Đã nạp dữ liệu mẫu:")
    twice = run_cli(url, "demo", in_process=False)  # idempotent: a second run adds nothing
    assert twice.returncode == 0, twice.stderr
    assert "không nạp thêm gì" in twice.stdout
    on_start = run_cli(url, "demo", "--if-empty", in_process=False)
    assert "không nạp dữ liệu mẫu" in on_start.stdout
    again = run_cli(url, "demo", "--reset", in_process=False)
    assert again.returncode == 0, again.stderr
    ranking = run_json(url, "ranking", "--date", "2024-01-23", in_process=False)
    assert [r["rank"] for r in ranking if r["code"] == "49"] == [58]


def test_ranking_of_provinces(demo_url):
    rows = run_json(demo_url, "ranking", "--date", "2024-01-23")
    assert len(rows) == 63
    assert all(list(r) == RANKING_KEYS for r in rows)
    quang_nam = next(r for r in rows if r["code"] == "49")
    assert (quang_nam["rank"], quang_nam["rate_pct"], quang_nam["name"]) == (
        58, 4.8, "Tỉnh Quảng Nam")
    rates = [r["rate_pct"] for r in rows]
    assert rates == sorted(rates, reverse=True)


def test_ranking_of_communes_by_name_and_group(demo_url):
    rows = run_json(demo_url, "ranking", "--unit", "H. Bình Sơn", "--date", "2024-01-25",
                    "--group", "btxh")
    assert len(rows) == 22
    assert (rows[0]["name"], rows[0]["rate_pct"]) == ("Xã Bình Trị", 60.22)


def test_attainment_of_quang_tri(demo_url):
    rows = run_json(demo_url, "attainment", "--province", "Quảng Trị", "--date", "2024-03-31")
    assert list(rows[0]) == ["code", "name", "group", "total", "cashless", "quota_to_date",
                             "quota_year", "attainment_pct", "year_attainment_pct"]
    province = {r["group"]: r for r in rows if r["code"] == "45"}
    assert province["ncc"]["quota_to_date"] == 530
    assert province["btxh"]["quota_year"] == 13519
    assert len([r for r in rows if r["code"] != "45"]) == 18
    some = rows[0]
    assert some["attainment_pct"] == round(some["cashless"] / some["quota_to_date"] * 100, 2)


def test_lagging_communes_of_binh_son(demo_url):
    rows = run_json(demo_url, "lagging", "--unit", "524", "--date", "2024-01-25")
    assert len(rows) == 18
    assert list(rows[0]) == ["code", "name", "parent", "total", "cashless", "rate_pct", "reason"]
    assert {r["reason"] for r in rows} == {"not_started", "below_threshold"}
    assert all(r["parent"] == "Huyện Bình Sơn" for r in rows)
    strict = run_json(demo_url, "lagging", "--unit", "524", "--date", "2024-01-25",
                      "--below", "50")
    assert {by_code()[r["code"]].short_name for r in strict} >= {"Châu Ổ", "Bình Thanh"}


def test_trend_of_quang_tri(demo_url):
    rows = run_json(demo_url, "trend", "--unit", "45", "--group", "ncc")
    assert list(rows[0]) == ["date", "total", "accounts", "cashless", "rate_pct",
                             "new_cashless", "target_cashless"]
    assert rows[0]["date"] == "2023-12-31"
    assert rows[0]["new_cashless"] is None
    on_day = {r["date"]: r for r in rows}
    assert on_day["2024-02-01"]["target_cashless"] == 530
    assert on_day["2024-04-01"]["target_cashless"] == 530 + 1193
    assert on_day["2024-02-01"]["new_cashless"] == (
        on_day["2024-02-01"]["cashless"] - on_day["2024-01-31"]["cashless"])


def test_user_add_reads_the_password_from_stdin(databases):
    url = databases.new_url()
    ok = run_cli(url, "user", "add", "chuyenvien", "--role", "staff", "--unit", "Huyện Bình Sơn",
                 "--password-stdin", stdin="mật khẩu rất dài của tôi\n", in_process=False)
    assert ok.returncode == 0, ok.stderr
    again = run_cli(url, "user", "add", "chuyenvien", "--role", "staff", "--unit", "524",
                    "--password-stdin", stdin="mật khẩu khác dài\n")
    assert again.returncode == 2
    assert "đã tồn tại" in again.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (("lagging", "--unit", "Huyện Không Có Thật"), "Không tìm thấy"),
    (("ranking", "--date", "23/13/2024"), "không hợp lệ"),
    (("lagging",), "Thiếu tham số bắt buộc: --unit"),
    (("ranking", "--group", "xyz"), "không hợp lệ"),
    (("ranking", "--unit", "Bình Minh"), "khớp với"),
    (("frobnicate",), "không hợp lệ"),
])
def test_user_errors_are_vietnamese_with_exit_2_and_no_traceback(demo_url, args, expected):
    result = run_cli(demo_url, *args, in_process=args != ("frobnicate",))  # one in a real process
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", [[], ["demo"], ["ranking"], ["lagging"], ["timeliness"],
                                     ["import"], ["export"], ["user", "add"]])
def test_help_is_vietnamese(demo_url, command):
    result = run_cli(demo_url, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Cách dùng: python -m core")
    for english in ("usage:", "options:", "positional arguments", "show this help",
                    " UNIT", " DATE", "{all,"):
        assert english not in result.stdout


def test_tables_are_vietnamese_and_json_keys_stay(demo_url):
    table = run_cli(demo_url, "lagging", "--unit", "524", "--date", "2024-01-25")
    assert table.returncode == 0, table.stderr
    header = table.stdout.splitlines()[0].split()
    assert header[:3] == ["Mã", "Đơn", "vị"] and "Lý" in header
    assert "Chưa triển khai" in table.stdout and "not_started" not in table.stdout
    trend = run_cli(demo_url, "trend", "--unit", "49").stdout
    assert "23/01/2024 125.000        6.140          6.000   4,8%" in trend
    rows = run_json(demo_url, "lagging", "--unit", "524", "--date", "2024-01-25")
    assert list(rows[0]) == ["code", "name", "parent", "total", "cashless", "rate_pct",
                             "reason"]
