"""Turn the bytes of one uploaded file into sheets of plain cell values.

Staff upload whatever their office produced: .xlsx, .xlsm, .xls, .ods or a CSV export, often
renamed, sometimes damaged, occasionally hostile. The type is decided from the content, never
from the extension, and every failure becomes a `SpreadsheetError` whose message (Vietnamese,
one line) tells the uploader what is wrong and what to do. No raw exception escapes for bad
input.

Reading uses python-calamine: fast, reads all four workbook formats, and never executes
formulas (it returns the values cached by the office program that saved the file). It runs
in a short-lived child process with a memory cap (see ISOLATED_FORMATS for why), started
ahead of need; zip containers are refused from their directory before anything is
decompressed, and their members are streamed with a size budget while the child reads.

API: read_sheets(data, file_name, *, max_bytes=20 MB, max_unzipped_bytes=200 MB,
max_cells=1,000,000) -> list[Sheet]; detect_format(data) -> "xlsx" | "xlsb" | "xls" | "ods"
| "csv"; SpreadsheetError (a ValueError) for every refusal.

Cell values in `Sheet.rows`: None for an empty cell; int for whole numbers (calamine returns
floats); float otherwise; str stripped and NFC-normalised (so decomposed Vietnamese compares
equal to composed); bool; datetime.date / datetime.datetime / datetime.time / timedelta as
calamine gives them. CSV cells stay text: layouts parse "1.912" and "60,22%" themselves, and
codes such as "00001" must keep their zeros.
"""

from __future__ import annotations

import atexit
import bisect
import codecs
import csv
import datetime as dt
import html
import io
import json
import os
import posixpath
import re
import subprocess
import sys
import threading
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from core.ingest.text import MSG_UNDECODABLE, UndecodableText, decode_text

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB
DEFAULT_MAX_UNZIPPED_BYTES = 200 * MB
# A stray value in cell XFD1048576 would make a dense grid of 17 billion cells. A report of
# every commune of the country is some 400,000 cells, a district's list of beneficiaries
# (one row per person) about as many; a sheet of a million cells is refused while it is
# still being measured (a second or two), before the reader has built it.
DEFAULT_MAX_CELLS = 1_000_000
MAX_ZIP_MEMBERS = 10_000
_CHUNK = 1 * MB

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Binary formats people rename to .xlsx by mistake, by their first bytes.
_OTHER_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "tệp PDF"),
    (b"\x89PNG", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"BM", "ảnh BMP"),
    (b"Rar!", "tệp nén RAR"),
    (b"7z\xbc\xaf", "tệp nén 7z"),
    (b"\x1f\x8b", "tệp nén gzip"),
    (b"{\\rtf", "văn bản RTF"),
)

MSG_EMPTY_FILE = "Tệp rỗng (0 byte); hãy kiểm tra lại tệp báo cáo rồi tải lên lại."
MSG_EMPTY_WORKBOOK = (
    "Tệp không có dữ liệu trong trang tính nào; hãy kiểm tra đã chọn đúng tệp báo cáo chưa "
    "rồi tải lên lại."
)
MSG_CORRUPT = (
    "Tệp bị hỏng hoặc chưa tải lên hết nên không đọc được; hãy mở lại bằng Excel, lưu lại "
    "rồi tải lên lại."
)
MSG_PASSWORD = (
    "Tệp đang được đặt mật khẩu nên không đọc được; hãy mở bằng Excel, gỡ mật khẩu "
    "(Tệp → Thông tin → Bảo vệ sổ làm việc) rồi tải lên lại."
)
MSG_ZIP_BOMB = (
    "Tệp giải nén ra quá lớn (trên {limit} MB), có thể là tệp độc hại; hãy mở bằng Excel, "
    "lưu lại chỉ với bảng số liệu rồi tải lên lại."
)
MSG_TOO_BIG = (
    "Tệp quá lớn ({size} MB, giới hạn {limit} MB); hãy xóa các trang tính không cần thiết "
    "hoặc chia nhỏ tệp rồi tải lên lại."
)
MSG_NOT_SPREADSHEET = (
    "Tệp này không phải bảng tính mà là {what}; hãy tải lên tệp Excel (.xlsx, .xls), "
    "LibreOffice (.ods) hoặc CSV."
)
MSG_HTML = (
    "Tệp là trang web (HTML/XML) được đặt đuôi Excel; hãy mở bằng Excel, chọn Lưu thành "
    "định dạng .xlsx rồi tải lên lại."
)
MSG_CSV_ENCODING = MSG_UNDECODABLE
MSG_TOO_MANY_CELLS = (
    "Trang tính “{sheet}” trải quá rộng ({rows} dòng × {cols} cột); hãy xóa các ô thừa nằm "
    "xa bảng số liệu rồi tải lên lại."
)
MSG_TOO_MANY_CELLS_DENSE = (
    "Trang tính quá lớn: đã có hơn {cells} ô có dữ liệu, vượt giới hạn {limit} ô của một tệp "
    "tải lên; hãy chỉ giữ bảng số liệu cần nộp (danh sách dài thì chia theo huyện, xã) rồi "
    "tải lên lại."
)
MSG_TOO_MANY_CELLS_UNNAMED = (
    "Một trang tính trải quá rộng ({rows} dòng × {cols} cột); hãy xóa các ô thừa nằm xa bảng "
    "số liệu rồi tải lên lại."
)


class SpreadsheetError(ValueError):
    """Bad input, with a one-line Vietnamese message for the uploader as str(error)."""


@dataclass(slots=True)
class Sheet:
    """One sheet as a dense grid; row i is spreadsheet row i + 1, column j is column j + 1.

    `merged` lists merged ranges as (first_row, first_col, last_row, last_col), 0-based and
    inclusive; None when the format does not tell (ODS, CSV), so layouts must cope without.
    `hidden_rows` and `hidden_columns` are the 0-based rows and columns the office program
    hides (hidden, collapsed into an outline or filtered out), within the grid; known for
    xlsx, xlsm and ods, empty for other formats.
    """

    name: str
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] | None = None
    visible: bool = True
    source_format: str = ""
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def is_empty(self) -> bool:
        return not any(v is not None for row in self.rows for v in row)

    def hidden_content(self) -> tuple[list[int], list[int]]:
        """The hidden rows and the hidden columns that hold a value, sorted (0-based)."""
        rows = [r for r in sorted(self.hidden_rows)
                if r < len(self.rows) and any(v is not None for v in self.rows[r])]
        cols = [c for c in sorted(self.hidden_columns)
                if any(c < len(row) and row[c] is not None for row in self.rows)]
        return rows, cols

    def without_hidden(self) -> Sheet:
        """The sheet as a person sees it: hidden rows and columns blanked.

        A merged range is cut into its visible pieces, each holding the range's value, so a
        band over hidden and visible columns still labels the visible ones and never the
        hidden ones.
        """
        if not self.hidden_rows and not self.hidden_columns:
            return self
        rows_hidden, cols_hidden = self.hidden_rows, self.hidden_columns
        rows = [[None] * len(row) if r in rows_hidden else
                [None if c in cols_hidden else v for c, v in enumerate(row)]
                for r, row in enumerate(self.rows)]
        merged = None
        if self.merged is not None:
            merged = []
            sorted_rows, sorted_cols = sorted(rows_hidden), sorted(cols_hidden)
            for r0, c0, r1, c1 in self.merged:
                value = self.rows[r0][c0] if r0 < len(self.rows) and c0 < len(self.rows[r0]) \
                    else None
                for a, b in _visible_runs(r0, r1, sorted_rows):
                    for c, d in _visible_runs(c0, c1, sorted_cols):
                        merged.append((a, c, b, d))
                        if a < len(rows) and c < len(rows[a]):
                            rows[a][c] = value
        return Sheet(self.name, rows, merged, self.visible, self.source_format)


def _visible_runs(first: int, last: int, hidden: list[int]) -> list[tuple[int, int]]:
    """The runs of consecutive indexes from first to last (inclusive) not in `hidden` (sorted)."""
    runs: list[tuple[int, int]] = []
    start = first
    for i in hidden[bisect.bisect_left(hidden, first):bisect.bisect_right(hidden, last)]:
        if i > start:
            runs.append((start, i - 1))
        start = i + 1
    if start <= last:
        runs.append((start, last))
    return runs


def read_sheets(
    data: bytes,
    file_name: str = "",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> list[Sheet]:
    """Read every sheet of an uploaded file; raise SpreadsheetError for anything unreadable.

    file_name is only used for messages' sake by callers; the format comes from the bytes.
    Empty sheets are kept (a workbook's cover sheet is still a sheet), but a file where every
    sheet is empty is refused.
    """
    if len(data) == 0:
        raise SpreadsheetError(MSG_EMPTY_FILE)
    if len(data) > max_bytes:
        raise SpreadsheetError(
            MSG_TOO_BIG.format(size=_mb(len(data)), limit=_mb(max_bytes))
        )
    fmt, verify = _inspect(data, max_unzipped_bytes, max_cells)
    sheets = (_read_csv(data, max_cells) if fmt == "csv"
              else _read_workbook(data, fmt, max_cells, verify))
    if not sheets or all(s.is_empty() for s in sheets):
        raise SpreadsheetError(MSG_EMPTY_WORKBOOK)
    return sheets


def detect_format(
    data: bytes,
    *,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> str:
    """Return "xlsx", "xlsb", "ods", "xls" or "csv" from the content.

    Zip containers are checked for bombs here, before calamine decompresses anything.
    """
    fmt, verify = _inspect(data, max_unzipped_bytes, max_cells)
    if verify is not None:
        verify()
    return fmt


def _inspect(data: bytes, max_unzipped_bytes: int,
             max_cells: int) -> tuple[str, Callable[[], HiddenParts] | None]:
    """The format, and for a zip container the streaming check of its members still to run.

    Everything that needs no decompression (the magic bytes, the zip directory's declared
    sizes, the kind of document) is decided here; the members' check is returned so that
    read_sheets can run it while the child process reads the workbook.
    """
    if data.startswith(ZIP_MAGIC) or data.startswith(EMPTY_ZIP_MAGIC):
        return _zip_format(data, max_unzipped_bytes, max_cells)
    if data.startswith(OLE2_MAGIC):
        return _ole2_format(data), None
    for magic, what in _OTHER_FORMATS:
        if data.startswith(magic):
            raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what=what))
    if _looks_like_markup(data):
        raise SpreadsheetError(MSG_HTML)
    if _looks_binary(data):
        raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what="một tệp nhị phân không rõ loại"))
    return "csv", None


# --- zip containers (xlsx, xlsm, xlsb, ods) ------------------------------------------------


def _zip_format(data: bytes, max_unzipped_bytes: int,
                max_cells: int) -> tuple[str, Callable[[], HiddenParts]]:
    with _open_zip(data) as archive:
        infos = archive.infolist()
        _refuse_declared_bomb(infos, max_unzipped_bytes)
        fmt = _zip_kind(archive, {i.filename for i in infos})
        suspect = fmt == "xlsx" and bool(max_cells) and _declares_too_many_cells(
            archive, infos, max_cells)
    cells = max_cells if fmt == "xlsx" else 0

    def verify() -> HiddenParts:
        scan = _HiddenScan(fmt)
        with _open_zip(data) as archive:
            _verify_members(archive, archive.infolist(), max_unzipped_bytes, cells, scan)
            return scan.by_sheet(archive)

    if suspect:  # likely refused: measured now, without a reader competing for the CPU
        hidden = verify()
        return fmt, lambda: hidden
    return fmt, verify


_DIMENSION = re.compile(
    rb'<dimension\s+ref="([A-Z]{1,3})?([0-9]{1,7})?(?::([A-Z]{1,3})([0-9]{1,7}))?"')


def _declares_too_many_cells(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo],
                             max_cells: int) -> bool:
    """Whether a worksheet's <dimension> (written at its start by Excel) says it spans more
    than max_cells. Only a hint of which files to measure before reading: formatted empty
    cells widen it, and a hostile file may write anything."""
    for info in infos:
        if not _is_worksheet(info.filename) or info.flag_bits & 0x1:
            continue
        try:
            with archive.open(info) as member:
                head = member.read(4096)
        except Exception:  # damaged: the measuring and the reader will say so
            continue
        found = _DIMENSION.search(head)
        if found and found.group(3):
            rows = int(found.group(4)) - int(found.group(2) or 1) + 1
            cols = _column_number(found.group(3)) - _column_number(found.group(1) or b"A") + 1
            if rows * cols > max_cells:
                return True
    return False


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError for odd versions, ...
        raise SpreadsheetError(MSG_CORRUPT) from exc


def _refuse_declared_bomb(infos: list[zipfile.ZipInfo], max_unzipped_bytes: int) -> None:
    """Refuse from the central directory alone: nothing is decompressed yet."""
    if len(infos) > MAX_ZIP_MEMBERS:
        raise SpreadsheetError(MSG_ZIP_BOMB.format(limit=_mb(max_unzipped_bytes)))
    if sum(i.file_size for i in infos) > max_unzipped_bytes:
        raise SpreadsheetError(MSG_ZIP_BOMB.format(limit=_mb(max_unzipped_bytes)))


def _verify_members(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    max_unzipped_bytes: int,
    max_cells: int,
    scan: _HiddenScan | None = None,
) -> None:
    """Stream every member once with a running budget, so a lying size header cannot pass.

    zipfile stops each member at its declared size and checks its CRC, so a member that
    inflates past what it declares fails as corrupt; the budget caps the honest total.
    With max_cells, xlsx worksheets are also measured: calamine builds a dense grid from
    the first to the last cell holding a value, and one stray value at XFD1048576 would make
    it allocate billions of cells and abort the process. With `scan`, the rows and columns
    hidden in the worksheets are gathered from the same chunks.
    """
    budget = max_unzipped_bytes
    try:
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise SpreadsheetError(MSG_PASSWORD)
            extent = (_SheetExtent(max_cells) if max_cells and _is_worksheet(info.filename)
                      else None)
            hidden = scan.member(info.filename) if scan is not None else None
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        raise SpreadsheetError(
                            MSG_ZIP_BOMB.format(limit=_mb(max_unzipped_bytes))
                        )
                    if extent is not None:
                        extent.feed(chunk)
                    if hidden is not None:
                        hidden.feed(chunk)
            if extent is not None:
                extent.check(max_cells)
    except SpreadsheetError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise SpreadsheetError(MSG_CORRUPT) from exc
    except Exception as exc:  # zlib.error and friends: still a damaged file
        raise SpreadsheetError(MSG_CORRUPT) from exc


# A cell with content: <c ...> not self-closed (an empty, formatted <c .../> is not placed
# by calamine). With its position (r="B7"), or without one (it then sits after the cell
# before it in its row).
_OPEN_CELL = re.compile(rb"<c(?:\s[^>]*)?(?<!/)>")
_PLACED_CELL = re.compile(rb'<c(?:\s[^>]*?)?\sr="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
# The same when the position is the first attribute, as Excel, LibreOffice and openpyxl
# write it: twice as fast to search, so tried first.
_PLACED_FIRST = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')
_ROW_REF = re.compile(rb'<row\s[^>]*?\br="([0-9]{1,7})"')


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


class _SheetExtent:
    """How far a worksheet's cells with content reach, from its XML read in chunks.

    Cells normally carry their position (r="B7"); a cell without one sits after the previous
    cell of its row, so then the rows' own positions and the count of such cells bound it.
    Each chunk is searched by the regular expressions in one pass each (C speed): a national
    file has hundreds of thousands of cells, and looking at them one by one in Python cost
    more than reading the workbook.
    """

    def __init__(self, max_cells: int = 0) -> None:
        self.max_cells = max_cells  # when given, refused as soon as the extent passes it
        self.cells = 0
        self.rows = 0
        self.cols = 0
        self.max_row_ref = 0
        self.unplaced = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        cut = text.rfind(b"<")
        self._tail = text[cut:] if cut >= 0 and len(text) - cut < 256 else b""
        body = text[:cut] if self._tail else text
        opened = len(_OPEN_CELL.findall(body))
        placed = _PLACED_FIRST.findall(body)
        if len(placed) < opened:  # some cells name their position later, or not at all
            placed = _PLACED_CELL.findall(body)
        self.unplaced += opened - len(placed)
        self.cells += opened
        if placed:
            columns, rows = zip(*placed, strict=True)
            self.rows = max(self.rows, max(map(int, rows)))
            self.cols = max(self.cols, max(map(_column_number, set(columns))))
        if self.unplaced:
            for row in _ROW_REF.findall(body):
                self.max_row_ref = max(self.max_row_ref, int(row))
        if self.max_cells:  # a dense sheet is refused at its limit, not after it all
            self.check(self.max_cells)

    def check(self, max_cells: int) -> None:
        rows = max(self.rows, self.max_row_ref if self.unplaced else 0)
        cols = max(self.cols, self.unplaced)
        if rows * cols <= max_cells:
            return
        if self.cells * 2 > max_cells:  # full of values, not a stray far cell
            raise SpreadsheetError(MSG_TOO_MANY_CELLS_DENSE.format(
                cells=_vi_int(self.cells), limit=_vi_int(max_cells)))
        raise SpreadsheetError(MSG_TOO_MANY_CELLS_UNNAMED.format(rows=rows, cols=cols))


# --- hidden rows and columns ---------------------------------------------------------------

# Per sheet name: the 0-based (first, last) ranges of hidden rows, and of hidden columns.
HiddenParts = dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]]

_TRUE = rb'(?:1|true)"'
_XLSX_HIDDEN_ROW = re.compile(rb'<row\s[^>]*?\bhidden="' + _TRUE + rb'[^>]*>')
_XLSX_HIDDEN_COL = re.compile(rb'<col\s[^>]*?\bhidden="' + _TRUE + rb'[^>]*>')
_ODS_TAG = re.compile(rb'<table:table(-column|-row)?[\s/>][^>]*>')
_TAG_SCAN_TAIL = 4096


def _attribute(tag: bytes, name: bytes) -> bytes | None:
    found = re.search(rb'\s' + re.escape(name) + rb'\s*=\s*"([^"]*)"', tag)
    return found.group(1) if found else None


def _number(value: bytes | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _TagScanner:
    """Feeds the complete tags of an XML member read in chunks to `take`."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        cut = text.rfind(b"<")
        keep = cut >= 0 and b">" not in text[cut:] and len(text) - cut < _TAG_SCAN_TAIL
        self._tail = text[cut:] if keep else b""
        self.take(text[:cut] if keep else text)

    def take(self, body: bytes) -> None:
        raise NotImplementedError


class _XlsxHidden(_TagScanner):
    """Hidden rows (<row r=".." hidden="1">) and columns (<col min max hidden="1">) of one
    worksheet. A row without its position (rare; no office program writes one hidden) is
    left visible."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, int]] = []
        self.cols: list[tuple[int, int]] = []

    def take(self, body: bytes) -> None:
        if b'hidden="' not in body:  # the usual case, at the cost of one search
            return
        for tag in _XLSX_HIDDEN_ROW.findall(body):
            row = _number(_attribute(tag, b"r"), 0)
            if row > 0:
                self.rows.append((row - 1, row - 1))
        for tag in _XLSX_HIDDEN_COL.findall(body):
            first = _number(_attribute(tag, b"min"), 0)
            last = _number(_attribute(tag, b"max"), first)
            if 0 < first <= last:
                self.cols.append((first - 1, last - 1))


class _OdsHidden(_TagScanner):
    """Collapsed or filtered rows and columns of every table in an ODS content.xml."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: HiddenParts = {}
        self._name: str | None = None
        self._row = self._col = 0

    def take(self, body: bytes) -> None:
        for match in _ODS_TAG.finditer(body):
            tag, kind = match.group(0), match.group(1)
            if kind is None:
                self._start_table(tag)
                continue
            if self._name is None:
                continue
            repeat = max(1, _number(_attribute(
                tag, b"table:number-rows-repeated" if kind == b"-row"
                else b"table:number-columns-repeated"), 1))
            hidden = _attribute(tag, b"table:visibility") in (b"collapse", b"filter")
            rows, cols = self.tables[self._name]
            if kind == b"-row":
                if hidden:
                    rows.append((self._row, self._row + repeat - 1))
                self._row += repeat
            else:
                if hidden:
                    cols.append((self._col, self._col + repeat - 1))
                self._col += repeat

    def _start_table(self, tag: bytes) -> None:
        name = _attribute(tag, b"table:name")
        self._name = html.unescape(name.decode("utf-8", "replace")) if name else None
        self._row = self._col = 0
        if self._name is not None:
            self.tables.setdefault(self._name, ([], []))


class _HiddenScan:
    """Gathers hidden rows and columns of an xlsx/xlsm or ods while its members stream by."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self.members: dict[str, _XlsxHidden] = {}
        self.ods: _OdsHidden | None = None

    def member(self, name: str) -> _TagScanner | None:
        if self.fmt == "xlsx" and _is_worksheet(name):
            self.members[name] = _XlsxHidden()
            return self.members[name]
        if self.fmt == "ods" and name == "content.xml":
            self.ods = _OdsHidden()
            return self.ods
        return None

    def by_sheet(self, archive: zipfile.ZipFile) -> HiddenParts:
        if self.ods is not None:
            return self.ods.tables
        found = {m: (h.rows, h.cols) for m, h in self.members.items() if h.rows or h.cols}
        if not found:
            return {}
        return {name: found[member] for name, member in _sheet_members(archive).items()
                if member in found}


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\s[^>]*>")
_RELATION_TAG = re.compile(rb"<(?:\w+:)?Relationship\s[^>]*>")
_RELATION_ID = re.compile(rb'\s(?:[\w.-]+:)?id\s*=\s*"([^"]*)"')


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its worksheet XML member, from xl/workbook.xml and its relationships."""
    targets: dict[bytes, str] = {}
    for tag in _RELATION_TAG.findall(_read_small(archive, "xl/_rels/workbook.xml.rels")):
        rel_id, target = _attribute(tag, b"Id"), _attribute(tag, b"Target")
        if rel_id is None or target is None:
            continue
        path = html.unescape(target.decode("utf-8", "replace"))
        path = path.lstrip("/") if path.startswith("/") else posixpath.join("xl", path)
        targets[rel_id] = posixpath.normpath(path)
    members: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(_read_small(archive, "xl/workbook.xml")):
        name, rel = _attribute(tag, b"name"), _RELATION_ID.search(tag)
        if name is not None and rel is not None and rel.group(1) in targets:
            members[html.unescape(name.decode("utf-8", "replace"))] = targets[rel.group(1)]
    return members


def _with_hidden(sheet: Sheet, hidden: tuple[list[tuple[int, int]],
                                             list[tuple[int, int]]] | None) -> Sheet:
    """The sheet with its hidden ranges, kept within its grid."""
    if not hidden:
        return sheet
    rows, cols = hidden
    height, width = len(sheet.rows), sheet.width
    sheet.hidden_rows = frozenset(i for a, b in rows for i in range(a, min(b, height - 1) + 1))
    sheet.hidden_columns = frozenset(i for a, b in cols for i in range(a, min(b, width - 1) + 1))
    return sheet


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _zip_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "mimetype" in names:
        mimetype = _read_small(archive, "mimetype")
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            if b"encryption-data" in _read_small(archive, "META-INF/manifest.xml"):
                raise SpreadsheetError(MSG_PASSWORD)
            return "ods"
        raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what="một tài liệu OpenDocument"))
    if "word/document.xml" in names:
        raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what="văn bản Word"))
    if "ppt/presentation.xml" in names:
        raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what="bản trình chiếu PowerPoint"))
    raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what="một tệp nén ZIP"))


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 1 * MB) -> bytes:
    try:
        with archive.open(name) as member:
            return member.read(limit)
    except KeyError:
        return b""
    except Exception as exc:
        raise SpreadsheetError(MSG_CORRUPT) from exc


# --- OLE2 containers (xls, encrypted OOXML) ------------------------------------------------


def _ole2_format(data: bytes) -> str:
    """Tell legacy .xls from a password-protected OOXML file, both OLE2 compound files."""
    if "EncryptionInfo".encode("utf-16-le") in data:
        raise SpreadsheetError(MSG_PASSWORD)
    if "WordDocument".encode("utf-16-le") in data:
        raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what="văn bản Word (.doc)"))
    if "PowerPoint Document".encode("utf-16-le") in data:
        raise SpreadsheetError(MSG_NOT_SPREADSHEET.format(what="bản trình chiếu (.ppt)"))
    return "xls"


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
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
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
         "from core.spreadsheets import worker_main; worker_main()"],
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


# --- CSV ---------------------------------------------------------------------------------

_CSV_SEPARATORS = (";", ",", "\t")


def _read_csv(data: bytes, max_cells: int = DEFAULT_MAX_CELLS) -> list[Sheet]:
    text = _decode_csv(data)
    separator = sniff_separator(text)
    cells = text.count(separator) + text.count("\n")  # at least the fields, quoted or not
    if cells > max_cells:
        raise SpreadsheetError(MSG_TOO_MANY_CELLS_DENSE.format(
            cells=_vi_int(max_cells), limit=_vi_int(max_cells)))
    try:
        raw = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as exc:
        raise SpreadsheetError(MSG_CORRUPT) from exc
    width = max((len(r) for r in raw), default=0)
    rows = [[clean_text(v) or None for v in r] + [None] * (width - len(r)) for r in raw]
    return [Sheet("CSV", rows, None, True, "csv")]


def _decode_csv(data: bytes) -> str:
    """The text in whichever encoding offices save CSV in (core.ingest.text decides)."""
    try:
        return decode_text(data).text
    except UndecodableText as exc:
        raise SpreadsheetError(str(exc)) from exc


def sniff_separator(text: str, sample_lines: int = 30) -> str:
    """Pick the separator giving the most lines with the same number (> 1) of fields."""
    lines = [ln for ln in text.splitlines()[: sample_lines * 2] if ln.strip()][:sample_lines]
    best, best_score = ",", (-1, -1)
    for separator in _CSV_SEPARATORS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=separator)]
        except csv.Error:
            continue
        if not counts:
            continue
        width, lines_with_width = Counter(counts).most_common(1)[0]
        score = (lines_with_width if width > 1 else 0, width)
        if score > best_score:
            best, best_score = separator, score
    return best


# --- sniffing helpers ----------------------------------------------------------------------


def _looks_like_markup(data: bytes) -> bool:
    head = data[:2048].lstrip(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta"))


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    return controls > len(head) // 20


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _mb(size: int) -> str:
    value = size / MB
    return f"{value:.0f}" if value >= 10 or value.is_integer() else f"{value:.1f}".replace(".", ",")
