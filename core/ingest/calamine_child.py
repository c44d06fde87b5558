"""The child side of reading a workbook with python-calamine (core.ingest.workbook starts it).

Kept to what reading needs (calamine, json, the refusal messages) so that the child is ready
in a tenth of a second: it must not import pandas, SQLAlchemy or the rest of core. Values
come back as plain lists; the parent builds its Sheets from them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import unicodedata

import python_calamine

from core.ingest.limits import MSG_CORRUPT, MSG_PASSWORD, MSG_TOO_MANY_CELLS, SpreadsheetError

# sheet name, rows, merged ranges (or None), visible
RawSheet = tuple[str, list[list[object]], list[tuple[int, int, int, int]] | None, bool]


def worker_main(memory_bytes: int) -> None:
    """A JSON header line and the file's bytes on stdin, the JSON reply on stdout. A spare
    never given a file ends quietly."""
    _cap_memory(memory_bytes)
    header = sys.stdin.buffer.readline()
    if not header.strip():
        return
    request = json.loads(header)
    data = sys.stdin.buffer.read(request["size"])
    try:
        sheets = read_workbook(data, request["max_cells"])
        reply: dict = {"sheets": [{"name": name, "rows": rows, "merged": merged,
                                   "visible": visible}
                                  for name, rows, merged, visible in sheets]}
    except SpreadsheetError as exc:
        reply = {"error": str(exc)}
    sys.stdout.buffer.write(json.dumps(reply, default=encode_value).encode())


def _cap_memory(limit: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the child process still shields the server


TEMPORAL = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


def encode_value(value: object) -> dict:
    if isinstance(value, dt.timedelta):
        return {"$timedelta": value.total_seconds()}
    for name, kind in TEMPORAL.items():
        if isinstance(value, kind):
            return {"$" + name: value.isoformat()}
    raise TypeError(f"cannot encode {type(value).__name__}")


def read_workbook(data: bytes, max_cells: int) -> list[RawSheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise SpreadsheetError(MSG_PASSWORD) from exc
    except BaseException as exc:
        raise _calamine_error(exc) from exc
    try:
        visible = {m.name: _is_visible(m) for m in workbook.sheets_metadata}
        return [_read_sheet(workbook, index, name, visible.get(name, True), max_cells)
                for index, name in enumerate(workbook.sheet_names)]
    finally:
        workbook.close()


def _read_sheet(workbook: python_calamine.CalamineWorkbook, index: int, name: str,
                visible: bool, max_cells: int) -> RawSheet:
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
    return name, [_clean_row(r) for r in raw], ranges, visible


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
    """Normalise one calamine value: empty text is None, whole floats are ints."""
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
