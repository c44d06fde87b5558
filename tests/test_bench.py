"""The benchmark runs end to end at a tiny scale and prints its tables (shape only: no
timing is asserted here or anywhere), and the pages' cache never mixes units."""

from __future__ import annotations

import os

import pytest

from bench import run, synthetic
from core import metrics, sources
from ui import data as page_data

TINY = ["--scales", "tiny", "--runs", "1", "--cold-runs", "1"]


def _check_tables(text: str, backend: str) -> None:
    assert "## Nạp dữ liệu tổng hợp" in text
    assert "## Nhập tệp báo cáo toàn quốc theo xã (một ngày)" in text
    assert f"## Truy vấn của các trang ({backend}): lạnh / ấm, ms" in text
    rows = [line for line in text.splitlines() if line.startswith(f"| {backend} | tiny |")]
    assert len(rows) == 2  # one load row, one import row
    queries, _ = run.page_queries("tiny")
    table = text.split(f"## Truy vấn của các trang ({backend})")[1]
    body = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert len(body) == len(queries)
    assert all(line.count(" / ") == 1 for line in body)
    assert "mỗi đơn vị nhận đúng số liệu của mình" in table


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
