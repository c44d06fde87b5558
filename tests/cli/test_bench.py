"""The benchmark runs end to end at a tiny scale and prints its tables (shape only: no
timing is asserted here or anywhere), and the pages' cache never mixes units."""

from __future__ import annotations

import os

import pytest

from bench import run, synthetic
from core.analytics import metrics
from core.storage import sources
from ui import data as page_data

TINY = ["--scales", "tiny", "--runs", "1", "--cold-runs", "1"]


def _check_tables(text: str, backend: str) -> None:
    assert "## Nạp dữ liệu tổng hợp" in text
    assert "## Nhập tệp báo cáo toàn quốc theo xã (một ngày)" in text
    assert f"## Truy vấn của các trang ({backend}): lạnh / ấm, ms" in text
    rows = [line for line in text.splitlines() if line.startswith(f"| {backend} | tiny |")]
    assert len(rows) == 3  # one load row, one import row, one whole-process import row
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
    assert len([line for line in process.splitlines()
                if line.startswith(f"| {backend} | tiny |")]) == 1


def test_the_benchmark_runs_at_a_tiny_scale_on_sqlite(capsys):
    assert run.main([*TINY, "--backends", "sqlite"]) == 0
    _check_tables(capsys.readouterr().out, "sqlite")


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
