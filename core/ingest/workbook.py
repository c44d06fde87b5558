"""Reading a workbook with python-calamine in a short-lived child process with a memory cap:
two files found by fuzzing abort calamine (and the whole server with it). Calamine never runs
formulas; it returns the values the office program saved. A spare child is started ahead of
need."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from core.ingest import calamine_child
from core.ingest.calamine_child import TEMPORAL
from core.ingest.hidden import HiddenParts, _with_hidden
from core.ingest.limits import MB, MSG_CORRUPT, SpreadsheetError
from core.ingest.model import Sheet

# --- workbooks via calamine ----------------------------------------------------------------


# calamine trusts sizes written in the file: a damaged .xls with a cell at a huge position,
# or an .xlsx whose shared-string table claims four billion entries, makes it allocate
# 100+ GB, and a failed allocation in Rust aborts the whole process (the web server with
# it). So workbooks are read in a child process with a memory cap, and its death is a
# damaged file. xlsx worksheets are also measured beforehand (_SheetExtent) to refuse a
# stray far-away cell with a clearer message. CSV files are read in-process.
ISOLATED_FORMATS = frozenset({"xlsx", "xlsb", "xls", "ods"})


WORKER_MEMORY_BYTES = 4 * 1024 * MB


WORKER_TIMEOUT_SECONDS = 120


_PROJECT_ROOT = Path(__file__).resolve().parents[2]


MSG_TOO_SLOW = (
    "Tệp mất quá nhiều thời gian để đọc; hãy mở bằng Excel, lưu lại thành .xlsx chỉ với bảng "
    "số liệu rồi tải lên lại."
)


def _read_workbook(data: bytes, fmt: str, max_cells: int,
                   verify: Callable[[], HiddenParts] | None = None) -> list[Sheet]:
    if fmt in ISOLATED_FORMATS:
        return _read_workbook_isolated(data, fmt, max_cells, verify)
    if verify is not None:
        verify()
    return _read_workbook_here(data, fmt, max_cells)


def _read_workbook_isolated(data: bytes, fmt: str, max_cells: int,
                            verify: Callable[[], HiddenParts] | None = None) -> list[Sheet]:
    """Run calamine in a child Python process; its crash is a damaged file, not ours.

    The child gets the file at once and reads it while this process streams the zip members
    through `verify` (two cores, one wait); a refusal from `verify` stops the child.
    """
    started = _take_ahead(data, fmt, max_cells)
    worker, sender = started if started is not None else _start_read(data, fmt, max_cells)
    hidden: HiddenParts = {}
    try:
        if verify is not None:
            hidden = verify()
        sender.join()
        try:
            out, _ = worker.communicate(timeout=WORKER_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            raise SpreadsheetError(MSG_TOO_SLOW) from exc
    finally:
        if worker.poll() is None:
            _end(worker, sender)
        _keep_spare_worker()
    if worker.returncode != 0 or not out:
        raise SpreadsheetError(MSG_CORRUPT)
    reply = json.loads(out, object_hook=_decode_value)
    if "error" in reply:
        raise SpreadsheetError(reply["error"])
    return [_with_hidden(Sheet(s["name"], s["rows"], _ranges(s["merged"]), s["visible"], fmt),
                         hidden.get(s["name"]))
            for s in reply["sheets"]]


def _start_read(data: bytes, fmt: str, max_cells: int
                ) -> tuple[subprocess.Popen, threading.Thread]:
    """A child given the file: the pipe holds 64 KB, so the bytes go from a thread and the
    caller's `verify` runs meanwhile."""
    worker = _take_worker()
    sender = threading.Thread(target=_send, daemon=True, args=(
        worker, json.dumps({"fmt": fmt, "max_cells": max_cells, "size": len(data)}
                           ).encode() + b"\n", data))
    sender.start()
    return worker, sender


# A read started before it is asked for (read_ahead): the very bytes object, its format and
# cell budget, the child and the thread sending it the bytes.
_ahead: tuple[bytes, str, int, subprocess.Popen, threading.Thread] | None = None
_ahead_lock = threading.Lock()


def read_ahead(data: bytes, fmt: str, max_cells: int) -> None:
    """Give a child these bytes now, for the `_read_workbook` of the same bytes object that
    will follow (core.ingest.files.read_ahead decides the format first). A command that has
    its file before it has loaded its libraries lets the child read on the other core
    meanwhile; a read asked for other bytes ends the child unused."""
    global _ahead
    if fmt not in ISOLATED_FORMATS:
        return
    _drop_ahead()
    started = (data, fmt, max_cells, *_start_read(data, fmt, max_cells))
    with _ahead_lock:
        _ahead = started


def _take_ahead(data: bytes, fmt: str, max_cells: int
                ) -> tuple[subprocess.Popen, threading.Thread] | None:
    global _ahead
    with _ahead_lock:
        found, _ahead = _ahead, None
    if found is None:
        return None
    ahead_data, ahead_fmt, ahead_cells, worker, sender = found
    if ahead_data is data and ahead_fmt == fmt and ahead_cells == max_cells:
        return worker, sender
    _end(worker, sender)
    return None


def _drop_ahead() -> None:
    global _ahead
    with _ahead_lock:
        found, _ahead = _ahead, None
    if found is not None:
        _end(*found[3:])


def _end(worker: subprocess.Popen, sender: threading.Thread) -> None:
    """Stop a child that is still reading, and collect it and its sender."""
    if worker.poll() is None:
        worker.kill()
    sender.join()
    worker.communicate()


def _send(worker: subprocess.Popen, header: bytes, data: bytes) -> None:
    try:
        worker.stdin.write(header)  # type: ignore[union-attr]
        worker.stdin.write(data)  # type: ignore[union-attr]
        worker.stdin.flush()  # type: ignore[union-attr]
    except (OSError, ValueError):  # BrokenPipeError, or stdin closed after a refusal
        pass  # the child is gone: its exit status says the file could not be read


# A child started ahead of need: a Python interpreter and this module's imports take a
# tenth of a second, paid while nobody waits. Each file still gets a process of its own.
_spare: subprocess.Popen | None = None


_spare_lock = threading.Lock()


def _take_worker() -> subprocess.Popen:
    global _spare
    with _spare_lock:
        worker, _spare = _spare, None
    if worker is not None and worker.poll() is None:
        return worker
    return _start_worker()


def _keep_spare_worker() -> None:
    global _spare
    with _spare_lock:
        if _spare is None or _spare.poll() is not None:
            _spare = _start_worker()


def _start_worker() -> subprocess.Popen:
    env = dict(os.environ, RUST_BACKTRACE="0",
               PYTHONPATH=os.pathsep.join(filter(None, [str(_PROJECT_ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    return subprocess.Popen(
        [sys.executable or "python3", "-c",
         "from core.ingest.calamine_child import worker_main; "
         f"worker_main({WORKER_MEMORY_BYTES})"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        cwd=_PROJECT_ROOT,
    )


@atexit.register
def _stop_spare_worker() -> None:
    _drop_ahead()
    with _spare_lock:
        if _spare is not None and _spare.poll() is None:
            _spare.kill()
            _spare.wait()


def _decode_value(obj: dict) -> object:
    if len(obj) == 1:
        (tag, value), = obj.items()
        if tag == "$timedelta":
            return dt.timedelta(seconds=value)
        kind = TEMPORAL.get(tag[1:]) if tag.startswith("$") else None
        if kind is not None:
            return kind.fromisoformat(value)
    return obj


def _ranges(merged: list | None) -> list[tuple[int, int, int, int]] | None:
    return None if merged is None else [tuple(r) for r in merged]  # type: ignore[misc]


def _read_workbook_here(data: bytes, fmt: str, max_cells: int) -> list[Sheet]:
    return [Sheet(name, rows, merged, visible, fmt)
            for name, rows, merged, visible in calamine_child.read_workbook(data, max_cells)]
