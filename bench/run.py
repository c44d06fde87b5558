"""Performance at national scale, measured.

    .venv/bin/python -m bench.run [--scales province-year,nation-quarter,nation-year]
                                  [--runs 5] [--cold-runs 3] [--backends sqlite,postgresql]
    (or: python -m core bench ...)

For each backend (SQLite files in a temporary folder; PostgreSQL when ASXH_DATABASE_URL points
to a server: a fresh database there, dropped afterwards) and each scale of bench/synthetic.py:

1. Load: the synthetic reports, quotas and their roll-ups (rows, seconds, peak memory).
2. Import: the 10,051-row national daily file of the next day, planned and applied (and
   rolled back, so every run does the same work), against pandas.read_excel(engine=
   "openpyxl") and a bare python-calamine read of the same bytes in the same run.
3. Pages: the queries behind each page, cold (the first call on a new connection in a fresh
   process: empty database cache, compiled-statement cache empty) and warm (the same call
   repeated, median), and the page's own st.cache_data entry (ui.data) hit again.
4. Users (bench/pages.py): every page as a person meets it (first visit, revisit, a date
   change, a unit change) through AppTest, and ten signed-in sessions at once on «Tổng quan»
   and «Xã chậm tiến độ» against a real server (median, p95, the server's peak memory).
   `--users-only` runs the load and this phase alone.

Each phase runs in a process of its own, so the peak memory (ru_maxrss) printed is that
phase's. Medians of --runs (--cold-runs for cold figures). Output: Markdown tables. The
database files are made here and removed after; data/asxh.db is never opened. Timings are
printed, never asserted (tests run this at a tiny scale to prove it works).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALL = "all"


# ----------------------------------------------------------------------------- orchestration

def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        return _worker(args)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Measure every backend and scale asked for and print the tables."""
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    backends = _backends(args.backends)
    print(f"# Hiệu năng: {', '.join(scales)} trên {', '.join(b for b, _ in backends)} "
          f"({dt.date.today():%d/%m/%Y}, {os.cpu_count()} lõi, trung vị {args.runs} lần; "
          f"lạnh: trung vị {args.cold_runs} tiến trình mới)\n", flush=True)
    results: dict[str, dict[str, dict]] = {}
    for backend, server in backends:
        for scale in scales:
            print(f"... {backend}, {scale}", file=sys.stderr, flush=True)
            results.setdefault(backend, {})[scale] = _measure(backend, server, scale, args)
    if args.users_only:
        from bench import pages

        print(pages.report(results, args.runs))
    else:
        print(report(results, args.runs))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split(
        "\n")[0])
    add_arguments(parser)
    parser.add_argument("--worker", choices=["load", "import", "pages", "users", "crowd"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--scale", help=argparse.SUPPRESS)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options, declared once for `python -m bench.run` and `python -m core bench`."""
    parser.add_argument("--scales", default="province-year,nation-quarter,nation-year",
                        help="Quy mô, cách nhau bởi dấu phẩy: province-year, nation-quarter, "
                             "nation-year.")
    parser.add_argument("--runs", type=int, default=5, help="Số lần đo để lấy trung vị.")
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="Số tiến trình mới cho số đo lạnh (lấy trung vị).")
    parser.add_argument("--backends", default=None,
                        help="sqlite,postgresql (mặc định: sqlite, và postgresql khi "
                             "ASXH_DATABASE_URL trỏ tới PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="giữ lại các CSDL đã tạo")
    parser.add_argument("--users-only", action="store_true",
                        help="chỉ đo trang như người dùng gặp (bench/pages.py): nạp dữ liệu, "
                             "một người, mười phiên cùng lúc")


def _backends(choice: str | None) -> list[tuple[str, str | None]]:
    server = os.environ.get("ASXH_DATABASE_URL", "")
    postgres = server if server.startswith("postgresql") else None
    wanted = choice.split(",") if choice else ["sqlite", *(["postgresql"] if postgres else [])]
    if "postgresql" in wanted and postgres is None:
        raise SystemExit("PostgreSQL: hãy đặt ASXH_DATABASE_URL=postgresql+psycopg://... "
                         "(máy chủ để tạo CSDL đo thử).")
    return [(b, postgres if b == "postgresql" else None) for b in wanted]


def _measure(backend: str, server: str | None, scale: str, args) -> dict:
    """Make a database, run the three phases in their own processes, drop the database."""
    folder = Path(tempfile.mkdtemp(prefix="asxh-bench-"))
    url = (f"sqlite:///{folder / f'{scale}.db'}" if backend == "sqlite"
           else _new_postgres_database(server, scale))
    try:
        out = {"load": _run_worker("load", url, scale, args)}
        # The pages as users meet them first (bench/pages.py): they open on the newest day in
        # the database, which the import phase moves past the scale's last day (it imports
        # the following days), where a new year has no quotas and one day of figures.
        out["users"] = _run_worker("users", url, scale, args)
        out["crowd"] = _run_worker("crowd", url, scale, args)
        if not args.users_only:
            out["import"] = _run_worker("import", url, scale, args)
            pages = [_run_worker("pages", url, scale, args)
                     for _ in range(max(args.cold_runs, 1))]
            out["pages"] = _merge_page_runs(pages)
        return out
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
            if backend == "postgresql":
                _drop_postgres_database(server, url)
        else:
            print(f"    giữ lại: {url}", file=sys.stderr)


def _run_worker(phase: str, url: str, scale: str, args) -> dict:
    command = [sys.executable, "-m", "bench.run", "--worker", phase, "--url", url,
               "--scale", scale, "--runs", str(args.runs)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"Bước {phase} ({scale}) lỗi:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _merge_page_runs(runs: list[dict]) -> dict:
    first = runs[0]
    queries = []
    for i, query in enumerate(first["queries"]):
        same = [r["queries"][i] for r in runs]
        queries.append({**query,
                        "cold": statistics.median(q["cold"] for q in same),
                        "warm": statistics.median(q["warm"] for q in same),
                        "page": statistics.median(q["page"] for q in same)})
    return {**{k: v for k, v in first.items() if k not in ("queries", "peak_mb")},
            "queries": queries, "peak_mb": max(r["peak_mb"] for r in runs),
            "unit_keyed": all(r["unit_keyed"] for r in runs)}


def _new_postgres_database(server: str, scale: str) -> str:
    import sqlalchemy as sa

    name = f"asxh_bench_{scale.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(server: str, url: str) -> None:
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# ----------------------------------------------------------------------------------- workers

def _worker(args) -> int:
    from bench import pages

    result = {"load": _load_phase, "import": _import_phase, "pages": _pages_phase,
              "users": pages.users_phase, "crowd": pages.crowd_phase}[
        args.worker](args.url, args.scale, args.runs)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result, default=str))
    return 0


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _load_phase(url: str, scale: str, runs: int) -> dict:
    from bench import synthetic
    from core.demo import bootstrap
    from core.storage import db

    engine = db.make_engine(url)
    bootstrap.prepare(engine, demo_if_empty=False)
    loaded = synthetic.load(engine, scale)
    engine.dispose()
    return loaded


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def _import_phase(url: str, scale: str, runs: int) -> dict:
    import io

    import pandas as pd
    import python_calamine

    from bench import files, synthetic, whole_import
    from core.access.permissions import Account
    from core.ingest.apply import apply_import
    from core.ingest.plan import plan_import
    from core.storage import db

    s = synthetic.scale(scale)
    day = s.last_day + dt.timedelta(days=1)
    frame = synthetic.next_day(s)
    data = files.national_commune_file(frame, day)
    name = f"Bao cao xa ngay {day:%d-%m-%Y}.xlsx"
    engine = db.make_engine(url)
    account = Account("bench", "admin", None)

    def openpyxl_read() -> None:
        pd.read_excel(io.BytesIO(data), engine="openpyxl", header=None)

    def calamine_read() -> None:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        workbook.get_sheet_by_index(0).to_python()

    def one_import() -> tuple[float, float, int]:
        with engine.connect() as conn:
            started = time.perf_counter()
            plan = plan_import(conn, data, name)
            planned = time.perf_counter()
            if not plan.can_apply:
                raise SystemExit(f"Tệp thử không nhập được: {plan.errors[:2]} "
                                 f"{plan.questions[:1]}")
            result = apply_import(conn, plan, account)
            applied = time.perf_counter()
            conn.rollback()  # every run imports into the same database
        return planned - started, applied - planned, result.rows

    one_import()  # warm-up: the resolver's index, compiled statements
    plans, applies, rows = [], [], 0
    openpyxl_times, calamine_times = [], []
    for _ in range(runs):
        openpyxl_times.append(_timed(openpyxl_read))
        calamine_times.append(_timed(calamine_read))
        planned, applied, rows = one_import()
        plans.append(planned)
        applies.append(applied)
    engine.dispose()
    totals = [p + a for p, a in zip(plans, applies, strict=True)]
    process = whole_import.measure(
        url, frame, day, runs,
        lambda b: pd.read_excel(io.BytesIO(b), engine="openpyxl", header=None))
    return {"file_rows": int(frame["unit_code"].nunique()), "records": rows,
            "bytes": len(data), "openpyxl": statistics.median(openpyxl_times),
            "calamine": statistics.median(calamine_times), "plan": statistics.median(plans),
            "apply": statistics.median(applies), "import": statistics.median(totals),
            **process}


@dataclass(frozen=True)
class PageQuery:
    """One query a page makes: through core (timed cold and warm) and through the page's
    cached wrapper in ui.data."""

    page: str
    what: str
    direct: Callable
    cached: Callable


def page_queries(scale: str) -> tuple[list[PageQuery], dict]:
    """The queries behind each page for the scale's biggest province, its biggest district
    and the scale's last day."""
    from bench import synthetic
    from core.analytics import metrics, quotas, summary
    from core.catalogue.units import by_code, child_codes, descendant_codes
    from core.storage import sources
    from core.vocabulary import COMMUNE

    s = synthetic.scale(scale)
    day = s.last_day
    province = synthetic.biggest_province(s)
    district = max(child_codes(province), key=lambda d: (len(child_codes(d)), d))
    units = by_code()
    p_name, d_name = units[province].name, units[district].name
    compared = list(child_codes(province))[:8]
    # Labels name the role, not the unit: each scale has its own biggest province.

    def lag(conn, unit):
        threshold = metrics.lag_threshold(conn, unit, day)
        return metrics.lagging(conn, unit, day, threshold)

    queries = [
        PageQuery("Xếp hạng", "các tỉnh, kèm thứ hạng 7 ngày trước",
                  lambda c: metrics.ranking_change(c, day, ALL, None, 7),
                  lambda d: d.ranking(day, ALL, None, 7)),
        PageQuery("Xếp hạng", "các huyện của tỉnh (*)",
                  lambda c: metrics.ranking_change(c, day, ALL, province, 7),
                  lambda d: d.ranking(day, ALL, province, 7)),
        PageQuery("Xếp hạng", "các xã của huyện (*)",
                  lambda c: metrics.ranking_change(c, day, ALL, district, 7),
                  lambda d: d.ranking(day, ALL, district, 7)),
        PageQuery("Chỉ tiêu", "tỉnh (*): các huyện so với chỉ tiêu",
                  lambda c: quotas.attainment_detail(c, province, day),
                  lambda d: d.attainment(province, day)),
        PageQuery("Chỉ tiêu", "tỉnh (*): theo quý",
                  lambda c: quotas.quarter_progress(c, province, day.year, day),
                  lambda d: d.quarters(province, day)),
        PageQuery("Xã chậm tiến độ", "tỉnh (*), mọi xã", lambda c: lag(c, province),
                  lambda d: d.lagging(province, day)),
        PageQuery("Xã chậm tiến độ", "huyện (*)", lambda c: lag(c, district),
                  lambda d: d.lagging(district, day)),
        PageQuery("Xã chậm tiến độ", "các huyện có số liệu xã",
                  sources.districts_with_commune_reports,
                  lambda d: d.districts_with_commune_reports()),
        PageQuery("Xu hướng", "tỉnh (*)", lambda c: metrics.trend(c, province, ALL, day),
                  lambda d: d.trend(province, ALL, day)),
        PageQuery("Xu hướng", "dự báo đến cuối năm",
                  lambda c: quotas.outlook(c, province, day),
                  lambda d: d.outlook(province, day)),
        PageQuery("Xu hướng", f"so sánh {len(compared)} huyện của tỉnh (*)",
                  lambda c: [metrics.rate_series(c, k, ALL, day) for k in compared],
                  lambda d: [d.rate_series(k, ALL, day) for k in compared]),
        PageQuery("Tổng quan", "câu tóm tắt của tỉnh (*)",
                  lambda c: summary.situation(c, province, day, ALL, 7),
                  lambda d: d.situation(province, day)),
        PageQuery("Mọi trang", "phiên bản số liệu (mỗi lần vẽ trang)",
                  sources.data_version, _version_uncached),
        PageQuery("Mọi trang", "khoảng ngày của bộ chọn ngày", sources.date_range,
                  lambda d: d.date_range()),
        PageQuery("Mọi trang", "ngày báo cáo gần nhất",
                  lambda c: metrics.latest_date(c, province), lambda d: d.latest_date(province)),
        PageQuery("Mọi trang", "nguồn số liệu (chân trang)",
                  lambda c: sources.describe(sources.source_uploads(c, province, day)),
                  lambda d: d.sources(province, day)),
    ]
    communes = len(descendant_codes(province, COMMUNE))
    return queries, {"day": day, "province": p_name, "district": d_name,
                     "communes": communes, "district_communes": len(child_codes(district))}


def _version_uncached(data) -> tuple:
    """The data version is read on every page run (it is the cache key), never cached."""
    from core.storage import sources

    with data.engine.connect() as conn:
        return sources.data_version(conn)


def _pages_phase(url: str, scale: str, runs: int) -> dict:
    import logging

    from core.demo import bootstrap
    from core.storage import db, sources
    from ui import data as page_data

    for name in list(logging.root.manager.loggerDict):  # bare mode: no script context
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)

    bootstrap.settle_process()  # as the dashboard's server process does at start
    queries, where = page_queries(scale)
    out = []
    for query in queries:
        engine = db.make_engine(url)  # a new connection: the database's cache starts cold
        with engine.connect() as conn:
            cold = _timed(lambda q=query, c=conn: q.direct(c))
            warm = statistics.median(_timed(lambda q=query, c=conn: q.direct(c))
                                     for _ in range(runs))
        with engine.connect() as conn:
            version = sources.data_version(conn)
        cached = page_data.Data(engine, url, version)
        query.cached(cached)  # fills the page's cache entry
        page = statistics.median(_timed(lambda q=query, d=cached: q.cached(d))
                                 for _ in range(runs))
        engine.dispose()
        out.append({"page_name": query.page, "what": query.what, "cold": cold, "warm": warm,
                    "page": page})
    return {"queries": out, "unit_keyed": _cache_is_keyed_by_unit(url, scale), **where}


def _cache_is_keyed_by_unit(url: str, scale: str) -> bool:
    """Two units through the page cache: each gets its own figures, never the other's."""
    from bench import synthetic
    from core.analytics import metrics
    from core.storage import db, sources
    from ui import data as page_data

    s = synthetic.scale(scale)
    first, *others = s.provinces if len(s.provinces) > 1 else (*s.provinces, "01")
    second = others[0]
    engine = db.make_engine(url)
    with engine.connect() as conn:
        version = sources.data_version(conn)
        want = {u: metrics.trend(conn, u, ALL, s.last_day) for u in (first, second)}
    cached = page_data.Data(engine, url, version)
    got = {u: cached.trend(u, ALL, s.last_day) for u in (first, second, first)}
    engine.dispose()
    return all(got[u].equals(want[u]) for u in (first, second))


# ------------------------------------------------------------------------------------ report

def report(results: dict[str, dict[str, dict]], runs: int) -> str:
    """Markdown tables: loading, importing, then the pages' queries per backend."""
    lines = ["## Nạp dữ liệu tổng hợp", "",
             "| CSDL | Quy mô | Số báo cáo | Thời gian | Báo cáo/giây | Trong đó cộng dồn "
             "| Bộ nhớ đỉnh |", "|---|---|---:|---:|---:|---:|---:|"]
    for backend, scales in results.items():
        for scale, r in scales.items():
            load = r["load"]
            lines.append(f"| {backend} | {scale} | {_n(load['rows'])} | {_s(load['seconds'])} "
                         f"| {_n(load['rows'] / load['seconds'])} | "
                         f"{_s(load['rollup_seconds'])} | {_n(load['peak_mb'])} MB |")
    lines += ["", "## Nhập tệp báo cáo toàn quốc theo xã (một ngày)", "",
              "| CSDL | Quy mô | Dòng (xã) | Bản ghi | openpyxl | calamine | Nhập: kiểm tra "
              "| ghi | tổng | openpyxl / nhập | nhập / calamine | Bộ nhớ đỉnh |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for backend, scales in results.items():
        for scale, r in scales.items():
            imp = r["import"]
            lines.append(
                f"| {backend} | {scale} | {_n(imp['file_rows'])} | {_n(imp['records'])} "
                f"| {_s(imp['openpyxl'])} | {_s(imp['calamine'])} | {_s(imp['plan'])} "
                f"| {_s(imp['apply'])} | {_s(imp['import'])} "
                f"| {_x(imp['openpyxl'] / imp['import'])} "
                f"| {_x(imp['import'] / imp['calamine'])} | {_n(imp['peak_mb'])} MB |")
    lines += ["", "Cả tiến trình, như người dùng chạy `python -m core import TỆP` (khởi động, "
                  "đọc, kiểm tra, ghi, cộng dồn), so với đọc cùng tệp bằng openpyxl đo xen kẽ "
                  "trong cùng lần chạy:", "",
              "| CSDL | Quy mô | openpyxl | vào CSDL trống | tỷ lệ | vào số liệu của quy mô "
              "| tỷ lệ | chỉ khởi động và nạp pandas, SQLAlchemy | tỷ lệ |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for backend, scales in results.items():
        for scale, r in scales.items():
            imp = r["import"]
            base = imp["process_openpyxl"]
            floor = imp.get("process_libraries")
            lines.append(f"| {backend} | {scale} | {_s(base)} | {_s(imp['process_empty'])} "
                         f"| {_x(imp['process_empty'] / base)} | {_s(imp['process_data'])} "
                         f"| {_x(imp['process_data'] / base)} "
                         f"| {_s(floor) if floor else '–'} "
                         f"| {_x(floor / base) if floor else '–'} |")
    lines += ["", "Cột cuối: một tiến trình chỉ khởi động Python, nạp pandas và SQLAlchemy rồi "
                  "thoát ngay (`python -m core` cũng thoát ngay như thế); phần này lệnh nhập "
                  "nào viết bằng các thư viện ấy cũng phải trả trước khi đọc tệp."]
    for backend, scales in results.items():
        names = list(scales)
        lines += ["", f"## Truy vấn của các trang ({backend}): lạnh / ấm, ms", "",
                  "| Trang | Truy vấn | " + " | ".join(names) + " | Bộ đệm trang |",
                  "|---|---|" + "---:|" * len(names) + "---:|"]
        first = scales[names[0]]["pages"]["queries"]
        for i, query in enumerate(first):
            cells = []
            for scale in names:
                q = scales[scale]["pages"]["queries"][i]
                cells.append(f"{_ms(q['cold'])} / {_ms(q['warm'])}")
            page = scales[names[-1]]["pages"]["queries"][i]["page"]
            lines.append(f"| {query['page_name']} | {query['what']} | " + " | ".join(cells)
                         + f" | {_ms(page)} |")
        units = "; ".join(
            f"{scale}: {scales[scale]['pages']['province']} "
            f"({_n(scales[scale]['pages']['communes'])} xã), "
            f"{scales[scale]['pages']['district']} "
            f"({_n(scales[scale]['pages']['district_communes'])} xã), "
            f"ngày {_day(scales[scale]['pages']['day'])}" for scale in names)
        lines += ["", f"(*) Tỉnh có nhiều xã nhất của quy mô và huyện có nhiều xã nhất của "
                      f"tỉnh đó: {units}."]
        peaks = ", ".join(f"{scale} {_n(scales[scale]['pages']['peak_mb'])} MB"
                          for scale in names)
        keyed = all(scales[s]["pages"]["unit_keyed"] for s in names)
        lines += ["", f"Bộ nhớ đỉnh của tiến trình chạy các trang: {peaks}. Bộ đệm trang "
                      f"(st.cache_data) theo CSDL, phiên bản số liệu, đơn vị, ngày, nhóm: "
                      f"{'mỗi đơn vị nhận đúng số liệu của mình' if keyed else 'LẪN ĐƠN VỊ'}."]
    lines += ["", "## So với mục tiêu", "", "| CSDL | Mục tiêu | Đo được | Đạt |",
              "|---|---|---|---|"]
    for backend, scales in results.items():
        lines += [f"| {backend} | {goal} | {measured} | {'có' if met else 'KHÔNG'} |"
                  for goal, measured, met in targets(scales)]
    from bench import pages

    return "\n".join(lines) + "\n" + pages.report(results, runs)


PAGE_COLD_S = {"nation-year": 1.0, "province-year": 0.1}
PAGE_WARM_S = {"nation-year": 0.1}
MAX_PEAK_MB = 1024
PROCESS_IMPORT_RATIO = 0.5


def targets(scales: dict[str, dict]) -> list[tuple[str, str, bool]]:
    """The issue's targets for the scales measured: (goal, measured, met)."""
    out = []
    for scale, r in scales.items():
        imp = r["import"]
        faster = imp["openpyxl"] / imp["import"]
        slower = imp["import"] / imp["calamine"]
        out.append((f"{scale}: nhập ≥ 5× nhanh hơn openpyxl", _x(faster), faster >= 5))
        out.append((f"{scale}: nhập ≤ 2× đọc calamine", _x(slower), slower <= 2))
        for where, key in (("CSDL trống", "process_empty"), ("số liệu của quy mô",
                                                               "process_data")):
            ratio = imp[key] / imp["process_openpyxl"]
            out.append((f"{scale}: lệnh nhập cả tiến trình vào {where} ≤ 0,5× đọc openpyxl",
                        _x(ratio), ratio <= PROCESS_IMPORT_RATIO))
        queries = r["pages"]["queries"]
        slowest = max(queries, key=lambda q: q["cold"])
        if scale in PAGE_COLD_S:
            limit = PAGE_COLD_S[scale]
            out.append((f"{scale}: mọi truy vấn trang, lạnh < {_ms(limit)} ms",
                        f"chậm nhất {_ms(slowest['cold'])} ms ({slowest['what']})",
                        slowest["cold"] < limit))
        if scale in PAGE_WARM_S:
            warmest = max(queries, key=lambda q: q["warm"])
            limit = PAGE_WARM_S[scale]
            out.append((f"{scale}: mọi truy vấn trang, ấm < {_ms(limit)} ms",
                        f"chậm nhất {_ms(warmest['warm'])} ms ({warmest['what']})",
                        warmest["warm"] < limit))
        if scale == "nation-year":
            peak = max(r["pages"]["peak_mb"], imp["peak_mb"])
            out.append(("nation-year: bộ nhớ đỉnh của tiến trình dashboard (trang, nhập tệp) "
                        "< 1 GB", f"{_n(peak)} MB", peak < MAX_PEAK_MB))
            out.append(("nation-year: nạp dữ liệu tổng hợp trong vài phút",
                        f"{_s(r['load']['seconds'])}", r["load"]["seconds"] < 600))
    return out


def _day(value) -> str:
    return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s".replace(".", ",")


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    text = f"{ms:.0f}" if ms >= 10 else f"{ms:.1f}" if ms >= 0.1 else f"{ms:.2f}"
    return text.replace(".", ",")


def _x(ratio: float) -> str:
    return f"{ratio:.1f}×".replace(".", ",")


if __name__ == "__main__":
    raise SystemExit(main())
