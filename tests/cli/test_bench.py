"""The benchmark runs end to end at a tiny scale and prints its tables (shape only: no
timing is asserted here or anywhere), and the pages' cache never mixes units."""

from __future__ import annotations

import os
import re

import pytest

from bench import pages, run, synthetic
from core.analytics import metrics
from core.storage import sources
from ui import data as page_data
from ui.registry import BY_KEY

TINY = ["--scales", "tiny", "--runs", "1", "--cold-runs", "1"]


def _check_tables(text: str, backend: str) -> None:
    assert "## Nạp dữ liệu tổng hợp" in text
    assert "## Nhập tệp báo cáo toàn quốc theo xã (một ngày)" in text
    assert f"## Truy vấn của các trang ({backend}): lạnh / ấm, ms" in text
    rows = [line for line in text.splitlines() if line.startswith(f"| {backend} | tiny |")]
    assert len(rows) == 3  # a load row, an import row, a whole-process import row
    queries, _ = run.page_queries("tiny")
    table = text.split(f"## Truy vấn của các trang ({backend})")[1].split("## So với")[0]
    body = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert len(body) == len(queries)
    assert all(line.count(" / ") == 1 for line in body)
    assert "mỗi đơn vị nhận đúng số liệu của mình" in table
    goals = [line for line in text.split("## So với mục tiêu")[1].splitlines()
             if line.startswith(f"| {backend} | tiny: ")]
    assert len(goals) == 4  # the import ratios (page limits are set for the real scales)
    process = text.split("Cả tiến trình")[1].split("##")[0]
    (row,) = [line for line in process.splitlines() if line.startswith(f"| {backend} | tiny |")]
    cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
    # openpyxl, into an empty database, its ratio, into the data, its ratio, then what the
    # interpreter and the libraries alone take (measured, never missing) and its ratio
    assert len(cells) == 9
    assert all(SECONDS.fullmatch(cells[i]) for i in (2, 3, 5, 7)), cells
    assert all(cells[i].endswith("×") for i in (4, 6, 8)), cells
    _check_user_tables(text, backend, "tiny", runs=1)


SECONDS = re.compile(r"\d+,\d\d s")
WAIT_AND_CPU = re.compile(r"\d+,\d\d s \(\d+,\d\d\)")


def _rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under the heading that starts with `heading`."""
    part = text.split(heading)[1].split("\n## ")[0]
    lines = [line for line in part.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]


def _check_user_tables(text: str, backend: str, scale: str, runs: int) -> None:
    """Every page with its four interactions, a figure in each cell; then ten sessions on
    the two pages with their number of loads, and the server's memory."""
    one = _rows(text, f"## Trang như người dùng gặp ({backend})")
    titles = [BY_KEY[p].title for p in pages.PAGES]
    assert [row[0] for row in one] == [t for t in titles for _ in pages.INTERACTIONS]
    assert [row[1].split(" (")[0] for row in one[:4]] == [
        "Lần đầu mở", "Mở lại", "Đổi ngày", "Đổi đơn vị"]
    assert all(WAIT_AND_CPU.fullmatch(row[2]) for row in one), one
    assert all(row[-1] == "–" for row in one)  # the target is judged at nation-year only
    crowd = _rows(text, f"## {pages.SESSIONS} phiên đăng nhập cùng lúc ({backend})")
    assert [row[:2] for row in crowd] == [[scale, "Tổng quan"], [scale, "Xã chậm tiến độ"],
                                          [scale, "Bộ nhớ máy chủ (đỉnh)"]]
    for row in crowd[:2]:
        assert row[2] == str(pages.SESSIONS * runs)  # every session loaded each page
        assert all(SECONDS.fullmatch(cell) for cell in row[3:7]), row
    assert re.fullmatch(r"[\d.]+ MB", crowd[2][6])


@pytest.mark.postgres
def test_the_benchmark_runs_at_a_tiny_scale_on_postgresql(capsys, monkeypatch):
    server = os.environ.get("ASXH_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("ASXH_TEST_POSTGRES_URL not set")
    monkeypatch.setenv("ASXH_DATABASE_URL", server)
    assert run.main([*TINY, "--backends", "postgresql"]) == 0
    _check_tables(capsys.readouterr().out, "postgresql")


def test_the_synthetic_data_continues_into_the_imported_day():
    s = synthetic.scale("tiny")
    loaded = synthetic.province_reports("48", s.days)
    following = synthetic.next_day(s)
    last = loaded[loaded["report_date"] == s.last_day].set_index(["unit_code", "grp"])
    after = following.set_index(["unit_code", "grp"]).loc[last.index]
    assert (after["cashless"] >= last["cashless"]).all()
    assert (after["total"] == last["total"]).all()


def test_the_page_cache_never_mixes_units(demo_engine, demo_url):
    with demo_engine.connect() as conn:
        version = sources.data_version(conn)
        want = {u: metrics.trend(conn, u) for u in ("45", "49", "524")}
        ranks = {p: metrics.ranking_change(conn, None, "all", p) for p in ("45", "51")}
    cached = page_data.Data(demo_engine, demo_url, version)
    for unit in ("45", "49", "524", "45"):
        assert cached.trend(unit).equals(want[unit])
    for parent in ("45", "51", "45"):
        assert cached.ranking(None, "all", parent).equals(ranks[parent])


def test_the_cli_runs_the_benchmark(capsys):
    """The whole tiny benchmark on SQLite, through `python -m core bench` (which hands its
    arguments to bench.run), at the default number of cold runs (their medians merged)."""
    from core import cli

    assert cli.main(["bench", "--scales", "tiny", "--runs", "1", "--backends", "sqlite"]) == 0
    _check_tables(capsys.readouterr().out, "sqlite")


def _scale_result(cold: float, warm: float, peak: float = 300.0) -> dict:
    query = {"page_name": "Xếp hạng", "what": "các tỉnh", "cold": cold, "warm": warm,
             "page": 0.0001}
    return {"load": {"seconds": 120.0, "rows": 1, "rollup_seconds": 1.0, "peak_mb": peak},
            "import": {"openpyxl": 1.5, "calamine": 0.1, "import": 0.25, "peak_mb": peak,
                       "process_openpyxl": 2.0, "process_empty": 0.9, "process_data": 1.1},
            "pages": {"queries": [query], "peak_mb": peak}}


def test_the_targets_say_met_or_not_from_the_figures():
    met = {goal: ok for goal, _, ok in run.targets(
        {"nation-year": _scale_result(cold=0.9, warm=0.12, peak=1100)})}
    assert met == {
        "nation-year: nhập ≥ 5× nhanh hơn openpyxl": True,
        "nation-year: nhập ≤ 2× đọc calamine": False,
        "nation-year: lệnh nhập cả tiến trình vào CSDL trống ≤ 0,5× đọc openpyxl": True,
        "nation-year: lệnh nhập cả tiến trình vào số liệu của quy mô ≤ 0,5× đọc openpyxl":
            False,
        "nation-year: mọi truy vấn trang, lạnh < 1000 ms": True,
        "nation-year: mọi truy vấn trang, ấm < 100 ms": False,
        "nation-year: bộ nhớ đỉnh của tiến trình dashboard (trang, nhập tệp) < 1 GB": False,
        "nation-year: nạp dữ liệu tổng hợp trong vài phút": True,
    }


def _feel(seconds: float, p95: float, server_mb: float) -> dict:
    times = {i: {"wall": seconds, "cpu": seconds / 2} for i in pages.INTERACTIONS}
    crowd = {"loads": 20, "median": p95 / 2, "p95": p95, "max": p95, "first_p95": p95}
    return {"users": {"pages": {p: times for p in pages.PAGES},
                      "unit_change": {p: "district" for p in pages.PAGES},
                      "province": "01", "district": "001", "day": "2024-12-31",
                      "load": [1.0, 1.0], "peak_mb": 300.0},
            "crowd": {"pages": {p: crowd for p in pages.CROWD_PAGES}, "server_mb": server_mb,
                      "server_cpu": 30.0, "wall": 20.0,
                      "server_before_mb": 200.0, "provinces": 10, "load": [1.0, 1.0]}}


def test_the_user_tables_say_met_or_not_from_the_figures():
    text = pages.report({"sqlite": {"nation-quarter": _feel(5.0, 9.0, 900.0),
                                    "nation-year": _feel(0.5, 2.5, 550.0)}}, runs=3)
    one = _rows(text, "## Trang như người dùng gặp (sqlite)")
    assert {(row[2], row[3], row[-1]) for row in one} == {
        ("5,00 s (2,50)", "0,50 s (0,25)", "có")}
    crowd = _rows(text, "## 10 phiên đăng nhập cùng lúc (sqlite)")
    verdicts = {(row[0], row[1]): row[-1] for row in crowd}
    assert verdicts == {
        ("nation-quarter", "Tổng quan"): "–", ("nation-quarter", "Xã chậm tiến độ"): "–",
        ("nation-quarter", "Bộ nhớ máy chủ (đỉnh)"): "–",
        ("nation-year", "Tổng quan"): "KHÔNG", ("nation-year", "Xã chậm tiến độ"): "KHÔNG",
        ("nation-year", "Bộ nhớ máy chủ (đỉnh)"): "có"}


def test_the_95th_percentile_of_the_loads():
    assert pages.p95([3.0]) == 3.0
    assert pages.p95([float(i) for i in range(1, 101)]) == pytest.approx(95.05)
