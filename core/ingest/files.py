"""From an uploaded file's bytes to sheets of plain cell values (`read_sheets`).

Staff upload whatever their office produced: .xlsx, .xlsm, .xls, .ods or a CSV export,
often renamed, sometimes damaged, occasionally hostile. The type is decided from the content,
never from the extension. Zip containers are refused from their directory before anything is
decompressed, and their members are streamed with a size budget (cells counted, hidden rows
and columns gathered) while the memory-capped child process (core.ingest.workbook) reads.

Cell values: None for an empty cell; int for whole numbers; float otherwise; str stripped and
NFC-normalised; bool; dates and times as calamine gives them. CSV cells stay text (the
layout reads "1.912" and "60,22%" itself; codes such as "00001" keep their zeros)."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable

from core.ingest.hidden import HiddenParts, _HiddenScan, _is_worksheet, _read_small
from core.ingest.limits import (
    _CHUNK,
    _OTHER_FORMATS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_UNZIPPED_BYTES,
    EMPTY_ZIP_MAGIC,
    MAX_ZIP_MEMBERS,
    MSG_CORRUPT,
    MSG_EMPTY_FILE,
    MSG_EMPTY_WORKBOOK,
    MSG_HTML,
    MSG_NOT_SPREADSHEET,
    MSG_PASSWORD,
    MSG_TOO_BIG,
    MSG_TOO_MANY_CELLS_DENSE,
    MSG_TOO_MANY_CELLS_UNNAMED,
    MSG_ZIP_BOMB,
    OLE2_MAGIC,
    ZIP_MAGIC,
    SpreadsheetError,
    _mb,
    _vi_int,
)
from core.ingest.model import Sheet
from core.ingest.text import _read_csv
from core.ingest.workbook import _read_workbook
from core.ingest.workbook import read_ahead as read_workbook_ahead


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


def read_ahead(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> None:
    """Start the workbook read of `read_sheets(data, ...)` (the same bytes object, the same
    limits) now, in its child process, so that it goes on while the caller loads the rest
    of the import (`python -m core import`). Only what `read_sheets` would read: a file its
    first checks refuse is left for it to refuse, and the members' check still runs then."""
    if not data or len(data) > max_bytes:
        return
    try:
        fmt, _ = _inspect(data, max_unzipped_bytes, max_cells)
    except SpreadsheetError:
        return
    read_workbook_ahead(data, fmt, max_cells)


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
