"""How long a province's meeting files take on the demo data: the briefing deck with a cold
renderer (Chromium starting) and a warm one, its PDF, and the report form.

    .venv/bin/python -m bench.exports [--unit 45] [--date 2024-01-25] [--runs 3]
                                      [--database-url URL]

Without --database-url a fresh SQLite file with the demo data is made in a temporary folder.
"Warm" runs clear the image cache first, so every chart is drawn again: the time a new
briefing takes once the server has drawn any chart. "PDF after deck" is the common case of
both files for the same briefing (the charts come from the cache). Prints a small table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from core.catalogue.units import by_code
from core.demo.bootstrap import prepare
from core.exports import briefing, briefing_pdf, briefing_pptx, forms, render
from core.storage import db


def _timed(step: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def run(engine, unit: str, day: dt.date, runs: int) -> list[tuple[str, list[float], str]]:
    """(step, seconds per run, size of what it made)."""
    renderer = render.renderer()

    def collect() -> briefing.Briefing:
        with engine.connect() as conn:
            return briefing.collect(conn, unit, day)

    def form() -> bytes:
        with engine.connect() as conn:
            return forms.build(conn, unit, day)

    rows: list[tuple[str, list[float], str]] = []
    seconds, content = _timed(collect)
    rows.append(("Đọc số liệu (briefing.collect)", [seconds], f"{len(content.sections)} phần"))

    renderer.stop()
    renderer.clear_cache()
    seconds, deck = _timed(lambda: briefing_pptx.build(content))
    rows.append(("Báo cáo trình chiếu, lần đầu (khởi động Chromium)", [seconds],
                 _size(deck)))

    warm, pdf_warm, pdf_after = [], [], []
    for _ in range(runs):
        renderer.clear_cache()
        seconds, deck = _timed(lambda: briefing_pptx.build(content))
        warm.append(seconds)
        seconds, pdf = _timed(lambda: briefing_pdf.build(content))
        pdf_after.append(seconds)
        renderer.clear_cache()
        seconds, pdf = _timed(lambda: briefing_pdf.build(content))
        pdf_warm.append(seconds)
    rows.append(("Báo cáo trình chiếu, trình vẽ đã sẵn sàng", warm, _size(deck)))
    rows.append(("Báo cáo PDF, trình vẽ đã sẵn sàng", pdf_warm, _size(pdf)))
    rows.append(("Báo cáo PDF ngay sau bản trình chiếu (ảnh đã có)", pdf_after, _size(pdf)))
    times, made = [], b""
    for _ in range(runs):
        seconds, made = _timed(form)
        times.append(seconds)
    rows.append(("Biểu tổng hợp (.xlsx)", times, _size(made)))
    renderer.stop()
    return rows


def _size(data: bytes) -> str:
    return f"{len(data) / 1024:,.0f} KB".replace(",", ".")


def _seconds(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def print_table(rows: list[tuple[str, list[float], str]], title: str) -> None:
    print(title)
    width = max(len(r[0]) for r in rows)
    print(f"{'Bước':<{width}}  {'Trung vị (s)':>12}  {'Nhanh nhất (s)':>14}  {'Số lần':>6}  "
          f"{'Kích thước':>10}")
    for name, times, size in rows:
        print(f"{name:<{width}}  {_seconds(statistics.median(times)):>12}  "
              f"{_seconds(min(times)):>14}  {len(times):>6}  {size:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unit", default="45", help="Mã tỉnh (mặc định 45, Quảng Trị).")
    parser.add_argument("--date", default="2024-01-25")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    day = dt.date.fromisoformat(args.date)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'demo.db'}"
        engine = db.make_engine(url)
        started = time.perf_counter()
        prepare(engine, demo_if_empty=True)
        print(f"CSDL sẵn sàng sau {_seconds(time.perf_counter() - started)} s ({url})")
        rows = run(engine, args.unit, day, args.runs)
        engine.dispose()
    print_table(rows, f"{by_code()[args.unit].name}, số liệu tính đến ngày "
                      f"{day:%d/%m/%Y} (dữ liệu mẫu)")


if __name__ == "__main__":
    main()
