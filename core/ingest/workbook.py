"""Reading a workbook with python-calamine in a short-lived child process with a memory cap:
two files found by fuzzing abort calamine (and the whole server with it). Calamine never runs
formulas; it returns the values the office program saved. A spare child is started ahead of
need."""

from __future__ import annotations

import atexit
import datetime as dt
import io
import json
import os
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path

import python_calamine

from core.ingest.hidden import HiddenParts, _with_hidden
from core.ingest.limits import MB, MSG_CORRUPT, MSG_PASSWORD, MSG_TOO_MANY_CELLS, SpreadsheetError
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
    worker = _take_worker()
    hidden: HiddenParts = {}
    try:
        _send(worker, json.dumps({"fmt": fmt, "max_cells": max_cells, "size": len(data)}
                                 ).encode() + b"\n", data)
        if verify is not None:
            hidden = verify()
        try:
            out, _ = worker.communicate(timeout=WORKER_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            raise SpreadsheetError(MSG_TOO_SLOW) from exc
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        _keep_spare_worker()
    if worker.returncode != 0 or not out:
        raise SpreadsheetError(MSG_CORRUPT)
    reply = json.loads(out, object_hook=_decode_value)
    if "error" in reply:
        raise SpreadsheetError(reply["error"])
    return [_with_hidden(Sheet(s["name"], s["rows"], _ranges(s["merged"]), s["visible"], fmt),
                         hidden.get(s["name"]))
            for s in reply["sheets"]]


def _send(worker: subprocess.Popen, header: bytes, data: bytes) -> None:
    try:
        worker.stdin.write(header)  # type: ignore[union-attr]
        worker.stdin.write(data)  # type: ignore[union-attr]
        worker.stdin.flush()  # type: ignore[union-attr]
    except (BrokenPipeError, OSError):
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
         "from core.ingest.workbook import worker_main; worker_main()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        cwd=_PROJECT_ROOT,
    )


@atexit.register
def _stop_spare_worker() -> None:
    with _spare_lock:
        if _spare is not None and _spare.poll() is None:
            _spare.kill()
            _spare.wait()


def worker_main() -> None:
    """Child side of _read_workbook_isolated: a JSON header line and the file's bytes on
    stdin, the JSON reply on stdout. A spare never given a file ends quietly."""
    _cap_memory(WORKER_MEMORY_BYTES)
    header = sys.stdin.buffer.readline()
    if not header.strip():
        return
    request = json.loads(header)
    data = sys.stdin.buffer.read(request["size"])
    try:
        sheets = _read_workbook_here(data, request["fmt"], request["max_cells"])
        reply: dict = {"sheets": [{"name": s.name, "rows": s.rows, "merged": s.merged,
                                   "visible": s.visible} for s in sheets]}
    except SpreadsheetError as exc:
        reply = {"error": str(exc)}
    sys.stdout.buffer.write(json.dumps(reply, default=_encode_value).encode())


def _cap_memory(limit: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the child process still shields the server


_TEMPORAL = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


def _encode_value(value: object) -> dict:
    if isinstance(value, dt.timedelta):
        return {"$timedelta": value.total_seconds()}
    for name, kind in _TEMPORAL.items():
        if isinstance(value, kind):
            return {"$" + name: value.isoformat()}
    raise TypeError(f"cannot encode {type(value).__name__}")


def _decode_value(obj: dict) -> object:
    if len(obj) == 1:
        (tag, value), = obj.items()
        if tag == "$timedelta":
            return dt.timedelta(seconds=value)
        kind = _TEMPORAL.get(tag[1:]) if tag.startswith("$") else None
        if kind is not None:
            return kind.fromisoformat(value)
    return obj


def _ranges(merged: list | None) -> list[tuple[int, int, int, int]] | None:
    return None if merged is None else [tuple(r) for r in merged]  # type: ignore[misc]


def _read_workbook_here(data: bytes, fmt: str, max_cells: int) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise SpreadsheetError(MSG_PASSWORD) from exc
    except BaseException as exc:
        raise _calamine_error(exc) from exc
    try:
        visible = {m.name: _is_visible(m) for m in workbook.sheets_metadata}
        return [
            _read_calamine_sheet(workbook, index, name, visible.get(name, True), fmt, max_cells)
            for index, name in enumerate(workbook.sheet_names)
        ]
    finally:
        workbook.close()


def _read_calamine_sheet(
    workbook: python_calamine.CalamineWorkbook,
    index: int,
    name: str,
    visible: bool,
    fmt: str,
    max_cells: int,
) -> Sheet:
    try:
        sheet = workbook.get_sheet_by_index(index)
        end = sheet.end
        if end is not None and (end[0] + 1) * (end[1] + 1) > max_cells:
            raise SpreadsheetError(
                MSG_TOO_MANY_CELLS.format(sheet=name, rows=end[0] + 1, cols=end[1] + 1)
            )
        raw = sheet.to_python(skip_empty_area=False) if end is not None else []
        merged = sheet.merged_cell_ranges
    except SpreadsheetError:
        raise
    except python_calamine.PasswordError as exc:
        raise SpreadsheetError(MSG_PASSWORD) from exc
    except BaseException as exc:
        raise _calamine_error(exc) from exc
    ranges = None if merged is None else [(a[0], a[1], b[0], b[1]) for a, b in merged]
    return Sheet(name, [_clean_row(r) for r in raw], ranges, visible, fmt)


def _calamine_error(exc: BaseException) -> BaseException:
    """The user's message for a calamine failure.

    Damaged files make calamine raise its own errors, plain ones, or a Rust panic, which
    pyo3 raises as PanicException, a BaseException; only the interpreter's own exits
    (Ctrl-C, sys.exit) pass through unchanged.
    """
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        return exc
    if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
        return SpreadsheetError(MSG_PASSWORD)
    return SpreadsheetError(MSG_CORRUPT)


def _is_visible(meta: python_calamine.SheetMetadata) -> bool:
    return meta.visible == python_calamine.SheetVisibleEnum.Visible


def _clean_row(row: list[object]) -> list[object]:
    return [_clean_cell(v) for v in row]


def _clean_cell(value: object) -> object:
    """Normalise one calamine value; see the module docstring for the resulting types."""
    if type(value) is str:
        if not value:
            return None
        text = clean_text(value)
        return text or None
    if type(value) is float:
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    return value


def clean_text(value: str) -> str:
    """NFC, no-break spaces as spaces, Windows line ends as \\n, outer whitespace removed."""
    text = value.replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text.strip()
