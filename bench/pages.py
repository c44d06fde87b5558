"""What users feel: each page timed as a person meets it, alone and ten at a time.

Two phases of bench/run.py, each in its own process (so peak memory is the phase's own):

- `users` (one user): every reading page run through Streamlit's AppTest, signed in as an
  administrator on the scale's biggest province: the first visit (a new session, the pages'
  st.cache_data empty, as for the first user after a day's import, which changes the data
  version every cache entry is keyed by), a revisit (the same session run again), a date
  change (a week back) and a unit change (the province's biggest district; on «Xếp hạng»,
  whose national view picks no district, another province). AppTest runs the page's script
  in this process exactly as the server does for a browser tab and returns when the script
  has finished: what is timed is the server's share of the wait, without the network and the
  browser drawing the page. Median of --runs, after one untimed first visit of each page (a
  server that has been running has its modules imported).
- `crowd` (ten users): a real server (`streamlit run app.py`, the way `make run` starts it)
  and ten signed-in sessions driven at once over Streamlit's own websocket protocol, each
  the way a browser tab drives it: open «Tổng quan» then «Xã chậm tiến độ», --runs times,
  timed from the request to the server's "script finished". Users are spread over the
  scale's biggest provinces (one each while there are enough), so the first round meets
  empty caches. Why not AppTest in threads: AppTest swaps process-wide state (the runtime,
  config) around each run, so two at once break each other. Why not ten real browsers: on
  this machine's two cores ten Chromiums would take the CPU the server needs, and the figure
  would measure the browsers. The websocket clients cost almost nothing, so the server is
  measured as users load it; its peak memory is the kernel's high-water mark (VmHWM) of the
  server process.

Targets (issue 16), at nation-year: every interaction under 1 s median for one user; under
2 s at the 95th percentile with ten sessions; server memory under 600 MB with ten sessions.
Figures are printed, never asserted.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_USER = "bench_user"
BENCH_PASSWORD = "Bench-Mat-Khau-2024!"

# The pages that show figures (upload, administration and the log are left out).
PAGES = ("tong_quan", "xep_hang", "chi_tieu", "xa_cham", "xu_huong", "tien_do_bao_cao",
         "chat_luong")
INTERACTIONS = {"first": "Lần đầu mở (phiên mới)", "revisit": "Mở lại (cùng phiên)",
                "date": "Đổi ngày (lùi 7 ngày)", "unit": "Đổi đơn vị (tỉnh → huyện)"}
CROWD_PAGES = {"tong_quan": "", "xa_cham": "xa-cham"}  # page -> its URL path
SESSIONS = 10
TARGET_SCALE = "nation-year"
MEDIAN_LIMIT_S = 1.0
P95_LIMIT_S = 2.0
SERVER_LIMIT_MB = 600


# -------------------------------------------------------------------------- shared helpers

def _where(scale: str) -> dict:
    """The province every user opens (the scale's biggest), its biggest district, the day."""
    from bench import synthetic
    from core.catalogue.units import COMMUNE, PROVINCE, by_code, child_codes, descendant_codes

    s = synthetic.scale(scale)
    province = synthetic.biggest_province(s)
    district = max(child_codes(province), key=lambda d: (len(child_codes(d)), d))
    ranked = sorted(s.provinces, key=lambda p: (-len(descendant_codes(p, COMMUNE)), p))
    other = next((p for p in ranked if p != province), None)
    if other is None:  # a one-province scale: any other province (it shows "no data")
        other = next(u.code for u in by_code().values()
                     if u.level == PROVINCE and u.code != province)
    return {"day": s.last_day, "province": province, "district": district, "other": other,
            "crowd_provinces": [ranked[i % len(ranked)] for i in range(SESSIONS)]}


def _quiet_streamlit() -> None:
    import logging

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _timed(step: Callable[[], object]) -> tuple[float, float]:
    """Seconds waited and seconds of this process's CPU: on a busy shared machine the wait
    grows with the other work, the CPU much less (it tells what an idle server would do)."""
    started, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - started, time.process_time() - cpu


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method; the value itself for a single figure)."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


# ------------------------------------------------------------------------- one user: AppTest

def users_phase(url: str, scale: str, runs: int) -> dict:
    """Each page × interaction: median seconds over `runs` rounds."""
    os.environ["ASXH_DATABASE_URL"] = url  # what dashboard.py opens, as a server started so
    _quiet_streamlit()
    _sign_in(url, 0)  # the account must exist: every page run checks it is still active
    where = _where(scale)
    load = [os.getloadavg()[0]]
    rounds: dict[str, dict[str, list[tuple[float, float]]]] = {
        p: {i: [] for i in INTERACTIONS} for p in PAGES}
    for page in PAGES:  # warms the process (imports, first plots), like a running server
        _one_visit(page, where, warm_up=True)
    for _ in range(runs):
        for page in PAGES:
            for interaction, seconds in _one_visit(page, where).items():
                rounds[page][interaction].append(seconds)
    load.append(os.getloadavg()[0])
    return {"pages": {p: {i: {"wall": statistics.median(w for w, _ in v),
                              "cpu": statistics.median(c for _, c in v)}
                          for i, v in by.items()} for p, by in rounds.items()},
            "unit_change": {p: _unit_change_kind(p) for p in PAGES},
            "province": where["province"], "district": where["district"],
            "day": where["day"].isoformat(), "load": load}


def _unit_change_kind(page: str) -> str:
    return "province" if page == "xep_hang" else "district"


def _one_visit(page: str, where: dict, warm_up: bool = False
               ) -> dict[str, tuple[float, float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from core.access.permissions import Account
    from ui import charts

    st.cache_data.clear()  # the first user after the day's import: every entry is stale,
    charts._built.clear()  # and so is every figure drawn from them
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    at.run()  # the sign-in screen (a page of its own, not timed)
    at.session_state["account"] = Account(BENCH_USER, "admin", None)
    at.session_state["last_activity"] = time.time()
    at.switch_page(f"pages/{page}.py")
    at.query_params["unit"] = where["province"]
    times = {"first": _timed(at.run)}
    _check(at, page, "first")
    if warm_up:
        return times
    times["revisit"] = _timed(at.run)
    _check(at, page, "revisit")
    picker = at.date_input(key="date")
    times["date"] = _timed(lambda: picker.set_value(where["day"] - dt.timedelta(days=7)).run())
    _check(at, page, "date")
    if _unit_change_kind(page) == "district":
        unit = at.selectbox(key="pick_district").set_value(where["district"])
    else:
        unit = at.selectbox(key="pick_province").set_value(where["other"])
    times["unit"] = _timed(unit.run)
    _check(at, page, "unit")
    return times


def _check(at, page: str, step: str) -> None:
    """The page ran to its own title (not the sign-in form), without an error."""
    from ui.registry import BY_KEY

    if at.exception:
        raise SystemExit(f"Trang {page} ({step}) lỗi: {at.exception[0].message}")
    if not at.title or not at.title[0].value.startswith(BY_KEY[page].title):
        shown = at.title[0].value if at.title else "không có tiêu đề"
        raise SystemExit(f"Trang {page} ({step}) không mở ({shown}; chưa đăng nhập?)")


# ------------------------------------------------------------------- ten users: a real server

def crowd_phase(url: str, scale: str, runs: int) -> dict:
    """Ten signed-in sessions at once against one server: each load's seconds, peak RSS."""
    where = _where(scale)
    tokens = _sign_in(url, SESSIONS + 1)
    server = _start_server(url)
    try:
        _Session(server.port, tokens[-1]).load_all(where["province"], 1)  # the server warms up
        before_mb = _rss_mb(server.pid, "VmRSS")
        load = [os.getloadavg()[0]]
        cpu, started = _cpu_seconds(server.pid), time.perf_counter()
        start = threading.Barrier(SESSIONS)
        loads: list[list[tuple[str, int, float]]] = [[] for _ in range(SESSIONS)]
        errors: list[str] = []

        def user(i: int) -> None:
            try:
                session = _Session(server.port, tokens[i])
                start.wait()
                loads[i] = session.load_all(where["crowd_provinces"][i], runs)
            except Exception as err:  # reported below, with the thread's user
                errors.append(f"phiên {i + 1}: {err}")
                start.abort()

        threads = [threading.Thread(target=user, args=(i,)) for i in range(SESSIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise SystemExit("Mười phiên cùng lúc lỗi: " + "; ".join(errors[:3]))
        load.append(os.getloadavg()[0])
        cpu, wall = _cpu_seconds(server.pid) - cpu, time.perf_counter() - started
        peak_mb = _rss_mb(server.pid, "VmHWM")
    finally:
        server.stop()
    flat = [(page, round_no, seconds) for one in loads for page, round_no, seconds in one]
    pages = {}
    for page in CROWD_PAGES:
        all_times = [s for p, _, s in flat if p == page]
        first = [s for p, r, s in flat if p == page and r == 0]
        pages[page] = {"loads": len(all_times), "median": statistics.median(all_times),
                       "p95": p95(all_times), "max": max(all_times),
                       "first_p95": p95(first)}
    every = [s for _, _, s in flat]
    return {"pages": pages, "all": {"loads": len(every), "median": statistics.median(every),
                                    "p95": p95(every), "max": max(every)},
            "server_mb": peak_mb, "server_before_mb": before_mb, "sessions": SESSIONS,
            "server_cpu": cpu, "wall": wall,
            "provinces": len(set(where["crowd_provinces"])), "load": load}


def _sign_in(url: str, count: int) -> list[str]:
    """An administrator of the bench's own and `count` live sessions (the cookies' tokens)."""
    from core.access import auth, sessions
    from core.storage import db

    engine = db.make_engine(url)
    with engine.begin() as conn:
        if auth.get_user(conn, BENCH_USER) is None:
            auth.create_user(conn, BENCH_USER, BENCH_PASSWORD, "admin", None)
        tokens = [sessions.start(conn, BENCH_USER, user_agent="bench") for _ in range(count)]
    engine.dispose()
    return tokens


class _Server:
    def __init__(self, process: subprocess.Popen, port: int) -> None:
        self.process = process
        self.port = port
        self.pid = process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _start_server(url: str) -> _Server:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "ASXH_DATABASE_URL": url},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as answer:
                if answer.status == 200:
                    return _Server(process, port)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("Máy chủ streamlit không khởi động được trong 3 phút.")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds the process has used (/proc/<pid>/stat, fields 14-15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise SystemExit(f"/proc/{pid}/status: thiếu {field}")


class _Session:
    """One browser tab, signed in by its cookie, speaking Streamlit's websocket protocol."""

    def __init__(self, port: int, token: str) -> None:
        from ui.auth_http import SESSION_COOKIE

        self.port = port
        self.headers = {"Cookie": f"{SESSION_COOKIE}={token}",
                        "Origin": f"http://127.0.0.1:{port}"}

    def load_all(self, province: str, rounds: int) -> list[tuple[str, int, float]]:
        from websockets.sync.client import connect

        out = []
        with connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                     additional_headers=self.headers, max_size=None,
                     open_timeout=60) as ws:
            for round_no in range(rounds):
                for page, path in CROWD_PAGES.items():
                    out.append((page, round_no, self._load(ws, path, f"unit={province}")))
        return out

    def _load(self, ws, path: str, query: str) -> float:
        """Ask for the page (as a click in the menu does) and wait for the script's end."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        ask = BackMsg()
        ask.rerun_script.query_string = query
        ask.rerun_script.page_name = path
        started = time.perf_counter()
        ws.send(ask.SerializeToString())
        headings = []
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=900))
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                if element.WhichOneof("type") == "exception":
                    raise RuntimeError(f"trang /{path} lỗi: {element.exception.message}")
                if element.WhichOneof("type") == "heading":
                    headings.append(element.heading.body)
            if kind == "script_finished":
                seconds = time.perf_counter() - started
                break
        if not any(h.startswith(("Tổng quan", "Xã chậm tiến độ")) for h in headings):
            raise RuntimeError(f"trang /{path} không mở (chưa đăng nhập?): {headings[:2]}")
        return seconds


# ------------------------------------------------------------------------------------ report

def report(results: dict[str, dict[str, dict]], runs: int) -> str:
    """The two tables per backend: pages as one user meets them, then ten users at once."""
    lines: list[str] = []
    for backend, scales in results.items():
        names = [s for s in scales if "users" in scales[s]]
        if not names:
            continue
        judged = TARGET_SCALE in names
        lines += ["", f"## Trang như người dùng gặp ({backend}): một người, trung vị "
                      f"{runs} lần, giây chờ (giây CPU)", "",
                  "| Trang | Thao tác | " + " | ".join(names)
                  + f" | Mục tiêu ({TARGET_SCALE}) | Đạt |",
                  "|---|---|" + "---:|" * len(names) + "---|---|"]
        titles = _titles()
        for page in PAGES:
            for interaction, label in INTERACTIONS.items():
                kind = scales[names[0]]["users"]["unit_change"][page]
                if interaction == "unit" and kind == "province":
                    label = "Đổi đơn vị (sang tỉnh khác)"
                cells = [_wall_cpu(scales[s]["users"]["pages"][page][interaction])
                         for s in names]
                met = (_met(scales[TARGET_SCALE]["users"]["pages"][page][interaction]["wall"]
                            < MEDIAN_LIMIT_S) if judged else "–")
                lines.append(f"| {titles[page]} | {label} | " + " | ".join(cells)
                             + f" | < {_s(MEDIAN_LIMIT_S)} trung vị | {met} |")
        lines += ["", "Đơn vị và máy: " + "; ".join(
            f"{s}: {_unit_name(scales[s]['users']['province'])} → "
            f"{_unit_name(scales[s]['users']['district'])}, ngày "
            f"{_day(scales[s]['users']['day'])}, bộ nhớ đỉnh "
            f"{_n(scales[s]['users']['peak_mb'])} MB, tải máy {_load(scales[s]['users'])}"
            for s in names) + "."]
        lines += ["", f"## {SESSIONS} phiên đăng nhập cùng lúc ({backend}): «Tổng quan» và "
                      f"«Xã chậm tiến độ», giây", "",
                  "| Quy mô | Trang | Lượt tải | Trung vị | p95 | p95 vòng đầu | Chậm nhất "
                  "| Mục tiêu | Đạt |", "|---|---|---:|---:|---:|---:|---:|---|---|"]
        for s in names:
            crowd = scales[s]["crowd"]
            judge = s == TARGET_SCALE
            for page, r in crowd["pages"].items():
                lines.append(f"| {s} | {titles[page]} | {_n(r['loads'])} | {_s(r['median'])} "
                             f"| {_s(r['p95'])} | {_s(r['first_p95'])} | {_s(r['max'])} "
                             f"| p95 < {_s(P95_LIMIT_S)} "
                             f"| {_met(r['p95'] < P95_LIMIT_S) if judge else '–'} |")
            lines.append(f"| {s} | Bộ nhớ máy chủ (đỉnh) | | | | | {_n(crowd['server_mb'])} MB "
                         f"| < {SERVER_LIMIT_MB} MB "
                         f"| {_met(crowd['server_mb'] < SERVER_LIMIT_MB) if judge else '–'} |")
        lines += ["", "Mỗi phiên mở «Tổng quan» rồi «Xã chậm tiến độ», "
                      f"{runs} vòng, trên tỉnh của mình; " + "; ".join(
                          f"{s}: {scales[s]['crowd']['provinces']} tỉnh khác nhau, máy chủ "
                          f"{_n(scales[s]['crowd']['server_before_mb'])} MB trước khi "
                          f"{SESSIONS} phiên vào, dùng {_s(scales[s]['crowd']['server_cpu'])} "
                          f"CPU trong {_s(scales[s]['crowd']['wall'])} "
                          f"({_s(_per_load(scales[s]['crowd']))} CPU mỗi lượt tải), tải máy "
                          f"{_load(scales[s]['crowd'])}" for s in names) + "."]
    return "\n".join(lines) + ("\n" if lines else "")


def _wall_cpu(figures: dict) -> str:
    return f"{_s(figures['wall'])} ({_s(figures['cpu'])[:-2]})"


def _per_load(crowd: dict) -> float:
    return crowd["server_cpu"] / sum(p["loads"] for p in crowd["pages"].values())


def _titles() -> dict[str, str]:
    from ui.registry import BY_KEY

    return {p: BY_KEY[p].title for p in PAGES}


def _unit_name(code: str) -> str:
    from core.catalogue.units import by_code

    return by_code()[code].name


def _met(ok: bool) -> str:
    return "có" if ok else "KHÔNG"


def _load(result: dict) -> str:
    return " → ".join(f"{v:.2f}".replace(".", ",") for v in result["load"])


def _day(value: str) -> str:
    return dt.date.fromisoformat(value[:10]).strftime("%d/%m/%Y")


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s".replace(".", ",")
